package io.ringmaster.kernels.cuda;

/** The contract with the simple kernels, the yardstick the tensor-core kernels are compared with. */
class CudaSimpleKernelsTest extends CudaBackendContract {
  @Override
  KernelChoice kernels(CudaDeviceInfo device) {
    return KernelChoice.simple();
  }
}
