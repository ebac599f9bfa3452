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

  /**
   * The head layout of a (query block, KV block) pair, after checking that the shapes and positions
   * agree: backends call this first so a mismatch fails with the shapes named, not inside a matmul.
   */
  public static HeadLayout ofBlock(
      Tensor q, Tensor k, Tensor v, TokenPositions qPositions, TokenPositions kvPositions) {
    if (k.tokens() != v.tokens() || k.heads() != v.heads()) {
      throw new IllegalArgumentException(
          "K [" + k.tokens() + "," + k.heads() + "] and V [" + v.tokens() + "," + v.heads() + "] differ");
    }
    if (q.headDim() != k.headDim() || k.headDim() != v.headDim()) {
      throw new IllegalArgumentException(
          "head dims differ: q " + q.headDim() + ", k " + k.headDim() + ", v " + v.headDim());
    }
    if (q.tokens() != qPositions.count() || k.tokens() != kvPositions.count()) {
      throw new IllegalArgumentException(
          "rows and positions differ: q " + q.tokens() + " rows, " + qPositions.count() + " positions; kv "
              + k.tokens() + " rows, " + kvPositions.count() + " positions");
    }
    return new HeadLayout(q.heads(), k.heads(), q.headDim());
  }

  public int queriesPerKvHead() {
    return queryHeads / kvHeads;
  }

  /** The softmax scale 1/sqrt(d) of scaled dot-product attention. */
  public double softmaxScale() {
    return 1.0 / Math.sqrt(headDim);
  }
}
