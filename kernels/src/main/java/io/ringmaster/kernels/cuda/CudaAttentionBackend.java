package io.ringmaster.kernels.cuda;

import io.ringmaster.kernels.AttentionBackend;
import io.ringmaster.kernels.BlockGradients;
import io.ringmaster.kernels.HostTensor;
import io.ringmaster.kernels.Masking;
import io.ringmaster.kernels.PartialAttention;
import io.ringmaster.kernels.Tensor;
import io.ringmaster.kernels.TokenPositions;
import java.util.ArrayList;
import java.util.List;

/**
 * The attention backend on one NVIDIA GPU through JCuda and our PTX. The tensor cores read bf16: Q, K,
 * V and dO are rounded to bf16 for each call (into temporaries, unless they already are bf16). Uploads
 * keep the host's fp32 values, because an uploaded LSE, output or travelling dK/dV must not lose
 * precision; outputs, LSE and gradients are fp32, so partial results merge and accumulate in fp32 as
 * ring-flash-attention does. Methods never close their inputs.
 */
public final class CudaAttentionBackend implements AttentionBackend {
  private final CudaDevice device;
  private final KernelChoice choice;
  private final AttentionKernels kernels;

  private CudaAttentionBackend(CudaDevice device, KernelChoice choice) {
    this.device = device;
    this.choice = choice;
    this.kernels = new AttentionKernels(device, choice);
  }

  /** GPU {@code ordinal} with the fastest kernels that fit it; CUDA must be available. */
  public static CudaAttentionBackend open(int ordinal) {
    CudaProbe probe = CudaProbe.once();
    CudaDevice device = CudaDevice.open(probe, ordinal);
    return new CudaAttentionBackend(device, KernelChoice.fastest(device.info()));
  }

  /** GPU {@code ordinal} with the given kernels; the forward must be one this GPU runs. */
  public static CudaAttentionBackend open(int ordinal, KernelChoice choice) {
    CudaDevice device = CudaDevice.open(CudaProbe.once(), ordinal);
    if (!choice.forward().runsOn(device.info())) {
      device.close();
      throw new IllegalArgumentException(choice + ": the forward kernel does not run on " + device.info().describe());
    }
    return new CudaAttentionBackend(device, choice);
  }

  public CudaDevice device() {
    return device;
  }

  public KernelChoice kernelChoice() {
    return choice;
  }

  @Override
  public String name() {
    return "cuda (" + device.info().describe() + ", driver " + device.driverVersion() + ", " + choice + ")";
  }

  @Override
  public CudaTensor upload(HostTensor host) {
    return CudaTensor.upload(device, host);
  }

  @Override
  public Tensor applyRope(Tensor x, TokenPositions positions, double theta) {
    CudaTensor source = cuda(x);
    if (x.headDim() % 2 != 0) throw new IllegalArgumentException("RoPE needs an even head dim, not " + x.headDim());
    checkPositions(positions, x.tokens(), "RoPE");
    try (Scratch scratch = new Scratch()) {
      CudaTensor y = CudaTensor.allocate(device, x.tokens(), x.heads(), x.headDim(), source.type());
      kernels.rope(source, scratch.positions(positions), theta, y);
      return y;
    }
  }

  @Override
  public PartialAttention forwardBlock(
      Tensor q, Tensor k, Tensor v, TokenPositions qPositions, TokenPositions kvPositions, Masking masking) {
    checkAttentionShapes(q, k, v, qPositions, kvPositions);
    try (Scratch scratch = new Scratch()) {
      CudaTensor out = CudaTensor.allocate(device, q.tokens(), q.heads(), q.headDim(), ElementType.F32);
      CudaTensor lse = CudaTensor.allocate(device, q.tokens(), q.heads(), 1, ElementType.F32);
      kernels.forward(scratch.as(q, ElementType.BF16), scratch.as(k, ElementType.BF16),
          scratch.as(v, ElementType.BF16), scratch.positions(qPositions), scratch.positions(kvPositions),
          masking == Masking.CAUSAL, out, lse);
      return new PartialAttention(out, lse);
    }
  }

  @Override
  public PartialAttention merge(PartialAttention running, PartialAttention block) {
    checkSameShape(running.out(), block.out(), "merge out");
    checkSameShape(running.lse(), block.lse(), "merge lse");
    try (Scratch scratch = new Scratch()) {
      Tensor shape = running.out();
      CudaTensor out = CudaTensor.allocate(device, shape.tokens(), shape.heads(), shape.headDim(), ElementType.F32);
      CudaTensor lse = CudaTensor.allocate(device, shape.tokens(), shape.heads(), 1, ElementType.F32);
      kernels.merge(scratch.as(running.out(), ElementType.F32), scratch.as(running.lse(), ElementType.F32),
          scratch.as(block.out(), ElementType.F32), scratch.as(block.lse(), ElementType.F32), out, lse);
      return new PartialAttention(out, lse);
    }
  }

  @Override
  public BlockGradients backwardBlock(Tensor q, Tensor k, Tensor v, Tensor out, Tensor dOut, Tensor lse,
      TokenPositions qPositions, TokenPositions kvPositions, Masking masking) {
    checkAttentionShapes(q, k, v, qPositions, kvPositions);
    checkSameShape(q, out, "backward out");
    checkSameShape(q, dOut, "backward dOut");
    if (lse.tokens() != q.tokens() || lse.heads() != q.heads() || lse.headDim() != 1) {
      throw new IllegalArgumentException("backward lse must be [" + q.tokens() + "][" + q.heads() + "][1]");
    }
    try (Scratch scratch = new Scratch()) {
      CudaTensor delta = scratch.track(CudaTensor.allocate(device, q.tokens(), q.heads(), 1, ElementType.F32));
      CudaTensor dOut16 = scratch.as(dOut, ElementType.BF16);
      kernels.rowDot(scratch.as(out, ElementType.F32), dOut16, delta);
      CudaTensor dq = CudaTensor.allocate(device, q.tokens(), q.heads(), q.headDim(), ElementType.F32);
      CudaTensor dk = CudaTensor.allocate(device, k.tokens(), k.heads(), k.headDim(), ElementType.F32);
      CudaTensor dv = CudaTensor.allocate(device, v.tokens(), v.heads(), v.headDim(), ElementType.F32);
      kernels.backward(scratch.as(q, ElementType.BF16), scratch.as(k, ElementType.BF16),
          scratch.as(v, ElementType.BF16), dOut16, scratch.as(lse, ElementType.F32), delta,
          scratch.positions(qPositions), scratch.positions(kvPositions), masking == Masking.CAUSAL, dq, dk, dv);
      return new BlockGradients(dq, dk, dv);
    }
  }

  @Override
  public Tensor add(Tensor a, Tensor b) {
    checkSameShape(a, b, "add");
    try (Scratch scratch = new Scratch()) {
      CudaTensor sum = CudaTensor.allocate(device, a.tokens(), a.heads(), a.headDim(), ElementType.F32);
      kernels.add(scratch.as(a, ElementType.F32), scratch.as(b, ElementType.F32), sum);
      return sum;
    }
  }

  @Override
  public void close() {
    device.close();
  }

  private void checkAttentionShapes(
      Tensor q, Tensor k, Tensor v, TokenPositions qPositions, TokenPositions kvPositions) {
    checkSameShape(k, v, "attention k/v");
    if (q.headDim() != k.headDim()) {
      throw new IllegalArgumentException("q head dim " + q.headDim() + " differs from k head dim " + k.headDim());
    }
    if (q.heads() % k.heads() != 0) {
      throw new IllegalArgumentException("query heads " + q.heads() + " are not a multiple of KV heads " + k.heads());
    }
    if (q.headDim() > AttentionKernels.SIMPLE_MAX_HEAD_DIM && !AttentionKernels.hasTensorCoreKernels(q.headDim())) {
      throw new IllegalArgumentException("head dim " + q.headDim() + " is above the CUDA kernels' "
          + AttentionKernels.SIMPLE_MAX_HEAD_DIM);
    }
    checkPositions(qPositions, q.tokens(), "query");
    checkPositions(kvPositions, k.tokens(), "key");
  }

  private static void checkPositions(TokenPositions positions, int tokens, String what) {
    if (positions.count() != tokens) {
      throw new IllegalArgumentException(what + " positions hold " + positions.count() + " rows, the tensor " + tokens);
    }
  }

  private static void checkSameShape(Tensor a, Tensor b, String what) {
    if (a.tokens() != b.tokens() || a.heads() != b.heads() || a.headDim() != b.headDim()) {
      throw new IllegalArgumentException(what + ": shapes differ, [" + a.tokens() + "," + a.heads() + ","
          + a.headDim() + "] vs [" + b.tokens() + "," + b.heads() + "," + b.headDim() + "]");
    }
  }

  private static CudaTensor cuda(Tensor tensor) {
    if (tensor instanceof CudaTensor cudaTensor) return cudaTensor;
    throw new IllegalArgumentException("not a CUDA tensor (upload it to this backend first): " + tensor);
  }

  /** Temporaries of one call (converted copies, uploaded positions), freed when the call returns. */
  private final class Scratch implements AutoCloseable {
    private final List<AutoCloseable> owned = new ArrayList<>();

    CudaTensor as(Tensor tensor, ElementType type) {
      CudaTensor source = cuda(tensor);
      if (source.type() == type) return source;
      CudaTensor converted =
          track(CudaTensor.allocate(device, source.tokens(), source.heads(), source.headDim(), type));
      kernels.convert(source, converted);
      return converted;
    }

    DevicePositions positions(TokenPositions positions) {
      return track(new DevicePositions(device, positions));
    }

    <T extends AutoCloseable> T track(T resource) {
      owned.add(resource);
      return resource;
    }

    @Override
    public void close() {
      for (AutoCloseable resource : owned) {
        try {
          resource.close();
        } catch (Exception e) {
          throw new IllegalStateException("freeing a CUDA temporary failed", e);
        }
      }
    }
  }
}
