package io.ringmaster.actors.protocol;

import io.ringmaster.kernels.HeadLayout;
import io.ringmaster.kernels.Masking;

/**
 * What one GPU actor holds of a stage: its place in a ring and the shape of its share of the sequence.
 *
 * @param gpu the GPU's index in the job (ZeRO's data-parallel rank)
 * @param ring which ring (sequence) it works on
 * @param rank its rank in that ring
 * @param tokensPerRank c, the tokens of the sequence this rank holds
 * @param elementBytes bytes of one K or V element on the wire (the training precision)
 * @param memoryCapacityBytes what the device may allocate; above it the step reports out-of-memory
 */
public record ShardSpec(
    String stage,
    int gpu,
    int ring,
    int rank,
    int ringSize,
    long tokensPerRank,
    RingLayout layout,
    Masking masking,
    HeadLayout heads,
    int elementBytes,
    long memoryCapacityBytes) {

  private static final int GRADIENT_BYTES = 4;

  public ShardSpec {
    if (rank < 0 || rank >= ringSize) {
      throw new IllegalArgumentException("rank " + rank + " outside a ring of " + ringSize);
    }
    if (tokensPerRank <= 0 || tokensPerRank % layout.chunksPerRank() != 0) {
      throw new IllegalArgumentException(layout + " needs tokens per rank in multiples of "
          + layout.chunksPerRank() + ", got " + tokensPerRank);
    }
  }

  /** K and V of this rank's tokens: 2·c·Hkv·β (reference/ring-attention.md). */
  public long kvBlockBytes() {
    return 2L * tokensPerRank * heads.kvHeads() * heads.headDim() * elementBytes;
  }

  /** dK and dV of one block in fp32, as ring-flash-attention sends them: 2·c·Hkv·4. */
  public long kvGradientBytes() {
    return 2L * tokensPerRank * heads.kvHeads() * heads.headDim() * GRADIENT_BYTES;
  }

  public BlockShape block(int step) {
    return layout.block(rank, step, ringSize, tokensPerRank, masking);
  }
}
