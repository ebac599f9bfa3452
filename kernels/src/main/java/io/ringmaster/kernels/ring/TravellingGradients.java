package io.ringmaster.kernels.ring;

import io.ringmaster.kernels.Tensor;

/**
 * dK and dV of one KV block, accumulated by every rank the block visits in backward and home at its
 * owner after N hops. Closing frees the gradients only, never the block's K and V.
 */
public record TravellingGradients(KvBlock block, Tensor dk, Tensor dv) implements AutoCloseable {
  @Override
  public void close() {
    dk.close();
    dv.close();
  }
}
