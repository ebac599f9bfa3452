package io.ringmaster.actors.protocol;

import io.ringmaster.kernels.Masking;

/**
 * How a sequence is split over a ring (reference/ring-attention.md), and so how much causal work
 * each rank does at each ring step. At step {@code s} rank {@code r} holds the K,V block of rank
 * {@code j = (r - s) mod N}.
 */
public enum RingLayout {
  /** Rank r holds one contiguous block: work only where j precedes r, half a block on the diagonal. */
  RING,
  /**
   * The sequence cut into 2N chunks, rank r holding chunks r and 2N-1-r: every step is half a block
   * (all queries against the first half of an earlier rank's keys, or the later half of the queries
   * against all keys of a later rank).
   */
  ZIGZAG,
  /** Token i on rank i mod N: every block is causally masked, about half of it attended. */
  STRIPE;

  /** The block rank {@code rank} computes at ring step {@code step}, with c = tokensPerRank. */
  public BlockShape block(int rank, int step, int ringSize, long tokensPerRank, Masking masking) {
    int owner = Math.floorMod(rank - step, ringSize);
    long c = tokensPerRank;
    if (masking == Masking.NONE) {
      return new BlockShape(c, c, c * c, false);
    }
    return switch (this) {
      case RING -> contiguous(rank, owner, c);
      case ZIGZAG -> zigzag(rank, owner, c);
      case STRIPE -> stripe(rank, owner, c);
    };
  }

  /** Elements one rank's shard splits into, so that tokensPerRank must be a multiple of it. */
  public int chunksPerRank() {
    return this == ZIGZAG ? 2 : 1;
  }

  private static BlockShape contiguous(int rank, int owner, long c) {
    if (owner == rank) {
      return new BlockShape(c, c, c * (c + 1) / 2, true);
    }
    return owner < rank ? new BlockShape(c, c, c * c, false) : BlockShape.EMPTY;
  }

  private static BlockShape zigzag(int rank, int owner, long c) {
    long half = c / 2;
    if (owner == rank) {
      // chunk r against itself and chunk 2N-1-r against both: two triangles and one square
      return new BlockShape(c, c, half * half + half * (half + 1), true);
    }
    return owner < rank
        ? new BlockShape(c, half, 2 * half * half, false)
        : new BlockShape(half, c, 2 * half * half, false);
  }

  private static BlockShape stripe(int rank, int owner, long c) {
    // token a·N + rank sees token b·N + owner when b <= a (owner <= rank) or b < a (owner > rank)
    long pairs = owner <= rank ? c * (c + 1) / 2 : c * (c - 1) / 2;
    return new BlockShape(c, c, pairs, true);
  }
}
