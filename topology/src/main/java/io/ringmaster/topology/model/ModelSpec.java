package io.ringmaster.topology.model;

/**
 * A Llama-family decoder (RMSNorm, SwiGLU MLP, rotary positions, optional GQA), in the terms of a
 * Hugging Face {@code config.json} (reference/models.md).
 *
 * @param contextLength the context it was trained at ({@code max_position_embeddings})
 */
public record ModelSpec(
    String name,
    int layers,
    int hiddenSize,
    int attentionHeads,
    int kvHeads,
    int headDim,
    int ffnSize,
    int vocabSize,
    double ropeTheta,
    int contextLength,
    boolean tiedEmbeddings) {

  /** Width of Q (and of the attention output): heads × head dim. */
  public long queryWidth() {
    return (long) attentionHeads * headDim;
  }

  /** Width of K and of V each: KV heads × head dim. */
  public long kvWidth() {
    return (long) kvHeads * headDim;
  }

  /** One decoder layer: Q, K, V, O projections, gate/up/down MLP, two RMSNorm weights. */
  public long layerParameters() {
    long attention = hiddenSize * queryWidth() + 2 * hiddenSize * kvWidth() + queryWidth() * hiddenSize;
    long mlp = 3L * hiddenSize * ffnSize;
    return attention + mlp + 2L * hiddenSize;
  }

  /** The token embedding; the LM head has as many again unless tied. */
  public long embeddingParameters() {
    return (long) vocabSize * hiddenSize;
  }

  public long parameters() {
    long embeddings = embeddingParameters() * (tiedEmbeddings ? 1 : 2);
    return layers * layerParameters() + embeddings + hiddenSize;
  }

  /** The largest module ZeRO-3 gathers at once: a decoder layer, or the embedding / LM head. */
  public long largestModuleParameters() {
    return Math.max(layerParameters(), embeddingParameters());
  }
}
