package io.ringmaster.actors.protocol;

/** The dense (non-attention) work of a decoder step, grouped as the GPU runs it around the ring pass. */
public enum DenseKind {
  /** Token embedding lookup. */
  EMBEDDING,
  /** RMSNorm, Q/K/V projections, RoPE: everything of a layer before its attention. */
  BEFORE_ATTENTION,
  /** O projection, residual, RMSNorm, SwiGLU MLP, residual: everything of a layer after its attention. */
  AFTER_ATTENTION,
  /** Final RMSNorm, LM head and the cross-entropy loss. */
  LM_HEAD,
  /**
   * Live mode until the dense layers are real: forward, a layer's Q, K, V rows brought to the device
   * and RoPE on Q and K; backward, RoPE's gradient on dQ and dK and the gradients brought back.
   */
  ROPE
}
