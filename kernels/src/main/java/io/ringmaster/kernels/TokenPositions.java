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
}
