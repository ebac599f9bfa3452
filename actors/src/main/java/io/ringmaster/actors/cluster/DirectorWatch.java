package io.ringmaster.actors.cluster;

import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import org.apache.pekko.actor.Address;
import org.apache.pekko.actor.CoordinatedShutdown;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;
import org.apache.pekko.cluster.ClusterEvent;
import org.apache.pekko.cluster.Member;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.Down;
import org.apache.pekko.cluster.typed.Subscribe;

/**
 * Runs on every worker: once a director has been seen, a worker with no director left (removed, or
 * unreachable for {@code ringmaster.cluster.director-lost-after}) shuts itself down, so workers
 * never outlive the run that started them.
 */
public final class DirectorWatch extends AbstractBehavior<DirectorWatch.Command> {
  public static final String NAME = "ringmaster-director-watch";
  static final String DIRECTOR_LOST_AFTER_PATH = "ringmaster.cluster.director-lost-after";

  public sealed interface Command {}

  private record MemberChanged(ClusterEvent.MemberEvent event) implements Command {}

  private record ReachabilityChanged(ClusterEvent.ReachabilityEvent event) implements Command {}

  private enum DirectorsUnreachable implements Command { INSTANCE }

  private final TimerScheduler<Command> timers;
  private final Duration lostAfter;
  private final Set<Address> reachableDirectors = new HashSet<>();
  private boolean directorSeen;

  private DirectorWatch(ActorContext<Command> context, TimerScheduler<Command> timers) {
    super(context);
    this.timers = timers;
    this.lostAfter = context.getSystem().settings().config().getDuration(DIRECTOR_LOST_AFTER_PATH);
    Cluster cluster = Cluster.get(context.getSystem());
    cluster.subscriptions().tell(Subscribe.create(
        context.messageAdapter(ClusterEvent.MemberEvent.class, MemberChanged::new), ClusterEvent.MemberEvent.class));
    cluster.subscriptions().tell(Subscribe.create(
        context.messageAdapter(ClusterEvent.ReachabilityEvent.class, ReachabilityChanged::new),
        ClusterEvent.ReachabilityEvent.class));
  }

  public static Behavior<Command> create() {
    return Behaviors.setup(context -> Behaviors.withTimers(timers -> new DirectorWatch(context, timers)));
  }

  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder()
        .onMessage(MemberChanged.class, this::onMemberChanged)
        .onMessage(ReachabilityChanged.class, this::onReachabilityChanged)
        .onMessageEquals(DirectorsUnreachable.INSTANCE, () -> shutDown(NodeShutdownReason.DIRECTOR_LOST))
        .build();
  }

  private Behavior<Command> onMemberChanged(MemberChanged changed) {
    Member member = changed.event().member();
    if (!isDirector(member)) {
      return this;
    }
    if (changed.event() instanceof ClusterEvent.MemberUp) {
      directorSeen = true;
      reachableDirectors.add(member.address());
      timers.cancel(DirectorsUnreachable.INSTANCE);
    } else if (changed.event() instanceof ClusterEvent.MemberExited || changed.event() instanceof ClusterEvent.MemberRemoved) {
      reachableDirectors.remove(member.address());
      if (directorSeen && reachableDirectors.isEmpty()) {
        // a director that is out of the cluster is not coming back: no reason to wait
        boolean leftOnPurpose = changed.event() instanceof ClusterEvent.MemberExited
            || ((ClusterEvent.MemberRemoved) changed.event()).previousStatus() == MemberStatus.exiting();
        return shutDown(leftOnPurpose ? NodeShutdownReason.DIRECTOR_LEFT : NodeShutdownReason.DIRECTOR_LOST);
      }
    }
    return this;
  }

  private Behavior<Command> onReachabilityChanged(ReachabilityChanged changed) {
    Member member = changed.event().member();
    if (!isDirector(member) || !directorSeen) {
      return this;
    }
    if (changed.event() instanceof ClusterEvent.UnreachableMember) {
      reachableDirectors.remove(member.address());
      if (reachableDirectors.isEmpty()) {
        getContext().getLog().warn("director {} unreachable; shutting down unless it is back within {} s",
            member.address(), lostAfter.toSeconds());
        timers.startSingleTimer(DirectorsUnreachable.INSTANCE, lostAfter);
      }
    } else if (changed.event() instanceof ClusterEvent.ReachableMember) {
      reachableDirectors.add(member.address());
      timers.cancel(DirectorsUnreachable.INSTANCE);
    }
    return this;
  }

  private Behavior<Command> shutDown(NodeShutdownReason reason) {
    CoordinatedShutdown shutdown = CoordinatedShutdown.get(getContext().getSystem());
    if (shutdown.getShutdownReason().isPresent()) {
      // this node is already on its way out (and sees every member removed as it goes)
      return Behaviors.stopped();
    }
    getContext().getLog().info("no director left in the cluster ({}); this worker shuts down", reason);
    if (reason == NodeShutdownReason.DIRECTOR_LOST) {
      // leaving needs a converged cluster, which an unreachable director prevents: a node that downs
      // itself skips the leave and shuts down at once instead of after the exiting phase's timeout
      Cluster cluster = Cluster.get(getContext().getSystem());
      cluster.manager().tell(new Down(cluster.selfMember().address()));
    }
    shutdown.runAll(reason);
    return Behaviors.stopped();
  }

  private static boolean isDirector(Member member) {
    return member.hasRole(NodeRole.DIRECTOR.roleName());
  }
}
