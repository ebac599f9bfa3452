package io.ringmaster.kernels.layout;

import java.util.Arrays;
import java.util.Locale;

/**
 * How a sequence's tokens are dealt to the ranks of a ring (reference/ring-attention.md). Every layout
 * gives each rank its positions in ascending order, which the kernels' causal tile skipping relies on.
 */
public enum ShardLayout {
  /** Contiguous shards: rank r holds tokens {@code [r*c, (r+1)*c)}. Causal work grows with r. */
  RING(1) {
    @Override
    int[] positions(int rank, int ringSize, int sequenceTokens) {
      int perRank = sequenceTokens / ringSize;
      return range(rank * perRank, perRank);
    }
  },
  /** 2N chunks; rank r holds chunks r and 2N-1-r, so every rank does the same causal work. */
  ZIGZAG(2) {
    @Override
    int[] positions(int rank, int ringSize, int sequenceTokens) {
      int chunk = sequenceTokens / (2 * ringSize);
      int[] early = range(rank * chunk, chunk);
      int[] late = range((2 * ringSize - 1 - rank) * chunk, chunk);
      int[] both = Arrays.copyOf(early, 2 * chunk);
      System.arraycopy(late, 0, both, chunk, chunk);
      return both;
    }
  },
  /** Striped attention: token i goes to rank i mod N. */
  STRIPE(1) {
    @Override
    int[] positions(int rank, int ringSize, int sequenceTokens) {
      int[] positions = new int[sequenceTokens / ringSize];
      Arrays.setAll(positions, i -> rank + i * ringSize);
      return positions;
    }
  };

  private final int chunksPerRank;

  ShardLayout(int chunksPerRank) {
    this.chunksPerRank = chunksPerRank;
  }

  abstract int[] positions(int rank, int ringSize, int sequenceTokens);

  /** The sequence length must be a multiple of this for every rank to hold the same number of tokens. */
  public int tokenMultiple(int ringSize) {
    return chunksPerRank * ringSize;
  }

  /** Its name in plans and on the command line: ring, zigzag, stripe. */
  public String label() {
    return name().toLowerCase(Locale.ROOT);
  }

  public static ShardLayout parse(String label) {
    for (ShardLayout layout : values()) {
      if (layout.label().equals(label)) {
        return layout;
      }
    }
    throw new IllegalArgumentException("unknown attention layout '" + label + "', expected one of ring, zigzag, stripe");
  }

  private static int[] range(int first, int count) {
    int[] positions = new int[count];
    Arrays.setAll(positions, i -> first + i);
    return positions;
  }
}
