package io.ringmaster.actors.cluster;

import io.ringmaster.actors.wire.BulkMail;
import io.ringmaster.actors.wire.WireMessage;
import io.ringmaster.kernels.HostTensor;
import java.util.ArrayList;
import java.util.List;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.apache.pekko.actor.typed.receptionist.ServiceKey;

/** Test-only: passes a tensor to the next relay of a ring, as a GPU actor passes its KV block. */
public final class RingRelay extends AbstractBehavior<RingRelay.Command> {
  public static final ServiceKey<Command> KEY = ServiceKey.create(Command.class, "ring-relay");

  public sealed interface Command {}

  public record Configure(ActorRef<Command> next, ActorRef<Configured> replyTo) implements Command, WireMessage {}

  public record Configured(ActorRef<Command> relay) implements WireMessage {}

  /** After {@code hopsLeft} more relays the payload goes {@code home}; {@code pids} lists the processes it passed. */
  public record Hop(int hopsLeft, HostTensor payload, List<Long> pids, ActorRef<Hop> home,
                    ActorRef<Forwarded> observer) implements Command, WireMessage {}

  public record Forwarded(long pid, int hopsLeft) implements WireMessage {}

  private ActorRef<Command> next;

  private RingRelay(ActorContext<Command> context) {
    super(context);
  }

  public static Behavior<Command> create() {
    return Behaviors.setup(RingRelay::new);
  }

  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder()
        .onMessage(Configure.class, this::onConfigure)
        .onMessage(Hop.class, this::onHop)
        .build();
  }

  private Behavior<Command> onConfigure(Configure configure) {
    next = configure.next();
    configure.replyTo().tell(new Configured(getContext().getSelf()));
    return this;
  }

  private Behavior<Command> onHop(Hop hop) {
    long pid = ProcessHandle.current().pid();
    List<Long> pids = new ArrayList<>(hop.pids());
    pids.add(pid);
    BulkMail mail = BulkMail.get(getContext().getSystem());
    if (hop.hopsLeft() == 0) {
      mail.send(hop.home(), new Hop(0, hop.payload(), pids, hop.home(), hop.observer()));
    } else {
      mail.send(next, new Hop(hop.hopsLeft() - 1, hop.payload(), pids, hop.home(), hop.observer()));
    }
    hop.observer().tell(new Forwarded(pid, hop.hopsLeft()));
    return this;
  }
}
