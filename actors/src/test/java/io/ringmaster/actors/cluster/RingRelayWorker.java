package io.ringmaster.actors.cluster;

import org.apache.pekko.actor.typed.ActorSystem;

/** Test-only worker main: {@code RingRelayWorker HOST:PORT RELAYS} joins the seed and hosts RELAYS ring relays. */
public final class RingRelayWorker {
  private RingRelayWorker() {}

  public static void main(String[] args) {
    Seed.At seed = Seed.parse(args[0]);
    int relays = Integer.parseInt(args[1]);
    ActorSystem<Void> system = ClusterNode.start(NodeSettings.worker(seed),
        ServiceHost.create(RingRelay.KEY, relays, index -> RingRelay.create(), "relay"));
    System.exit(ClusterNode.awaitTermination(system));
  }
}
