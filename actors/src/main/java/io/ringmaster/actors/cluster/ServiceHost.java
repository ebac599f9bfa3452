package io.ringmaster.actors.cluster;

import java.util.function.IntFunction;
import org.apache.pekko.actor.CoordinatedShutdown;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.Terminated;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.apache.pekko.actor.typed.receptionist.Receptionist;
import org.apache.pekko.actor.typed.receptionist.ServiceKey;

/**
 * A worker node's guardian: spawns {@code count} actors named {@code <prefix>-<index>} and registers
 * each with the Receptionist under {@code key}. If one of them stops, the node shuts down: a worker
 * that silently hosts fewer actors than it announced would stall a ring, a worker that leaves is
 * reported to the director at once.
 */
public final class ServiceHost<T> extends AbstractBehavior<Void> {
  private ServiceHost(ActorContext<Void> context, ServiceKey<T> key, int count, IntFunction<Behavior<T>> member,
                      String namePrefix) {
    super(context);
    for (int index = 0; index < count; index++) {
      ActorRef<T> ref = context.spawn(member.apply(index), namePrefix + "-" + index);
      context.watch(ref);
      context.getSystem().receptionist().tell(Receptionist.register(key, ref));
    }
    context.getLog().info("hosting {} '{}' actor(s)", count, key.id());
  }

  public static <T> Behavior<Void> create(ServiceKey<T> key, int count, IntFunction<Behavior<T>> member,
                                          String namePrefix) {
    return Behaviors.setup(context -> new ServiceHost<>(context, key, count, member, namePrefix));
  }

  @Override
  public Receive<Void> createReceive() {
    return newReceiveBuilder().onSignal(Terminated.class, this::onMemberStopped).build();
  }

  private Behavior<Void> onMemberStopped(Terminated terminated) {
    getContext().getLog().error("hosted actor {} stopped; shutting this node down", terminated.getRef().path().name());
    CoordinatedShutdown.get(getContext().getSystem()).runAll(NodeShutdownReason.HOSTED_ACTOR_STOPPED);
    return this;
  }
}
