package io.ringmaster.topology.network;

import java.util.List;

/**
 * The directed link graph of a cluster and its deterministic routing. GPUs are numbered
 * {@code 0 .. gpuCount()-1} in node order (GPU {@code g} sits in node {@code g / gpusPerNode}).
 * Routes are a pure function of their endpoints, so a simulation over them is reproducible.
 */
public interface Network {
  int gpuCount();

  /** All links; {@code links().get(i).id() == i}. */
  List<Link> links();

  /** GPU to GPU, over NVLink, PCIe, host bridges, NICs and fabric as the topology dictates. */
  Route route(int fromGpu, int toGpu);

  /** Host memory of the GPU's node to the GPU (parameter offload uploads). */
  Route hostToGpu(int gpu);

  /** The GPU to its node's host memory (gradient offload downloads). */
  Route gpuToHost(int gpu);
}
