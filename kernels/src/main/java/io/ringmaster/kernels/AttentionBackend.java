package io.ringmaster.kernels;

/**
 * Blockwise attention math for one rank of a ring, on one device. Ring attention is built from these
 * calls: forward merges {@link #forwardBlock} results through {@link #merge}; backward recomputes every
 * block against the global {@code lse} in {@link #backwardBlock}.
 *
 * <p>Calls never modify their inputs and return new tensors that the caller owns and closes. A
 * causal mask compares {@link TokenPositions}, so query and key rows may come in any order; block
 * lengths need not be a multiple of any kernel tile. {@code AttentionBackendContract} (kernels tests)
 * is the executable form of this contract.
 */
public interface AttentionBackend extends AutoCloseable {
  /** Backend and device in words, e.g. "cpu (DJL PyTorch 2.7.1)". */
  String name();

  Tensor upload(HostTensor host);

  /**
   * Rotary position embedding at the given global positions with base {@code theta}, in the Llama
   * convention of {@link RotaryEmbedding}. Positions may be negative (see {@link #applyRopeGradient}).
   */
  Tensor applyRope(Tensor x, TokenPositions positions, double theta);

  /**
   * Backward of {@link #applyRope}: the rotation is orthogonal, so the gradient goes back through the
   * inverse rotation, which is the rotation at the negated positions.
   */
  default Tensor applyRopeGradient(Tensor gradient, TokenPositions positions, double theta) {
    return applyRope(gradient, positions.negated(), theta);
  }

  /** Softmax attention of queries against one KV block, normalised within the block. */
  PartialAttention forwardBlock(
      Tensor q, Tensor k, Tensor v, TokenPositions qPositions, TokenPositions kvPositions, Masking masking);

  /** The fp32 LSE merge of two partial results over disjoint key sets. */
  PartialAttention merge(PartialAttention running, PartialAttention block);

  /**
   * Gradients of one block, recomputed against the global output and LSE of the query rows.
   *
   * @param out the final (all blocks merged) attention output of the query rows
   * @param lse the final log-sum-exp of the query rows
   */
  BlockGradients backwardBlock(
      Tensor q,
      Tensor k,
      Tensor v,
      Tensor out,
      Tensor dOut,
      Tensor lse,
      TokenPositions qPositions,
      TokenPositions kvPositions,
      Masking masking);

  /** Element-wise sum, for accumulating dQ locally and dK/dV as they travel. */
  Tensor add(Tensor a, Tensor b);

  @Override
  void close();
}
