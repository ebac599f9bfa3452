package io.ringmaster.kernels;

/**
 * Rotary position embedding in the Llama convention (Hugging Face {@code LlamaRotaryEmbedding} with
 * {@code rotate_half}): dimension {@code i < d/2} pairs with {@code i + d/2}, and the pair turns by
 * {@code position * theta^(-2i/d)} radians. Angles are computed in double because positions reach
 * millions: an fp32 angle of 1e6 radians is off by up to 0.03 rad.
 */
public record RotaryEmbedding(double theta) {
  public RotaryEmbedding {
    if (!(theta > 1.0) || Double.isInfinite(theta)) {
      throw new IllegalArgumentException("RoPE theta must be a finite number above 1, got " + theta);
    }
  }

  /** Per-token cosines and sines, {@code [tokens][headDim/2]} row-major, for backends to upload. */
  public record Tables(int tokens, int pairs, float[] cos, float[] sin) {}

  public double inverseFrequency(int pair, int headDim) {
    return Math.pow(theta, -2.0 * pair / headDim);
  }

  public Tables tables(TokenPositions positions, int headDim) {
    int pairs = pairsOf(headDim);
    float[] cos = new float[positions.count() * pairs];
    float[] sin = new float[cos.length];
    for (int pair = 0; pair < pairs; pair++) {
      double inverseFrequency = inverseFrequency(pair, headDim);
      for (int row = 0; row < positions.count(); row++) {
        double angle = positions.at(row) * inverseFrequency;
        cos[row * pairs + pair] = (float) Math.cos(angle);
        sin[row * pairs + pair] = (float) Math.sin(angle);
      }
    }
    return new Tables(positions.count(), pairs, cos, sin);
  }

  /** The rotation on the host, in double: the reference that backends are tested against. */
  public HostTensor rotate(HostTensor x, TokenPositions positions) {
    if (x.tokens() != positions.count()) {
      throw new IllegalArgumentException(x.tokens() + " rows but " + positions.count() + " positions");
    }
    int pairs = pairsOf(x.headDim());
    float[] rotated = new float[x.values().length];
    for (int row = 0; row < x.tokens(); row++) {
      for (int pair = 0; pair < pairs; pair++) {
        double angle = positions.at(row) * inverseFrequency(pair, x.headDim());
        double cos = Math.cos(angle);
        double sin = Math.sin(angle);
        for (int head = 0; head < x.heads(); head++) {
          int first = x.index(row, head, pair);
          int second = first + pairs;
          double a = x.values()[first];
          double b = x.values()[second];
          rotated[first] = (float) (a * cos - b * sin);
          rotated[second] = (float) (b * cos + a * sin);
        }
      }
    }
    return new HostTensor(x.tokens(), x.heads(), x.headDim(), rotated);
  }

  /** Backward of {@link #rotate}: the inverse rotation, since the rotation is orthogonal. */
  public HostTensor rotateBack(HostTensor gradient, TokenPositions positions) {
    return rotate(gradient, positions.negated());
  }

  private static int pairsOf(int headDim) {
    if (headDim % 2 != 0) {
      throw new IllegalArgumentException("RoPE needs an even head dim, got " + headDim);
    }
    return headDim / 2;
  }
}
