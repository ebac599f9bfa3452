package io.ringmaster.kernels.layout;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ringmaster.kernels.HostTensor;
import io.ringmaster.kernels.SeededTensors;
import java.util.Arrays;
import java.util.stream.IntStream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.Test;

class ShardingTest {
  @Test
  void dealsSixteenTokensOverFourRanks() {
    assertThat(new Sharding(ShardLayout.RING, 4, 16).positions(1).positions()).containsExactly(4, 5, 6, 7);
    assertThat(new Sharding(ShardLayout.ZIGZAG, 4, 16).positions(1).positions()).containsExactly(2, 3, 12, 13);
    assertThat(new Sharding(ShardLayout.ZIGZAG, 4, 16).positions(3).positions()).containsExactly(6, 7, 8, 9);
    assertThat(new Sharding(ShardLayout.STRIPE, 4, 16).positions(1).positions()).containsExactly(1, 5, 9, 13);
  }

  @ParameterizedTest
  @EnumSource(ShardLayout.class)
  void everyTokenGoesToExactlyOneRankInAscendingOrder(ShardLayout layout) {
    Sharding sharding = new Sharding(layout, 3, 48);
    int[] all = IntStream.range(0, 3).flatMap(rank -> {
      int[] positions = sharding.positions(rank).positions();
      assertThat(positions).isSorted().hasSize(16);
      return Arrays.stream(positions);
    }).sorted().toArray();
    assertThat(all).containsExactly(IntStream.range(0, 48).toArray());
  }

  @ParameterizedTest
  @EnumSource(ShardLayout.class)
  void joinUndoesSplit(ShardLayout layout) {
    Sharding sharding = new Sharding(layout, 4, 40);
    HostTensor sequence = new SeededTensors(1).normal(40, 2, 3);
    assertThat(sharding.join(sharding.split(sequence)).values()).containsExactly(sequence.values());
    assertThat(sharding.shard(sequence, 2).values()[0]).isEqualTo(sequence.values()[sequence.index(sharding.positions(2).at(0), 0, 0)]);
  }

  @Test
  void refusesLengthsALayoutCannotSplitEvenly() {
    assertThatThrownBy(() -> new Sharding(ShardLayout.ZIGZAG, 3, 1000))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("the zigzag layout cannot split 1000 tokens over a ring of 3: it needs a multiple of 6 tokens (2 chunks per rank)");
    assertThatThrownBy(() -> new Sharding(ShardLayout.RING, 4, 1001))
        .hasMessage("the ring layout cannot split 1001 tokens over a ring of 4: it needs a multiple of 4 tokens");
    assertThat(new Sharding(ShardLayout.ZIGZAG, 4, 1000).tokensPerRank()).isEqualTo(250);
  }

  @Test
  void parsesLabelsAndNamesTheChoices() {
    assertThat(ShardLayout.parse("zigzag")).isEqualTo(ShardLayout.ZIGZAG);
    assertThatThrownBy(() -> ShardLayout.parse("spiral")).hasMessage("unknown attention layout 'spiral', expected one of ring, zigzag, stripe");
  }
}
