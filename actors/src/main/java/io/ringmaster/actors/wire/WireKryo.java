package io.ringmaster.actors.wire;

import com.esotericsoftware.kryo.Kryo;
import com.esotericsoftware.kryo.Registration;
import com.esotericsoftware.kryo.Serializer;
import com.esotericsoftware.kryo.io.Input;
import com.esotericsoftware.kryo.io.Output;
import com.esotericsoftware.kryo.util.DefaultInstantiatorStrategy;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorRefResolver;
import org.objenesis.strategy.StdInstantiatorStrategy;

/**
 * A Kryo that knows exactly the registry's classes. Every typed {@link ActorRef} implementation
 * shares the one {@code ActorRef} registration, because the concrete class differs between a local
 * and a remote ref, while the wire form (the ref's full path) does not.
 */
final class WireKryo extends Kryo {
  private final Registration actorRefRegistration;

  WireKryo(WireRegistry registry, ActorRefResolver resolver) {
    setRegistrationRequired(true);
    // messages are trees (no shared or cyclic references); skipping reference tracking saves a map lookup per object
    setReferences(false);
    setInstantiatorStrategy(new DefaultInstantiatorStrategy(new StdInstantiatorStrategy()));
    Registration refs = null;
    for (WireRegistration registration : registry.registrations()) {
      if (registration.type() == ActorRef.class) {
        refs = register(ActorRef.class, new ActorRefSerializer(resolver), registration.id());
      } else if (registration.type() == BulkInbox.Chunk.class) {
        register(BulkInbox.Chunk.class, new BulkInbox.ChunkSerializer(), registration.id());
      } else {
        register(registration.type(), registration.id());
      }
    }
    this.actorRefRegistration = refs;
  }

  @Override
  @SuppressWarnings("rawtypes") // Kryo's signature
  public Registration getRegistration(Class type) {
    if (ActorRef.class.isAssignableFrom(type)) {
      return actorRefRegistration;
    }
    return super.getRegistration(type);
  }

  @Override
  @SuppressWarnings("rawtypes") // Kryo's signature
  protected String unregisteredClassMessage(Class type) {
    return WireRegistry.unregisteredMessage(type);
  }

  /** A typed ref travels as its full path (with host and port) and is resolved again on arrival. */
  private static final class ActorRefSerializer extends Serializer<ActorRef<?>> {
    private final ActorRefResolver resolver;

    ActorRefSerializer(ActorRefResolver resolver) {
      this.resolver = resolver;
      setImmutable(true);
    }

    @Override
    public void write(Kryo kryo, Output output, ActorRef<?> ref) {
      output.writeString(resolver.toSerializationFormat(ref));
    }

    @Override
    public ActorRef<?> read(Kryo kryo, Input input, Class<? extends ActorRef<?>> type) {
      return resolver.resolveActorRef(input.readString());
    }
  }
}
