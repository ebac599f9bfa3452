package io.ringmaster.topology.placement;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class RingPlacementTest {
  @Test
  void packedFillsNodesInOrder() {
    List<Ring> rings = new RingPlacement.Packed().rings(2, 4);
    assertThat(rings.get(0).gpus()).containsExactly(0, 1, 2, 3);
    assertThat(rings.get(1).gpus()).containsExactly(4, 5, 6, 7);
    assertThat(rings.get(1).next(3)).isEqualTo(4);
  }

  @Test
  void spreadInterleavesRings() {
    List<Ring> rings = new RingPlacement.Spread().rings(4, 3);
    assertThat(rings.get(0).gpus()).containsExactly(0, 4, 8);
    assertThat(rings.get(3).gpus()).containsExactly(3, 7, 11);
  }

  @Test
  void everyPlacementUsesEachJobGpuExactlyOnce() {
    for (RingPlacement placement : List.of(new RingPlacement.Packed(), new RingPlacement.Spread())) {
      Set<Integer> used = new HashSet<>();
      for (Ring ring : placement.rings(16, 32)) {
        assertThat(ring.size()).isEqualTo(32);
        for (int gpu : ring.gpus()) {
          assertThat(used.add(gpu)).isTrue();
        }
      }
      assertThat(used).hasSize(512).allMatch(gpu -> gpu >= 0 && gpu < 512);
    }
  }

  @Test
  void explicitIsAsListed() {
    List<Ring> rings = new RingPlacement.Explicit(List.of(List.of(3, 1), List.of(0, 2))).rings(2, 2);
    assertThat(rings.get(0).gpus()).containsExactly(3, 1);
    assertThat(rings.get(1).index()).isEqualTo(1);
  }
}
