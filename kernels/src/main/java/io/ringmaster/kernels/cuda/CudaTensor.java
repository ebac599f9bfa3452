package io.ringmaster.kernels.cuda;

import io.ringmaster.kernels.HostTensor;
import io.ringmaster.kernels.Tensor;
import jcuda.Pointer;
import jcuda.driver.CUdeviceptr;

/** A token-major {@code [tokens][heads][headDim]} tensor in GPU memory, bf16 or fp32. */
public final class CudaTensor implements Tensor {
  private final CudaDevice device;
  private final CUdeviceptr pointer;
  private final int tokens;
  private final int heads;
  private final int headDim;
  private final ElementType type;
  private boolean closed;

  private CudaTensor(CudaDevice device, int tokens, int heads, int headDim, ElementType type) {
    this.device = device;
    this.tokens = tokens;
    this.heads = heads;
    this.headDim = headDim;
    this.type = type;
    this.pointer = device.allocate(elements() * type.bytes());
  }

  /** Uninitialised device memory of the given shape. */
  public static CudaTensor allocate(CudaDevice device, int tokens, int heads, int headDim, ElementType type) {
    return new CudaTensor(device, tokens, heads, headDim, type);
  }

  public static CudaTensor zeros(CudaDevice device, int tokens, int heads, int headDim, ElementType type) {
    CudaTensor tensor = allocate(device, tokens, heads, headDim, type);
    device.zero(tensor.pointer, tensor.bytes());
    return tensor;
  }

  /** The host values as they are, fp32. */
  public static CudaTensor upload(CudaDevice device, HostTensor host) {
    CudaTensor tensor = allocate(device, host.tokens(), host.heads(), host.headDim(), ElementType.F32);
    device.copyToDevice(tensor.pointer, Pointer.to(host.values()), tensor.bytes());
    return tensor;
  }

  /** bf16 bits straight to the device (the benchmark's random inputs, without a float detour). */
  public static CudaTensor uploadBf16(CudaDevice device, int tokens, int heads, int headDim, short[] bits) {
    CudaTensor tensor = allocate(device, tokens, heads, headDim, ElementType.BF16);
    if (bits.length != tensor.elements()) throw new IllegalArgumentException("shape does not hold " + bits.length);
    device.copyToDevice(tensor.pointer, Pointer.to(bits), tensor.bytes());
    return tensor;
  }

  CUdeviceptr pointer() {
    if (closed) throw new IllegalStateException("tensor used after close");
    return pointer;
  }

  public ElementType type() {
    return type;
  }

  public long elements() {
    return (long) tokens * heads * headDim;
  }

  @Override
  public int tokens() {
    return tokens;
  }

  @Override
  public int heads() {
    return heads;
  }

  @Override
  public int headDim() {
    return headDim;
  }

  @Override
  public long bytes() {
    return elements() * type.bytes();
  }

  @Override
  public HostTensor toHost() {
    int count = Math.toIntExact(elements());
    float[] values;
    if (type == ElementType.BF16) {
      short[] bits = new short[count];
      device.copyToHost(Pointer.to(bits), pointer(), bytes());
      values = Bfloat16.toFloats(bits);
    } else {
      values = new float[count];
      device.copyToHost(Pointer.to(values), pointer(), bytes());
    }
    return new HostTensor(tokens, heads, headDim, values);
  }

  @Override
  public void close() {
    if (closed) return;
    closed = true;
    device.free(pointer);
  }
}
