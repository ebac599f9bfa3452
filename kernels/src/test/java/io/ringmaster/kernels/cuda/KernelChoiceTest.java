package io.ringmaster.kernels.cuda;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class KernelChoiceTest {
  // Shared memory per block a kernel may opt into: 227 KB on H100, 163 KB on A100, 99 KB on L40S
  // (CUDA C++ Programming Guide, "Technical Specifications per Compute Capability").
  private static final int H100_OPT_IN = 232_448;
  private static final int A100_OPT_IN = 166_912;
  private static final int L40S_OPT_IN = 101_376;

  @Test
  void sharedMemoryOfTheTensorCoreKernels() {
    // forward: Q 128x128 + K, V 2x 64x128 each, bf16; 2x 64 int positions
    assertThat(AttentionKernels.forwardSharedBytes(KernelChoice.Forward.TENSOR_CORES, 128))
        .isEqualTo((128 * 128 + 4 * 64 * 128) * 2 + 2 * 64 * 4)
        .isEqualTo(98_816)
        .isEqualTo(AttentionKernels.forwardSharedBytes(KernelChoice.Forward.TENSOR_CORES_4_WARPS, 128));
    // wgmma: 1024 bytes of alignment slack, Q 128x128 + K, V 2x 128x128, bf16; 2x 128 int positions
    assertThat(AttentionKernels.forwardSharedBytes(KernelChoice.Forward.WGMMA, 128))
        .isEqualTo(1024 + (128 * 128 + 4 * 128 * 128) * 2 + 2 * 128 * 4)
        .isEqualTo(165_888)
        .isLessThanOrEqualTo(H100_OPT_IN);
    assertThat(AttentionKernels.forwardSharedBytes(KernelChoice.Forward.WGMMA, 64)).isEqualTo(1024 + 81_920 + 1_024);
    // backward: K, V 64x128, Q and dO 2x 64x128, dS 64x64, bf16; lse, D, limit for 2x 64 rows
    assertThat(AttentionKernels.backwardSharedBytes(128, 64, 64)).isEqualTo(108_032);
    assertThat(AttentionKernels.backwardSharedBytes(128, 64, 32)).isEqualTo(70_400);
    // 128 keys: K, V 128x128 and dS 128x64
    assertThat(AttentionKernels.backwardSharedBytes(128, 128, 64)).isEqualTo((2 * 16_384 + 4 * 8_192 + 8_192) * 2 + 1_536);
  }

  @Test
  void fastestChoiceFitsTheDevice() {
    assertThat(KernelChoice.fastest(device(H100_OPT_IN)).backward()).isEqualTo(KernelChoice.Backward.TENSOR_CORES_KEYS_128);
    assertThat(KernelChoice.fastest(device(A100_OPT_IN)).backward()).isEqualTo(KernelChoice.Backward.TENSOR_CORES_KEYS_128);
    assertThat(KernelChoice.fastest(device(L40S_OPT_IN)).backward())
        .isEqualTo(KernelChoice.Backward.TENSOR_CORES_QUERY_TILE_32);
    assertThat(KernelChoice.fastest(device(120_000)).backward()).isEqualTo(KernelChoice.Backward.TENSOR_CORES);
    assertThat(AttentionKernels.forwardSharedBytes(KernelChoice.Forward.TENSOR_CORES, 128)).isLessThanOrEqualTo(L40S_OPT_IN);
  }

  @Test
  void wgmmaKernelsRunOnHopperAlone() {
    assertThat(KernelChoice.Forward.WGMMA.runsOn(device(9, 0))).isTrue();
    assertThat(KernelChoice.Forward.WGMMA.runsOn(device(8, 0))).isFalse();
    assertThat(KernelChoice.Forward.WGMMA.runsOn(device(8, 9))).isFalse();
    assertThat(KernelChoice.Forward.WGMMA.runsOn(device(10, 0))).isFalse();  // arch-specific PTX: 9.0 only
    assertThat(KernelChoice.Forward.TENSOR_CORES_4_WARPS.runsOn(device(8, 0))).isTrue();
    assertThat(KernelChoice.Forward.TENSOR_CORES_4_WARPS.runsOn(device(10, 0))).isTrue();
    assertThat(device(7, 5).runs("sm_80")).isFalse();
    assertThat(AttentionKernels.forwardTensorCoreKernel(
        new KernelChoice(KernelChoice.Forward.WGMMA, KernelChoice.Backward.TENSOR_CORES), 64)).isEqualTo("attention_forward_wgmma_d64");
    assertThat(AttentionKernels.forwardTensorCoreKernel(
        new KernelChoice(KernelChoice.Forward.TENSOR_CORES_4_WARPS, KernelChoice.Backward.TENSOR_CORES), 128))
        .isEqualTo("attention_forward_tc_d128_4warps");
  }

  @Test
  void headDimsWithoutTensorCoreKernelsRunTheSimpleOnes() {
    KernelChoice fastest = KernelChoice.fastest(device(H100_OPT_IN));
    assertThat(AttentionKernels.forwardTensorCoreKernel(fastest, 128)).isEqualTo("attention_forward_tc_d128");
    assertThat(AttentionKernels.backwardTensorCoreKernel(fastest, 64)).isEqualTo("attention_backward_tc_d64_n128");
    assertThat(AttentionKernels.forwardTensorCoreKernel(fastest, 96)).isNull();
    assertThat(AttentionKernels.kernels(fastest, 96))
        .contains("attention_forward_simple", "attention_backward_simple_dq", "attention_backward_simple_dkdv");
  }

  private static CudaDeviceInfo device(int sharedOptIn) {
    return new CudaDeviceInfo(0, "test", 100, 9, 0, 80L << 30, sharedOptIn);
  }

  /** A GPU of this compute capability with an H100's shared memory per block. */
  static CudaDeviceInfo device(int computeMajor, int computeMinor) {
    return new CudaDeviceInfo(0, "test", 100, computeMajor, computeMinor, 80L << 30, H100_OPT_IN);
  }
}
