package io.ringmaster.kernels;

/**
 * Head geometry of one attention layer. Grouped-query attention when {@code kvHeads < queryHeads}:
 * query head {@code h} reads KV head {@code h / (queryHeads / kvHeads)}.
 */
public record HeadLayout(int queryHeads, int kvHeads, int headDim) {
  public HeadLayout {
    if (queryHeads <= 0 || kvHeads <= 0 || headDim <= 0) {
      throw new IllegalArgumentException("head counts and head dim must be positive: " + this);
    }
    if (queryHeads % kvHeads != 0) {
      throw new IllegalArgumentException(
          "queryHeads " + queryHeads + " is not a multiple of kvHeads " + kvHeads);
    }
  }

  public int queriesPerKvHead() {
    return queryHeads / kvHeads;
  }

  /** The softmax scale 1/sqrt(d) of scaled dot-product attention. */
  public double softmaxScale() {
    return 1.0 / Math.sqrt(headDim);
  }
}
