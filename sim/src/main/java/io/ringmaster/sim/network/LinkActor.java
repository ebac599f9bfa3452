package io.ringmaster.sim.network;

import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;

/**
 * One directed link of the simulated network (a PCIe lane bundle, a host bridge, a NIC, a fabric
 * uplink). The fabric shares the link's bandwidth among the transfers crossing it: max-min fairness
 * is a fixed point of the whole network, so the rates are computed where all flows are known, over
 * primitive arrays, at every change. The link actor keeps the link's own account: at the end of a
 * stage it receives what crossed it, checks that the transfers never took more than its bandwidth,
 * and answers with its {@link LinkReport}.
 */
public final class LinkActor extends AbstractBehavior<LinkActor.Command> {

  /** Everything a link actor understands. */
  public sealed interface Command permits Account {}

  /** The link's use over {@code spanSeconds} of virtual time; the report goes to {@code replyTo}. */
  public record Account(Fabric.LinkUsage usage, double spanSeconds, ActorRef<LinkReport> replyTo)
      implements Command {}

  private LinkActor(ActorContext<Command> context) {
    super(context);
  }

  public static Behavior<Command> create() {
    return Behaviors.setup(LinkActor::new);
  }

  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder().onMessage(Account.class, this::onAccount).build();
  }

  private Behavior<Command> onAccount(Account account) {
    Fabric.LinkUsage usage = account.usage();
    double bandwidth = usage.link().bytesPerSecond();
    double possibleBytes = bandwidth * account.spanSeconds();
    account.replyTo().tell(new LinkReport(
        usage.link().id(),
        usage.link().name(),
        usage.link().kind(),
        bandwidth,
        usage.busySeconds(),
        usage.bytesCarried(),
        possibleBytes > 0 ? usage.bytesCarried() / possibleBytes : 0,
        usage.peakBytesPerSecond() / bandwidth));
    return this;
  }
}
