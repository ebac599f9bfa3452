package io.ringmaster.kernels.layout;

import io.ringmaster.kernels.HostTensor;
import io.ringmaster.kernels.TokenPositions;
import java.util.ArrayList;
import java.util.List;

/** One sequence of {@code sequenceTokens} dealt over a ring of {@code ringSize} ranks by a layout. */
public record Sharding(ShardLayout layout, int ringSize, int sequenceTokens) {
  public Sharding {
    if (ringSize <= 0) {
      throw new IllegalArgumentException("ring size must be positive, got " + ringSize);
    }
    if (sequenceTokens <= 0) {
      throw new IllegalArgumentException("sequence length must be positive, got " + sequenceTokens);
    }
    int multiple = layout.tokenMultiple(ringSize);
    if (sequenceTokens % multiple != 0) {
      throw new IllegalArgumentException("the " + layout.label() + " layout cannot split " + sequenceTokens
          + " tokens over a ring of " + ringSize + ": it needs a multiple of " + multiple + " tokens"
          + (layout.tokenMultiple(1) > 1 ? " (" + layout.tokenMultiple(1) + " chunks per rank)" : ""));
    }
  }

  public int tokensPerRank() {
    return sequenceTokens / ringSize;
  }

  public TokenPositions positions(int rank) {
    if (rank < 0 || rank >= ringSize) {
      throw new IllegalArgumentException("rank " + rank + " is outside a ring of " + ringSize);
    }
    return new TokenPositions(layout.positions(rank, ringSize, sequenceTokens));
  }

  /** The rows of a whole-sequence tensor that a rank holds, in the rank's row order. */
  public HostTensor shard(HostTensor sequence, int rank) {
    requireSequence(sequence);
    TokenPositions positions = positions(rank);
    int rowValues = sequence.heads() * sequence.headDim();
    float[] values = new float[positions.count() * rowValues];
    for (int row = 0; row < positions.count(); row++) {
      System.arraycopy(sequence.values(), positions.at(row) * rowValues, values, row * rowValues, rowValues);
    }
    return new HostTensor(positions.count(), sequence.heads(), sequence.headDim(), values);
  }

  public List<HostTensor> split(HostTensor sequence) {
    List<HostTensor> shards = new ArrayList<>(ringSize);
    for (int rank = 0; rank < ringSize; rank++) {
      shards.add(shard(sequence, rank));
    }
    return shards;
  }

  /** The inverse of {@link #split}: every rank's rows put back at their global positions. */
  public HostTensor join(List<HostTensor> shards) {
    if (shards.size() != ringSize) {
      throw new IllegalArgumentException(shards.size() + " shards for a ring of " + ringSize);
    }
    HostTensor first = shards.get(0);
    int rowValues = first.heads() * first.headDim();
    float[] values = new float[sequenceTokens * rowValues];
    for (int rank = 0; rank < ringSize; rank++) {
      TokenPositions positions = positions(rank);
      HostTensor shard = shards.get(rank);
      if (shard.tokens() != positions.count() || shard.heads() * shard.headDim() != rowValues) {
        throw new IllegalArgumentException("shard of rank " + rank + " does not fit the sharding");
      }
      for (int row = 0; row < positions.count(); row++) {
        System.arraycopy(shard.values(), row * rowValues, values, positions.at(row) * rowValues, rowValues);
      }
    }
    return new HostTensor(sequenceTokens, first.heads(), first.headDim(), values);
  }

  private void requireSequence(HostTensor sequence) {
    if (sequence.tokens() != sequenceTokens) {
      throw new IllegalArgumentException(
          "tensor holds " + sequence.tokens() + " tokens, the sharding expects " + sequenceTokens);
    }
  }
}
