package io.ringmaster.topology.placement;

import java.util.List;

/** One ring: its GPUs (global ids) in rank order; rank r sends its KV block to rank r+1 mod size. */
public record Ring(int index, List<Integer> gpus) {
  public Ring {
    gpus = List.copyOf(gpus);
  }

  public int size() {
    return gpus.size();
  }

  public int gpu(int rank) {
    return gpus.get(rank);
  }

  public int next(int rank) {
    return gpus.get((rank + 1) % gpus.size());
  }
}
