package io.ringmaster.kernels.cuda;

import io.ringmaster.kernels.AttentionBackend;
import io.ringmaster.kernels.AttentionBackendContract;
import io.ringmaster.kernels.TensorDifference;
import org.junit.jupiter.api.Assumptions;

/**
 * The backend contract on GPU 0 for one choice of kernels, skipped with the probe's reason where CUDA
 * is not available. Inputs are rounded to bf16 on upload, so results are held to issue 5's bound.
 */
abstract class CudaBackendContract extends AttentionBackendContract {
  /** Issue 5: bf16 results within 2e-2 of the fp32 reference, relative to its largest magnitude. */
  static final double BF16_RELATIVE_ERROR = 2e-2;

  abstract KernelChoice kernels(CudaDeviceInfo device);

  @Override
  protected AttentionBackend createBackend() {
    CudaProbe probe = CudaProbe.once();
    Assumptions.assumeTrue(probe.available(), probe.reason());
    return CudaAttentionBackend.open(0, kernels(probe.devices().get(0)));
  }

  @Override
  protected void assertClose(TensorDifference difference, double fp32MaxAbs) {
    difference.assertRelativeWithin(BF16_RELATIVE_ERROR);
  }
}
