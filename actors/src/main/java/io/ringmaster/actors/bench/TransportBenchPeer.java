package io.ringmaster.actors.bench;

import io.ringmaster.actors.cluster.ClusterNode;
import io.ringmaster.actors.cluster.NodeSettings;
import io.ringmaster.actors.cluster.Seed;
import io.ringmaster.actors.cluster.ServiceHost;
import java.io.IOException;
import org.apache.pekko.actor.typed.ActorSystem;

/** The second process of {@link TransportBench}: {@code TransportBenchPeer HOST:PORT} joins and hosts the sinks. */
public final class TransportBenchPeer {
  private TransportBenchPeer() {}

  public static void main(String[] args) throws IOException {
    int tcpPort = LoopbackTcp.startSink();
    ActorSystem<Void> system = ClusterNode.start(NodeSettings.worker(Seed.parse(args[0])),
        ServiceHost.create(BenchSink.KEY, 1, index -> BenchSink.create(tcpPort), "sink"));
    System.exit(ClusterNode.awaitTermination(system));
  }
}
