package io.ringmaster.actors.protocol;

import io.ringmaster.kernels.HostTensor;

/**
 * What a live {@code KvBlock} carries: a rank's K (after RoPE) and V rows, or, travelling in backward
 * with the same identity, the dK and dV accumulated for them. fp32 on the wire, in the owner rank's
 * row order; the receiver knows the positions from the shard layout.
 */
public record KvTensors(HostTensor keys, HostTensor values) implements KvPayload {
  @Override
  public long bytes() {
    return (long) Float.BYTES * (keys.values().length + values.values().length);
  }
}
