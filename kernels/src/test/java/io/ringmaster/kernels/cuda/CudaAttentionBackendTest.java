package io.ringmaster.kernels.cuda;

/** The contract with the kernels the backend picks for the device: tensor cores at head dim 64. */
class CudaAttentionBackendTest extends CudaBackendContract {
  @Override
  KernelChoice kernels(CudaDeviceInfo device) {
    return KernelChoice.fastest(device);
  }
}
