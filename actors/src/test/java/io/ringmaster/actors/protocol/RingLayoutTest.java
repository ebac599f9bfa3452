package io.ringmaster.actors.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import io.ringmaster.kernels.Masking;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class RingLayoutTest {
  private static final long TOKENS = 64;

  /** However a layout splits the sequence, the ring attends every causal pair exactly once: S(S+1)/2. */
  @ParameterizedTest
  @EnumSource(RingLayout.class)
  void everyLayoutCoversTheCausalPairsOfTheSequence(RingLayout layout) {
    for (int ringSize : new int[] {1, 2, 3, 8}) {
      long sequence = ringSize * TOKENS;
      assertThat(totalPairs(layout, ringSize, Masking.CAUSAL)).as("ring of %d", ringSize)
          .isEqualTo(sequence * (sequence + 1) / 2);
      assertThat(totalPairs(layout, ringSize, Masking.NONE)).isEqualTo(sequence * sequence);
    }
  }

  @Test
  void zigzagGivesEveryRankHalfABlockAtEveryStep() {
    long half = TOKENS * TOKENS / 2;
    for (int rank = 0; rank < 8; rank++) {
      for (int step = 1; step < 8; step++) {
        BlockShape block = RingLayout.ZIGZAG.block(rank, step, 8, TOKENS, Masking.CAUSAL);
        assertThat(block.pairs()).isEqualTo(half);
        assertThat(block.masked()).isFalse();
        // the block of an earlier rank: all queries, its first chunk of keys; of a later rank: the
        // second chunk of queries, all its keys
        boolean earlier = Math.floorMod(rank - step, 8) < rank;
        assertThat(block.queryTokens()).isEqualTo(earlier ? TOKENS : TOKENS / 2);
        assertThat(block.keyTokens()).isEqualTo(earlier ? TOKENS / 2 : TOKENS);
      }
    }
  }

  @Test
  void theNaiveRingWorksOnlyOnEarlierRanksBlocks() {
    // rank 3 of 8: its own block (a triangle), then ranks 2, 1, 0 (full), then nothing
    long[] expected = {TOKENS * (TOKENS + 1) / 2, TOKENS * TOKENS, TOKENS * TOKENS, TOKENS * TOKENS, 0, 0, 0, 0};
    for (int step = 0; step < 8; step++) {
      assertThat(RingLayout.RING.block(3, step, 8, TOKENS, Masking.CAUSAL).pairs()).isEqualTo(expected[step]);
    }
  }

  private static long totalPairs(RingLayout layout, int ringSize, Masking masking) {
    long pairs = 0;
    for (int rank = 0; rank < ringSize; rank++) {
      for (int step = 0; step < ringSize; step++) {
        pairs += layout.block(rank, step, ringSize, TOKENS, masking).pairs();
      }
    }
    return pairs;
  }
}
