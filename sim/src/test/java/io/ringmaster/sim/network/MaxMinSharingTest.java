package io.ringmaster.sim.network;

import static org.assertj.core.api.Assertions.assertThat;

import io.ringmaster.actors.gpu.GpuActor;
import io.ringmaster.actors.protocol.BlockContent;
import io.ringmaster.actors.protocol.Pass;
import io.ringmaster.actors.protocol.PayloadSize;
import io.ringmaster.sim.clock.Ticks;
import io.ringmaster.topology.network.Link;
import io.ringmaster.topology.network.LinkKind;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Max-min fair sharing by progressive filling, on hand-derived cases. */
class MaxMinSharingTest {
  private static final double GB = 1e9;

  @Test
  void twoFlowsOnOneLinkGetHalfEach() {
    FlowNetwork network = new FlowNetwork(links(10 * GB), 1);
    int a = network.start(0, 0, new int[] {0}, (long) (10 * GB), 0, 0, 0);
    int b = network.start(0, 0, new int[] {0}, (long) (10 * GB), 0, 1, 0);
    network.settle(0);
    assertThat(network.rate(a)).isEqualTo(5 * GB);
    assertThat(network.rate(b)).isEqualTo(5 * GB);
    // 10 GB at 5 GB/s: both complete after 2 s
    assertThat(network.nextCompletionTick()).isEqualTo(Ticks.ofSeconds(2));
  }

  @Test
  void aFlowBottleneckedElsewhereLeavesItsShareToTheOther() {
    // link 0: 10 GB/s shared by A and B; link 1: 2 GB/s, only A. A is held to 2, B gets the other 8.
    FlowNetwork network = new FlowNetwork(links(10 * GB, 2 * GB), 1);
    int a = network.start(0, 1, new int[] {0, 1}, (long) (4 * GB), 0, 0, 0);
    int b = network.start(0, 0, new int[] {0}, (long) (16 * GB), 0, 1, 0);
    network.settle(0);
    assertThat(network.rate(a)).isEqualTo(2 * GB);
    assertThat(network.rate(b)).isEqualTo(8 * GB);
    // A finishes at 2 s; B has 16 - 2·8 = 0 left: both at 2 s. Make B bigger to see it speed up.
  }

  @Test
  void aFlowSpeedsUpWhenItsCompetitorEnds() {
    FlowNetwork network = new FlowNetwork(links(10 * GB), 1);
    int small = network.start(0, 0, new int[] {0}, (long) (5 * GB), 0, 0, 0);
    int large = network.start(0, 0, new int[] {0}, (long) (15 * GB), 0, 1, 0);
    network.settle(0);
    // both at 5 GB/s: the small one ends at 1 s, leaving 10 GB of the large one to go alone at 10 GB/s
    long first = network.nextCompletionTick();
    assertThat(first).isEqualTo(Ticks.ofSeconds(1));
    assertThat(network.pollCompleted(first)).isEqualTo(small);
    network.finish(first, small);
    network.settle(first);
    assertThat(network.rate(large)).isEqualTo(10 * GB);
    assertThat(network.nextCompletionTick()).isEqualTo(Ticks.ofSeconds(2));
  }

  @Test
  void eachHopAddsItsLatency() {
    // two GPUs on a switch, 1 µs per link: each block crosses two links, so it lands 2 µs after its
    // last byte leaves; 10 GB/s each way, 1 GB blocks: 0.1 s + 2 µs.
    StarNetwork star = new StarNetwork(2, 10 * GB, 1e-6);
    List<long[]> landings = new ArrayList<>();
    Fabric fabric = new Fabric(star, new int[] {0, 1}, new int[] {1, 0},
        (tick, gpu, command) -> landings.add(new long[] {tick, gpu, command instanceof GpuActor.KvBlock ? 1 : 0}));
    for (int gpu = 0; gpu < 2; gpu++) {
      fabric.exchange(0, gpu, new GpuActor.KvBlock(0, gpu, 0, 0, Pass.FORWARD, BlockContent.KEYS_VALUES,
          new PayloadSize((long) GB)));
    }
    fabric.settle(0);
    long done = fabric.nextTick();
    assertThat(done).isEqualTo(Ticks.ofSeconds(0.1));
    fabric.advance(done);
    fabric.settle(done);
    long landed = fabric.nextTick();
    fabric.advance(landed);
    assertThat(landed).isEqualTo(Ticks.ofSeconds(0.1) + 2 * Ticks.ofSeconds(1e-6));
    assertThat(landings).hasSize(4).allSatisfy(landing -> assertThat(landing[0]).isEqualTo(landed));
  }

  /**
   * Settling only the changed component, and taking a component's rates from the memo of components
   * seen before, give the rates of settling every flow from scratch. Routes come from a small pool, so
   * the same components come back and most settles after the first few are answered by the memo.
   */
  @Test
  void settlingOnlyTheChangedComponentGivesTheRatesOfSettlingEverything() {
    Random random = new Random(42);
    long memoAnswers = 0;
    for (int round = 0; round < 200; round++) {
      int linkCount = 4 + random.nextInt(12);
      double[] capacities = new double[linkCount];
      for (int l = 0; l < linkCount; l++) {
        capacities[l] = (1 + random.nextInt(20)) * GB;
      }
      List<int[]> pool = new ArrayList<>();
      for (int r = 0; r < 2 + random.nextInt(6); r++) {
        pool.add(randomRoute(random, linkCount));
      }
      FlowNetwork incremental = new FlowNetwork(links(capacities), 1);
      List<Integer> live = new ArrayList<>();
      for (int step = 0; step < 60; step++) {
        if (!live.isEmpty() && random.nextInt(2) == 0) {
          incremental.finish(step, live.remove(random.nextInt(live.size())));
        } else {
          int route = random.nextInt(pool.size());
          live.add(incremental.start(step, route, pool.get(route), (long) GB * (1 + random.nextInt(9)), 0, route, 0));
        }
        incremental.settle(step);
        FlowNetwork scratch = new FlowNetwork(links(capacities), 1);
        List<Integer> fresh = new ArrayList<>();
        for (int flow : live) {
          int route = incremental.owner(flow);
          fresh.add(scratch.start(0, route, pool.get(route), (long) GB, 0, route, 0));
        }
        scratch.settle(0);
        for (int i = 0; i < live.size(); i++) {
          assertThat(incremental.rate(live.get(i))).as("round %d step %d flow %d", round, step, i)
              .isEqualTo(scratch.rate(fresh.get(i)));
        }
      }
      memoAnswers += incremental.memoAnswers();
    }
    assertThat(memoAnswers).as("settles answered by the memo").isGreaterThan(1000);
  }

  private static int[] randomRoute(Random random, int linkCount) {
    int hops = 1 + random.nextInt(Math.min(4, linkCount));
    List<Integer> all = new ArrayList<>();
    for (int l = 0; l < linkCount; l++) {
      all.add(l);
    }
    java.util.Collections.shuffle(all, random);
    return all.subList(0, hops).stream().mapToInt(Integer::intValue).toArray();
  }

  private static List<Link> links(double... bytesPerSecond) {
    List<Link> links = new ArrayList<>();
    for (int l = 0; l < bytesPerSecond.length; l++) {
      links.add(new Link(l, "link" + l, LinkKind.PCIE, bytesPerSecond[l], 0));
    }
    return links;
  }
}
