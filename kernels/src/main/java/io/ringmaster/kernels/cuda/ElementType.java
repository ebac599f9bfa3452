package io.ringmaster.kernels.cuda;

/** How a {@link CudaTensor} stores its elements on the device. */
public enum ElementType {
  /** bfloat16: Q, K, V and dO, what the tensor cores read. */
  BF16(2),
  /** float32: outputs, LSE and gradients, which merge and accumulate. */
  F32(4);

  private final int bytes;

  ElementType(int bytes) {
    this.bytes = bytes;
  }

  public int bytes() {
    return bytes;
  }
}
