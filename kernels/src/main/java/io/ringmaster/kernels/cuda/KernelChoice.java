package io.ringmaster.kernels.cuda;

/**
 * Which kernels the CUDA backend runs. The tensor-core kernels serve head dims 64 and 128; any other
 * head dim runs the simple kernels whatever the choice.
 */
public record KernelChoice(Forward forward, Backward backward) {
  public enum Forward {
    /** 128 query rows per CTA, Q fragments held in registers. */
    TENSOR_CORES,
    /** The same tiling, Q fragments re-read from shared memory (fewer registers). */
    TENSOR_CORES_Q_SHARED,
    SIMPLE
  }

  public enum Backward {
    /** 64 keys per CTA, query tiles of 64 rows (108 KB of shared memory at head dim 128). */
    TENSOR_CORES,
    /** Query tiles of 32 rows (70 KB), for GPUs that allow less shared memory per block. */
    TENSOR_CORES_QUERY_TILE_32,
    SIMPLE
  }

  /** The fastest kernels whose shared memory fits {@code device}. */
  public static KernelChoice fastest(CudaDeviceInfo device) {
    boolean fits = AttentionKernels.backwardSharedBytes(128, 64) <= device.sharedBytesPerBlockOptIn();
    return new KernelChoice(Forward.TENSOR_CORES, fits ? Backward.TENSOR_CORES : Backward.TENSOR_CORES_QUERY_TILE_32);
  }

  /** The one-CTA-per-row fp32 kernels: slow, and the yardstick for the others. */
  public static KernelChoice simple() {
    return new KernelChoice(Forward.SIMPLE, Backward.SIMPLE);
  }

  @Override
  public String toString() {
    return "forward " + forward.name().toLowerCase().replace('_', '-') + ", backward "
        + backward.name().toLowerCase().replace('_', '-');
  }
}
