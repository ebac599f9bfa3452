package io.ringmaster.sim.network;

import io.ringmaster.topology.network.Link;
import io.ringmaster.topology.network.LinkKind;
import io.ringmaster.topology.network.Network;
import io.ringmaster.topology.network.Route;
import java.util.ArrayList;
import java.util.List;

/**
 * A test network: GPUs on one non-blocking switch, each with an uplink and a downlink of the same
 * bandwidth and latency, and a host link each way per GPU. GPU g's links: up 2g, down 2g+1; host
 * to GPU g is link 2G+2g, GPU g to host 2G+2g+1.
 */
public final class StarNetwork implements Network {
  private final int gpus;
  private final List<Link> links = new ArrayList<>();

  public StarNetwork(int gpus, double bytesPerSecond, double latencySeconds) {
    this(gpus, bytesPerSecond, latencySeconds, bytesPerSecond);
  }

  public StarNetwork(int gpus, double bytesPerSecond, double latencySeconds, double hostBytesPerSecond) {
    this.gpus = gpus;
    for (int g = 0; g < gpus; g++) {
      links.add(new Link(2 * g, "gpu" + g + ">switch", LinkKind.NIC, bytesPerSecond, latencySeconds));
      links.add(new Link(2 * g + 1, "switch>gpu" + g, LinkKind.NIC, bytesPerSecond, latencySeconds));
    }
    for (int g = 0; g < gpus; g++) {
      links.add(new Link(2 * gpus + 2 * g, "host>gpu" + g, LinkKind.PCIE, hostBytesPerSecond, 0));
      links.add(new Link(2 * gpus + 2 * g + 1, "gpu" + g + ">host", LinkKind.PCIE, hostBytesPerSecond, 0));
    }
  }

  @Override
  public int gpuCount() {
    return gpus;
  }

  @Override
  public List<Link> links() {
    return links;
  }

  @Override
  public Route route(int fromGpu, int toGpu) {
    return fromGpu == toGpu ? Route.LOCAL : new Route(new int[] {2 * fromGpu, 2 * toGpu + 1});
  }

  @Override
  public Route hostToGpu(int gpu) {
    return new Route(new int[] {2 * gpus + 2 * gpu});
  }

  @Override
  public Route gpuToHost(int gpu) {
    return new Route(new int[] {2 * gpus + 2 * gpu + 1});
  }
}
