package io.ringmaster.kernels;

import java.util.Random;

/** Standard-normal fp32 tensors from a fixed seed, so every run compares the same numbers. */
public final class SeededTensors {
  private final Random random;

  public SeededTensors(long seed) {
    this.random = new Random(seed);
  }

  public HostTensor normal(int tokens, int heads, int headDim) {
    float[] values = new float[tokens * heads * headDim];
    for (int i = 0; i < values.length; i++) {
      values[i] = (float) random.nextGaussian();
    }
    return new HostTensor(tokens, heads, headDim, values);
  }
}
