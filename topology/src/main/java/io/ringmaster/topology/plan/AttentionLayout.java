package io.ringmaster.topology.plan;

import io.ringmaster.topology.input.Labelled;

/**
 * How a sequence is split over a ring (reference/ring-attention.md): {@code ring} gives rank r one
 * contiguous block; {@code zigzag} splits the sequence into 2N chunks and gives rank r chunks r and
 * 2N-1-r; {@code stripe} gives token i to rank i mod N.
 */
public enum AttentionLayout implements Labelled {
  RING("ring", 1),
  ZIGZAG("zigzag", 2),
  STRIPE("stripe", 1);

  private final String label;
  private final int chunksPerRank;

  AttentionLayout(String label, int chunksPerRank) {
    this.label = label;
    this.chunksPerRank = chunksPerRank;
  }

  @Override
  public String label() {
    return label;
  }

  /** Sequence lengths this layout splits evenly over a ring of {@code ringSize} are multiples of this. */
  public long splitUnit(int ringSize) {
    return (long) ringSize * chunksPerRank;
  }

  public boolean splitsEvenly(long seqLen, int ringSize) {
    return seqLen % splitUnit(ringSize) == 0;
  }
}
