package io.ringmaster.kernels.ring;

import io.ringmaster.kernels.Masking;
import io.ringmaster.kernels.RotaryEmbedding;
import io.ringmaster.kernels.layout.Sharding;

/** What every rank of one ring agrees on: how the sequence is dealt, the mask, and RoPE. */
public record RingSetup(Sharding sharding, Masking masking, RotaryEmbedding rope) {
  public int ringSize() {
    return sharding.ringSize();
  }
}
