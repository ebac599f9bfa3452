package io.ringmaster.actors.wire;

import java.io.NotSerializableException;
import java.nio.ByteBuffer;
import org.apache.pekko.actor.ExtendedActorSystem;
import org.apache.pekko.actor.typed.ActorRefResolver;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.serialization.ByteBufferSerializer;
import org.apache.pekko.serialization.SerializerWithStringManifest;

/**
 * The Pekko serializer for {@link WireMessage}s: Kryo over the explicit {@link WireRegistry}. The
 * manifest is the class's wire id. It writes straight into Artery's send buffers
 * ({@link ByteBufferSerializer}), so a message is not first copied into a byte array.
 */
public final class WireSerializer extends SerializerWithStringManifest implements ByteBufferSerializer {
  /** Pekko reserves identifiers 0..40; this one is ours on every node. */
  public static final int IDENTIFIER = 7_170_331;

  private final WireCodec codec;

  public WireSerializer(ExtendedActorSystem system) {
    WireRegistry registry = WireRegistry.fromConfig(system.settings().config(), system.dynamicAccess().classLoader());
    this.codec = new WireCodec(registry, () -> ActorRefResolver.get(Adapter.toTyped(system)));
  }

  public WireCodec codec() {
    return codec;
  }

  @Override
  public int identifier() {
    return IDENTIFIER;
  }

  @Override
  public String manifest(Object message) {
    return Integer.toString(codec.registry().idOf(message.getClass()));
  }

  @Override
  public byte[] toBinary(Object message) {
    return codec.encode(message);
  }

  @Override
  public void toBinary(Object message, ByteBuffer target) {
    codec.encode(message, target);
  }

  @Override
  public Object fromBinary(byte[] bytes, String manifest) throws NotSerializableException {
    return fromBinary(ByteBuffer.wrap(bytes), manifest);
  }

  @Override
  public Object fromBinary(ByteBuffer source, String manifest) throws NotSerializableException {
    return codec.decode(source, typeOf(manifest));
  }

  private Class<?> typeOf(String manifest) throws NotSerializableException {
    try {
      return codec.registry().classOf(Integer.parseInt(manifest));
    } catch (IllegalArgumentException e) {
      throw new NotSerializableException("manifest '" + manifest + "': " + e.getMessage());
    }
  }
}
