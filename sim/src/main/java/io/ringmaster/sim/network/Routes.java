package io.ringmaster.sim.network;

import io.ringmaster.sim.clock.Ticks;
import io.ringmaster.topology.network.Link;
import io.ringmaster.topology.network.Network;
import io.ringmaster.topology.network.Route;
import java.util.List;

/**
 * The routes a stage uses, resolved once into link-id arrays and latencies in ticks: a hop adds its
 * link's latency.
 */
final class Routes {
  private final Network network;
  private final List<Link> links;
  private int paths;

  Routes(Network network) {
    this.network = network;
    this.links = network.links();
  }

  Path between(int fromGpu, int toGpu) {
    return path(network.route(fromGpu, toGpu));
  }

  Path hostToGpu(int gpu) {
    return path(network.hostToGpu(gpu));
  }

  Path gpuToHost(int gpu) {
    return path(network.gpuToHost(gpu));
  }

  private Path path(Route route) {
    int[] ids = route.linkIds().clone();
    long latency = 0;
    for (int id : ids) {
      latency += Ticks.ofSeconds(links.get(id).latencySeconds());
    }
    return new Path(paths++, ids, latency);
  }

  /**
   * Links a transfer occupies and the latency one traversal adds; {@code id} numbers the paths of one
   * {@code Routes}, for {@link FlowNetwork} to know a route without comparing links.
   */
  record Path(int id, int[] links, long latencyTicks) {
    static final Path LOCAL = new Path(-1, new int[0], 0);
  }
}
