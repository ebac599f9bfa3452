package io.ringmaster.kernels.cuda;

/**
 * Which kernels the CUDA backend runs. The tensor-core kernels serve head dims 64 and 128; any other
 * head dim runs the simple kernels whatever the choice.
 */
public record KernelChoice(Forward forward, Backward backward) {
  /** Forward kernels: each owns 128 query rows per CTA and walks KV tiles of {@code keyTile} keys. */
  public enum Forward {
    /** 8 warps of 16 query rows, Q fragments held in registers. */
    TENSOR_CORES("attention_forward_tc_d", "", 256, 64, "sm_80"),
    /** The same tiling, Q fragments re-read from shared memory (fewer registers). */
    TENSOR_CORES_Q_SHARED("attention_forward_tc_d", "_qsmem", 256, 64, "sm_80"),
    /** 4 warps of 32 query rows (flash-attention-2's tiling): half the fragment loads per mma, 2 CTAs per SM. */
    TENSOR_CORES_4_WARPS("attention_forward_tc_d", "_4warps", 128, 64, "sm_80"),
    /** Hopper's warpgroup MMA: 2 warpgroups of 64 rows, KV tiles of 128 keys; sm_90 only. */
    WGMMA("attention_forward_wgmma_d", "", 256, 128, "sm_90a"),
    SIMPLE("", "", 0, 0, "sm_80");

    private final String kernelPrefix;
    private final String kernelSuffix;
    private final int threads;
    private final int keyTile;
    private final String ptxTarget;

    Forward(String kernelPrefix, String kernelSuffix, int threads, int keyTile, String ptxTarget) {
      this.kernelPrefix = kernelPrefix;
      this.kernelSuffix = kernelSuffix;
      this.threads = threads;
      this.keyTile = keyTile;
      this.ptxTarget = ptxTarget;
    }

    String kernel(int headDim) {
      return kernelPrefix + headDim + kernelSuffix;
    }

    int threads() {
      return threads;
    }

    int keyTile() {
      return keyTile;
    }

    /** Whether this GPU can load its PTX (the wgmma kernels are compiled for sm_90a alone). */
    public boolean runsOn(CudaDeviceInfo device) {
      return device.runs(ptxTarget);
    }
  }

  /** Backward kernels by tile: keys per CTA (16 per warp) and query rows per step. */
  public enum Backward {
    /** 128 keys, 64 query rows: flash-attention-2's tiles; 149 KB of shared memory at head dim 128. */
    TENSOR_CORES_KEYS_128(128, 64, "_n128"),
    /** 64 keys, 64 query rows: 108 KB; twice the dQ atomics and Q/dO reads per FLOP. */
    TENSOR_CORES(64, 64, ""),
    /** 64 keys, 32 query rows: 70 KB, for GPUs that allow 99 KB per block (sm_86, sm_89). */
    TENSOR_CORES_QUERY_TILE_32(64, 32, "_m32"),
    SIMPLE(0, 0, "");

    private final int keyTile;
    private final int queryTile;
    private final String kernelSuffix;

    Backward(int keyTile, int queryTile, String kernelSuffix) {
      this.keyTile = keyTile;
      this.queryTile = queryTile;
      this.kernelSuffix = kernelSuffix;
    }

    public int keyTile() {
      return keyTile;
    }

    public int queryTile() {
      return queryTile;
    }

    String kernelSuffix() {
      return kernelSuffix;
    }

    /** Whether its shared memory at head dim 128 (the largest with tensor-core kernels) fits the device. */
    boolean fits(CudaDeviceInfo device) {
      return this == SIMPLE
          || AttentionKernels.backwardSharedBytes(128, keyTile, queryTile) <= device.sharedBytesPerBlockOptIn();
    }
  }

  /** The tensor-core kernels with the largest tiles whose shared memory fits {@code device}. */
  public static KernelChoice fastest(CudaDeviceInfo device) {
    for (Backward backward : Backward.values()) {
      if (backward.fits(device)) return new KernelChoice(Forward.TENSOR_CORES, backward);
    }
    throw new IllegalStateException("unreachable: the simple kernels fit every device");
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
