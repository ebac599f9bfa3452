package io.ringmaster.kernels.ring;

import io.ringmaster.kernels.AttentionBackend;
import io.ringmaster.kernels.HostTensor;
import io.ringmaster.kernels.layout.Sharding;
import io.ringmaster.kernels.ring.RingOutcome.RankOutcome;
import java.util.ArrayList;
import java.util.List;

/**
 * Ring attention over N ranks, all in this process on one backend: the correctness harness for the
 * step logic, and the "same kernel doing all the work in one process" baseline of the live benchmark.
 * At forward step t rank r merges the KV block of rank {@code r - t}; in backward the block's dK/dV
 * travel with it, one hop per step, and are home after N hops.
 */
public final class RingAttention {
  private final AttentionBackend backend;
  private final RingSetup setup;

  public RingAttention(AttentionBackend backend, RingSetup setup) {
    this.backend = backend;
    this.setup = setup;
  }

  /** Runs forward and backward on whole-sequence tensors in position order (q, k, v and dOut). */
  public RingOutcome run(HostTensor q, HostTensor k, HostTensor v, HostTensor dOut) {
    Sharding sharding = setup.sharding();
    int ringSize = sharding.ringSize();
    List<RingRank> ranks = new ArrayList<>(ringSize);
    List<RankBackward> backwards = new ArrayList<>(ringSize);
    TravellingGradients[] travelling = new TravellingGradients[ringSize];
    try {
      for (int rank = 0; rank < ringSize; rank++) {
        ranks.add(RingRank.start(
            backend, setup, rank, sharding.shard(q, rank), sharding.shard(k, rank), sharding.shard(v, rank)));
      }
      long forwardStart = System.nanoTime();
      for (int step = 0; step < ringSize; step++) {
        for (int rank = 0; rank < ringSize; rank++) {
          ranks.get(rank).forwardStep(ranks.get(Math.floorMod(rank - step, ringSize)).ownBlock());
        }
      }
      double forwardSeconds = secondsSince(forwardStart);
      for (int rank = 0; rank < ringSize; rank++) {
        backwards.add(ranks.get(rank).startBackward(sharding.shard(dOut, rank)));
        travelling[rank] = backwards.get(rank).ownGradients();
      }
      long backwardStart = System.nanoTime();
      for (int step = 0; step < ringSize; step++) {
        travelling = backwardStep(backwards, travelling);
      }
      double backwardSeconds = secondsSince(backwardStart);
      List<RankOutcome> outcomes = new ArrayList<>(ringSize);
      for (int rank = 0; rank < ringSize; rank++) {
        RingRank ringRank = ranks.get(rank);
        RankGradients gradients = backwards.get(rank).finish(travelling[rank]);
        travelling[rank] = null;
        outcomes.add(new RankOutcome(
            ringRank.attention().out().toHost(), ringRank.attention().lse().toHost(), gradients));
      }
      return new RingOutcome(sharding, List.copyOf(outcomes), forwardSeconds, backwardSeconds);
    } finally {
      closeAll(travelling, backwards, ranks);
    }
  }

  /** Every rank processes the block it holds and sends it on to the next rank. */
  private static TravellingGradients[] backwardStep(List<RankBackward> backwards, TravellingGradients[] holding) {
    int ringSize = backwards.size();
    TravellingGradients[] sent = new TravellingGradients[ringSize];
    for (int rank = 0; rank < ringSize; rank++) {
      TravellingGradients arriving = holding[rank];
      holding[rank] = null;
      sent[(rank + 1) % ringSize] = backwards.get(rank).backwardStep(arriving);
    }
    return sent;
  }

  private static void closeAll(
      TravellingGradients[] travelling, List<RankBackward> backwards, List<RingRank> ranks) {
    for (TravellingGradients gradients : travelling) {
      if (gradients != null) {
        gradients.close();
      }
    }
    backwards.forEach(RankBackward::close);
    ranks.forEach(RingRank::close);
  }

  private static double secondsSince(long startNanos) {
    return (System.nanoTime() - startNanos) / 1e9;
  }
}
