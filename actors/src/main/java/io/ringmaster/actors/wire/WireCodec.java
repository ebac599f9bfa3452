package io.ringmaster.actors.wire;

import com.esotericsoftware.kryo.io.KryoBufferOverflowException;
import com.esotericsoftware.kryo.util.Pool;
import java.nio.BufferOverflowException;
import java.nio.ByteBuffer;
import java.util.function.Supplier;
import org.apache.pekko.actor.typed.ActorRefResolver;

/**
 * Turns registered objects into bytes and back, thread-safe (Kryo instances are pooled, since one
 * Kryo must not be used by two threads at once). The top-level class is not written: the reader
 * names it, from the Pekko manifest or because it knows what it expects.
 */
public final class WireCodec {
  private static final int MAX_POOLED_KRYOS = 32;
  /** the largest Java array (a few bytes under 2 GiB on HotSpot) */
  static final int MAX_ARRAY_BYTES = Integer.MAX_VALUE - 8;

  private final WireRegistry registry;
  private final Pool<WireKryo> kryos;

  WireCodec(WireRegistry registry, Supplier<ActorRefResolver> resolver) {
    this.registry = registry;
    // the resolver is looked up on first use: the serializer is built while the actor system is still starting
    this.kryos = new Pool<>(true, false, MAX_POOLED_KRYOS) {
      @Override
      protected WireKryo create() {
        return new WireKryo(registry, resolver.get());
      }
    };
  }

  public WireRegistry registry() {
    return registry;
  }

  /**
   * Writes {@code message} into {@code target} from its position.
   *
   * @throws BufferOverflowException if it does not fit (Pekko Artery drops such a message and logs it as oversized)
   */
  public void encode(Object message, ByteBuffer target) {
    try {
      write(new WireOutput(target), message);
    } catch (KryoBufferOverflowException e) {
      BufferOverflowException overflow = new BufferOverflowException();
      overflow.initCause(e);
      throw overflow;
    }
  }

  /** The bytes of {@code message}, written once into an array of the exact size. */
  public byte[] encode(Object message) {
    long bytes = sizeOf(message);
    if (bytes > MAX_ARRAY_BYTES) {
      throw new IllegalArgumentException(message.getClass().getName() + " takes " + bytes
          + " bytes on the wire; at most " + MAX_ARRAY_BYTES + " fit one array");
    }
    byte[] encoded = new byte[(int) bytes];
    write(new WireOutput(ByteBuffer.wrap(encoded)), message);
    return encoded;
  }

  /** How many bytes {@link #encode} would write, found by a pass that copies no arrays. */
  public long sizeOf(Object message) {
    WireOutput.Counting counter = new WireOutput.Counting();
    write(counter, message);
    return counter.countedBytes();
  }

  public <T> T decode(ByteBuffer source, Class<T> type) {
    WireKryo kryo = kryos.obtain();
    try {
      return kryo.readObject(new WireInput(source), type);
    } finally {
      kryos.free(kryo);
    }
  }

  public <T> T decode(byte[] bytes, Class<T> type) {
    return decode(ByteBuffer.wrap(bytes), type);
  }

  private void write(WireOutput output, Object message) {
    WireKryo kryo = kryos.obtain();
    try {
      kryo.writeObject(output, message);
    } finally {
      kryos.free(kryo);
    }
  }
}
