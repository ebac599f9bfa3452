package io.ringmaster.kernels;

import static org.assertj.core.api.Assertions.assertThat;

import io.ringmaster.kernels.QueryTilePlan.QueryTile;
import io.ringmaster.kernels.layout.ShardLayout;
import io.ringmaster.kernels.layout.Sharding;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class QueryTilePlanTest {
  @Test
  void causalDiagonalReadsGrowingPrefixesWithMasks() {
    QueryTilePlan plan = QueryTilePlan.of(contiguous(0, 8), contiguous(0, 8), Masking.CAUSAL, 4);
    assertThat(plan.tiles()).containsExactly(new QueryTile(0, 4, 4, true), new QueryTile(4, 8, 8, true));
    assertThat(plan.computedPairs()).isEqualTo(48);
    assertThat(QueryTilePlan.visiblePairs(contiguous(0, 8), contiguous(0, 8), Masking.CAUSAL)).isEqualTo(36);
  }

  @Test
  void lastTileIsShortWhenRowsAreNotAMultiple() {
    QueryTilePlan plan = QueryTilePlan.of(contiguous(100, 10), contiguous(0, 6), Masking.NONE, 4);
    assertThat(plan.tiles())
        .containsExactly(new QueryTile(0, 4, 6, false), new QueryTile(4, 8, 6, false), new QueryTile(8, 10, 6, false));
  }

  @Test
  void laterKeysAreSkippedWhole() {
    QueryTilePlan plan = QueryTilePlan.of(contiguous(0, 8), contiguous(8, 8), Masking.CAUSAL, 4);
    assertThat(plan.empty()).isTrue();
    assertThat(plan.computedPairs()).isZero();
  }

  /** Zigzag rank 0 of 2 (chunks 0 and 3 of 4-token chunks) against rank 1's block (chunks 1, 2). */
  @Test
  void zigzagSkipsTheHiddenHalf() {
    Sharding sharding = new Sharding(ShardLayout.ZIGZAG, 2, 16);
    QueryTilePlan plan = QueryTilePlan.of(sharding.positions(0), sharding.positions(1), Masking.CAUSAL, 4);
    assertThat(plan.tiles()).containsExactly(new QueryTile(0, 4, 0, false), new QueryTile(4, 8, 8, false));
    assertThat(plan.computedPairs()).isEqualTo(32).isEqualTo(
        QueryTilePlan.visiblePairs(sharding.positions(0), sharding.positions(1), Masking.CAUSAL));
  }

  /**
   * Over a whole causal pass, zigzag gives every rank the same work, while contiguous shards give rank
   * r about r + 1/2 blocks: the last rank does 2N-1 times the first (ring-attention.md).
   */
  @Test
  void zigzagBalancesCausalWorkAndRingDoesNot() {
    int ringSize = 4;
    long[] zigzag = workPerRank(new Sharding(ShardLayout.ZIGZAG, ringSize, 1024));
    assertThat(zigzag).containsOnly(zigzag[0]);
    long[] ring = workPerRank(new Sharding(ShardLayout.RING, ringSize, 1024));
    assertThat((double) ring[ringSize - 1] / ring[0]).isBetween(2.0 * ringSize - 1 - 0.1, 2.0 * ringSize - 1 + 0.1);
  }

  private static long[] workPerRank(Sharding sharding) {
    return IntStream.range(0, sharding.ringSize())
        .mapToLong(rank -> IntStream.range(0, sharding.ringSize())
            .mapToLong(source -> QueryTilePlan.visiblePairs(sharding.positions(rank), sharding.positions(source), Masking.CAUSAL))
            .sum())
        .toArray();
  }

  private static TokenPositions contiguous(int first, int count) {
    return TokenPositions.contiguous(first, count);
  }
}
