package io.ringmaster.actors.protocol;

/**
 * The attention work of one ring step on one rank: which query rows meet which keys.
 *
 * @param queryTokens query rows the kernel runs over (the fp32 output they update is merged after)
 * @param keyTokens keys of the received block the kernel reads
 * @param pairs (query, key) pairs that are attended, after the causal mask
 * @param masked whether the block has a causal mask inside it (a diagonal), which runs less
 *     efficiently than a block of whole tiles
 */
public record BlockShape(long queryTokens, long keyTokens, long pairs, boolean masked) {
  public static final BlockShape EMPTY = new BlockShape(0, 0, 0, false);

  public boolean isEmpty() {
    return pairs == 0;
  }
}
