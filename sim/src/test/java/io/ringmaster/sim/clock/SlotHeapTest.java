package io.ringmaster.sim.clock;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Comparator;
import java.util.Random;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

class SlotHeapTest {
  private record Entry(int slot, long tick, long sequence) {}

  private static final Comparator<Entry> ORDER =
      Comparator.comparingLong(Entry::tick).thenComparingLong(Entry::sequence);

  @Test
  void popsInTickThenSequenceOrderThroughRandomPushesUpdatesAndPops() {
    Random random = new Random(7);
    int slots = 300;
    SlotHeap heap = new SlotHeap();
    heap.grow(slots);
    Entry[] bySlot = new Entry[slots];
    TreeSet<Entry> expected = new TreeSet<>(ORDER);
    long sequence = 0;
    for (int operation = 0; operation < 200_000; operation++) {
      int slot = random.nextInt(slots);
      if (random.nextInt(3) == 0 && !expected.isEmpty()) {
        Entry first = expected.pollFirst();
        assertThat(heap.peekTick()).isEqualTo(first.tick());
        assertThat(heap.pop()).isEqualTo(first.slot());
        bySlot[first.slot()] = null;
        continue;
      }
      // few distinct ticks, so that ties are broken by sequence number
      Entry entry = new Entry(slot, random.nextInt(50), sequence++);
      if (bySlot[slot] != null) {
        expected.remove(bySlot[slot]);
      }
      heap.update(slot, entry.tick(), entry.sequence());
      bySlot[slot] = entry;
      expected.add(entry);
      assertThat(heap.tick(slot)).isEqualTo(entry.tick());
      assertThat(heap.sequence(slot)).isEqualTo(entry.sequence());
    }
    while (!expected.isEmpty()) {
      assertThat(heap.pop()).isEqualTo(expected.pollFirst().slot());
    }
    assertThat(heap.isEmpty()).isTrue();
  }
}
