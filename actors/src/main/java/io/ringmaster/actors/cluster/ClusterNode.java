package io.ringmaster.actors.cluster;

import io.ringmaster.actors.process.NodeAnnouncement;
import io.ringmaster.actors.process.ParentWatch;
import io.ringmaster.actors.wire.BulkMail;
import java.util.List;
import java.util.Optional;
import org.apache.pekko.actor.Address;
import org.apache.pekko.actor.CoordinatedShutdown;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.Props;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.Join;
import org.apache.pekko.cluster.typed.JoinSeedNodes;

/** Starts a Ringmaster node: the actor system, bulk mail, the join, and the watches its role needs. */
public final class ClusterNode {
  private ClusterNode() {}

  /**
   * Starts the node and begins joining; it is a cluster member once {@code MemberUp} for it is seen.
   * A worker shuts itself down when its directors are gone ({@link DirectorWatch}); a node started by
   * {@code WorkerProcesses} also when its parent process dies ({@link ParentWatch}).
   */
  public static <T> ActorSystem<T> start(NodeSettings settings, Behavior<T> guardian) {
    ActorSystem<T> system = ActorSystem.create(guardian, NodeSettings.SYSTEM_NAME, settings.toConfig());
    BulkMail.get(system); // the bulk inbox must exist before the first chunk arrives
    Cluster cluster = Cluster.get(system);
    Address self = cluster.selfMember().address();
    if (settings.seed() instanceof Seed.At seed) {
      cluster.manager().tell(new JoinSeedNodes(List.of(seed.address())));
    } else {
      cluster.manager().tell(Join.create(self));
    }
    if (settings.role() == NodeRole.WORKER) {
      system.systemActorOf(DirectorWatch.create(), DirectorWatch.NAME, Props.empty());
    }
    ParentWatch.startIfRequested(system, NodeShutdownReason.PARENT_GONE);
    system.log().info("{} node at {} joining {}", settings.role().roleName(), self,
        settings.seed() instanceof Seed.At seed ? seed : "itself");
    if (settings.role() == NodeRole.WORKER) {
      // the parent that started the worker on a free port learns its address from this line
      NodeAnnouncement.announce(self);
    }
    return system;
  }

  /**
   * Blocks until the node has shut down and says how it ended: 0 when it left on request (a leave,
   * SIGTERM, a plain terminate, its director finished), 1 when it was forced out (downed, its
   * director or parent lost, a hosted actor stopped, a failed join).
   */
  public static int awaitTermination(ActorSystem<?> system) {
    system.getWhenTerminated().toCompletableFuture().join();
    Optional<CoordinatedShutdown.Reason> reason = CoordinatedShutdown.get(system).getShutdownReason();
    if (reason.isEmpty()) {
      return 0;
    }
    if (reason.get() instanceof NodeShutdownReason ours) {
      return ours.exitCode();
    }
    boolean requested = reason.get() == CoordinatedShutdown.clusterLeavingReason()
        || reason.get() == CoordinatedShutdown.jvmExitReason()
        || reason.get() == CoordinatedShutdown.actorSystemTerminateReason();
    return requested ? 0 : 1;
  }
}
