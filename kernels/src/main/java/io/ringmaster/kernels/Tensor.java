package io.ringmaster.kernels;

/**
 * A tensor resident on a backend's device, token-major {@code [tokens][heads][headDim]}. Closing it
 * frees the device memory; a backend may hold it in bf16 while {@link #toHost()} always gives fp32.
 */
public interface Tensor extends AutoCloseable {
  int tokens();

  int heads();

  int headDim();

  /** Device bytes this tensor occupies (for the memory ledger). */
  long bytes();

  HostTensor toHost();

  @Override
  void close();
}
