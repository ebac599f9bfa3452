package io.ringmaster.sim.workload;

import io.ringmaster.kernels.HeadLayout;

/**
 * The shape of a Llama-family decoder as the step program needs it (reference/models.md): RMSNorm,
 * SwiGLU MLP, rotary positions, grouped-query attention, untied embeddings.
 */
public record ModelShape(int layers, int hidden, int heads, int kvHeads, int headDim, int ffn, int vocab) {
  public ModelShape {
    if (layers <= 0 || hidden <= 0 || heads <= 0 || kvHeads <= 0 || headDim <= 0 || ffn <= 0 || vocab <= 0) {
      throw new IllegalArgumentException("every model dimension must be positive: " + this);
    }
  }

  public HeadLayout headLayout() {
    return new HeadLayout(heads, kvHeads, headDim);
  }

  /** Hq: heads × head dim. */
  public long queryWidth() {
    return (long) heads * headDim;
  }

  /** Hkv: KV heads × head dim. */
  public long kvWidth() {
    return (long) kvHeads * headDim;
  }

  /** Q, K, V, O projections, gate/up/down, two RMSNorm weights. */
  public long layerParameters() {
    return hidden * (2 * queryWidth() + 2 * kvWidth()) + 3L * hidden * ffn + 2L * hidden;
  }

  /** The token embedding, and the LM head (untied) likewise. */
  public long embeddingParameters() {
    return (long) vocab * hidden;
  }

  public long parameters() {
    return layers * layerParameters() + 2 * embeddingParameters() + hidden;
  }
}
