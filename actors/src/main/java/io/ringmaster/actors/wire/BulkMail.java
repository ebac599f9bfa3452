package io.ringmaster.actors.wire;

import java.io.NotSerializableException;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Extension;
import org.apache.pekko.actor.typed.ExtensionId;
import org.apache.pekko.actor.typed.Props;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.serialization.SerializationExtension;

/**
 * A node's bulk messaging: its {@link BulkOutbox} and {@link BulkInbox}. Every node that sends or
 * receives bulk messages must have it started before the first one arrives
 * ({@code ClusterNode.start} does that).
 */
public final class BulkMail implements Extension {
  private final ActorRef<BulkOutbox.Command> outbox;
  private final ActorSystem<?> system;

  private BulkMail(ActorSystem<?> system) {
    this.system = system;
    BulkSettings settings = BulkSettings.fromConfig(system.settings().config());
    WireCodec codec = codecOf(system);
    system.systemActorOf(BulkInbox.create(codec, settings), BulkInbox.NAME, Props.empty());
    this.outbox = system.systemActorOf(BulkOutbox.create(codec, settings), BulkOutbox.NAME, Props.empty());
  }

  public static BulkMail get(ActorSystem<?> system) {
    return Id.INSTANCE.apply(system);
  }

  /** The codec of this system's {@link WireSerializer}, the one Pekko uses for {@link WireMessage}s. */
  public static WireCodec codecOf(ActorSystem<?> system) {
    try {
      return ((WireSerializer) SerializationExtension.get(Adapter.toClassic(system)).serializerFor(WireMessage.class)).codec();
    } catch (NotSerializableException | ClassCastException e) {
      throw new IllegalStateException("pekko.actor.serialization-bindings must bind " + WireMessage.class.getName()
          + " to " + WireSerializer.class.getName() + " (the actors module's reference.conf does)", e);
    }
  }

  public ActorRef<BulkOutbox.Command> outbox() {
    return outbox;
  }

  public <T> void send(ActorRef<T> target, T message) {
    send(target, message, system.ignoreRef());
  }

  public <T> void send(ActorRef<T> target, T message, ActorRef<BulkOutbox.Delivery> replyTo) {
    outbox.tell(new BulkOutbox.Send(target, message, replyTo));
  }

  public static final class Id extends ExtensionId<BulkMail> {
    private static final Id INSTANCE = new Id();

    private Id() {}

    public static Id getInstance() {
      return INSTANCE;
    }

    @Override
    public BulkMail createExtension(ActorSystem<?> system) {
      return new BulkMail(system);
    }
  }
}
