package io.ringmaster.topology.placement;

import java.util.ArrayList;
import java.util.List;
import java.util.function.IntBinaryOperator;

/**
 * Which GPUs form each ring, and in what order. A job of {@code rings × ringSize} GPUs uses the
 * cluster's first GPUs in node order, unless an explicit list names them.
 */
public sealed interface RingPlacement permits RingPlacement.Packed, RingPlacement.Spread, RingPlacement.Explicit {
  List<Ring> rings(int rings, int ringSize);

  /** Fill nodes in order: ring r is GPUs {@code r·N .. r·N+N-1}, so a ring spans as few nodes as possible. */
  record Packed() implements RingPlacement {
    @Override
    public List<Ring> rings(int rings, int ringSize) {
      return byRank(rings, ringSize, (ring, rank) -> ring * ringSize + rank);
    }

  }

  /** Interleave rings across nodes: job GPU j is rank {@code j / rings} of ring {@code j mod rings}. */
  record Spread() implements RingPlacement {
    @Override
    public List<Ring> rings(int rings, int ringSize) {
      return byRank(rings, ringSize, (ring, rank) -> rank * rings + ring);
    }

  }

  private static List<Ring> byRank(int rings, int ringSize, IntBinaryOperator gpuOfRingAndRank) {
    List<Ring> result = new ArrayList<>();
    for (int r = 0; r < rings; r++) {
      List<Integer> gpus = new ArrayList<>();
      for (int rank = 0; rank < ringSize; rank++) {
        gpus.add(gpuOfRingAndRank.applyAsInt(r, rank));
      }
      result.add(new Ring(r, gpus));
    }
    return result;
  }

  /** Rings as listed, each a list of global GPU ids in rank order (validated when the plan is read). */
  record Explicit(List<List<Integer>> gpusByRing) implements RingPlacement {
    public Explicit {
      gpusByRing = gpusByRing.stream().map(List::copyOf).toList();
    }

    @Override
    public List<Ring> rings(int rings, int ringSize) {
      List<Ring> result = new ArrayList<>();
      for (int r = 0; r < gpusByRing.size(); r++) {
        result.add(new Ring(r, gpusByRing.get(r)));
      }
      return result;
    }

  }
}
