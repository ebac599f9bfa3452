package io.ringmaster.kernels;

/**
 * fp32 values on the host in token-major order {@code [tokens][heads][headDim]} (flash-attention's
 * {@code [s, h, d]} without the batch). This is the exchange format between backends and the wire.
 */
public record HostTensor(int tokens, int heads, int headDim, float[] values) {
  public HostTensor {
    if ((long) tokens * heads * headDim != values.length) {
      throw new IllegalArgumentException(
          "shape [" + tokens + "," + heads + "," + headDim + "] does not hold " + values.length + " values");
    }
  }

  public static HostTensor zeros(int tokens, int heads, int headDim) {
    return new HostTensor(tokens, heads, headDim, new float[tokens * heads * headDim]);
  }

  public int index(int token, int head, int dim) {
    return (token * heads + head) * headDim + dim;
  }
}
