package io.ringmaster.actors.cluster;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.apache.pekko.actor.Address;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.apache.pekko.cluster.ClusterEvent;
import org.apache.pekko.cluster.Member;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.Down;
import org.apache.pekko.cluster.typed.Subscribe;

/**
 * Runs on the director: tells its listener, once per node, that a cluster member was lost
 * (unreachable, leaving, or removed) and which of the tracked actors lived there. An unreachable
 * member is also downed: the director is the cluster's downing authority, and until the dead node is
 * downed the cluster cannot converge, so no other member could leave cleanly.
 */
public final class MemberLossWatch extends AbstractBehavior<MemberLossWatch.Command> {
  public sealed interface Command {}

  /** Adds actors whose loss the listener must learn about (normally the discovered GPU actors). */
  public record Track(List<? extends ActorRef<?>> members) implements Command {}

  private record MemberChanged(ClusterEvent.MemberEvent event) implements Command {}

  private record ReachabilityChanged(ClusterEvent.ReachabilityEvent event) implements Command {}

  public enum Cause { UNREACHABLE, LEFT, REMOVED }

  /** The node at {@code address} is lost; {@code members} are the tracked actors that lived there (maybe none). */
  public record MemberLost(Address address, Cause cause, List<ActorRef<?>> members) {}

  private final ActorRef<MemberLost> listener;
  private final Cluster cluster;
  private final List<ActorRef<?>> tracked = new ArrayList<>();
  private final Set<Address> reported = new HashSet<>();

  private MemberLossWatch(ActorContext<Command> context, ActorRef<MemberLost> listener) {
    super(context);
    this.listener = listener;
    this.cluster = Cluster.get(context.getSystem());
    cluster.subscriptions().tell(Subscribe.create(
        context.messageAdapter(ClusterEvent.MemberEvent.class, MemberChanged::new), ClusterEvent.MemberEvent.class));
    cluster.subscriptions().tell(Subscribe.create(
        context.messageAdapter(ClusterEvent.ReachabilityEvent.class, ReachabilityChanged::new),
        ClusterEvent.ReachabilityEvent.class));
  }

  public static Behavior<Command> create(ActorRef<MemberLost> listener) {
    return Behaviors.setup(context -> new MemberLossWatch(context, listener));
  }

  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder()
        .onMessage(Track.class, this::onTrack)
        .onMessage(MemberChanged.class, this::onMemberChanged)
        .onMessage(ReachabilityChanged.class, this::onReachabilityChanged)
        .build();
  }

  private Behavior<Command> onTrack(Track track) {
    tracked.addAll(track.members());
    return this;
  }

  private Behavior<Command> onMemberChanged(MemberChanged changed) {
    ClusterEvent.MemberEvent event = changed.event();
    if (event instanceof ClusterEvent.MemberLeft || event instanceof ClusterEvent.MemberExited) {
      report(event.member(), Cause.LEFT);
    } else if (event instanceof ClusterEvent.MemberRemoved) {
      report(event.member(), Cause.REMOVED);
    }
    return this;
  }

  private Behavior<Command> onReachabilityChanged(ReachabilityChanged changed) {
    if (changed.event() instanceof ClusterEvent.UnreachableMember unreachable) {
      Member member = unreachable.member();
      report(member, Cause.UNREACHABLE);
      if (!member.equals(cluster.selfMember())) {
        getContext().getLog().warn("downing unreachable member {}", member.address());
        cluster.manager().tell(new Down(member.address()));
      }
    }
    return this;
  }

  private void report(Member member, Cause cause) {
    Address address = member.address();
    if (member.equals(cluster.selfMember()) || !reported.add(address)) {
      return;
    }
    List<ActorRef<?>> lost = tracked.stream().filter(ref -> ref.path().address().equals(address)).toList();
    getContext().getLog().warn("member {} ({}) lost: {}; it hosted {} tracked actor(s)", address,
        String.join(",", member.getRoles()), cause, lost.size());
    listener.tell(new MemberLost(address, cause, lost));
  }
}
