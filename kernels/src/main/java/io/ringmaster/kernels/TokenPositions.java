package io.ringmaster.kernels;

import java.util.Arrays;

/**
 * Global sequence positions of the tokens a block holds, in the block's row order. Causal masks
 * compare these, so one kernel serves every layout: a contiguous shard, the two chunks of a zigzag
 * rank, or the strided tokens of a stripe rank.
 */
public record TokenPositions(int[] positions) {
  public static TokenPositions contiguous(int firstPosition, int count) {
    int[] positions = new int[count];
    Arrays.setAll(positions, i -> firstPosition + i);
    return new TokenPositions(positions);
  }

  public int count() {
    return positions.length;
  }

  public int at(int row) {
    return positions[row];
  }

  /** The positions of rows {@code [firstRow, endRow)}. */
  public TokenPositions rows(int firstRow, int endRow) {
    return new TokenPositions(Arrays.copyOfRange(positions, firstRow, endRow));
  }

  /** Every position negated: RoPE at {@code -p} is the inverse rotation of RoPE at {@code p}. */
  public TokenPositions negated() {
    return new TokenPositions(Arrays.stream(positions).map(p -> -p).toArray());
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof TokenPositions that && Arrays.equals(positions, that.positions);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(positions);
  }

  @Override
  public String toString() {
    return positions.length <= 8
        ? "TokenPositions" + Arrays.toString(positions)
        : "TokenPositions[" + positions.length + " rows, " + positions[0] + ".." + positions[positions.length - 1] + "]";
  }
}
