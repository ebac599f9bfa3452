package io.ringmaster.kernels;

/**
 * Gradients of one (query block, KV block) pair in backward: {@code dq} accumulates on the query's
 * owner, {@code dk}/{@code dv} travel around the ring with their KV block (fp32, as in
 * ring-flash-attention).
 */
public record BlockGradients(Tensor dq, Tensor dk, Tensor dv) implements AutoCloseable {
  @Override
  public void close() {
    dq.close();
    dk.close();
    dv.close();
  }
}
