package io.ringmaster.kernels.cpu;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.ringmaster.kernels.HostTensor;
import io.ringmaster.kernels.Tensor;

/**
 * A token-major fp32 PyTorch tensor that owns the NDManager it lives in, so closing the tensor frees
 * its native memory at once instead of when the backend closes.
 */
final class CpuTensor implements Tensor {
  private final NDArray array;
  private final NDManager owner;

  CpuTensor(NDArray array, NDManager owner) {
    if (array.getShape().dimension() != 3) {
      throw new IllegalArgumentException("expected [tokens, heads, headDim], got " + array.getShape());
    }
    this.array = array;
    this.owner = owner;
  }

  NDArray array() {
    return array;
  }

  @Override
  public int tokens() {
    return (int) shape().get(0);
  }

  @Override
  public int heads() {
    return (int) shape().get(1);
  }

  @Override
  public int headDim() {
    return (int) shape().get(2);
  }

  @Override
  public long bytes() {
    return shape().size() * Float.BYTES;
  }

  @Override
  public HostTensor toHost() {
    return new HostTensor(tokens(), heads(), headDim(), array.toFloatArray());
  }

  @Override
  public void close() {
    owner.close();
  }

  private Shape shape() {
    return array.getShape();
  }
}
