package io.ringmaster.sim.clock;

import java.util.Arrays;

/**
 * Slots (small integer ids) ordered by (tick, sequence number): an indexed heap that moves an entry
 * whose tick changes to its new place instead of leaving a stale entry behind. The keys live beside
 * the slots in heap order, tick and sequence number side by side, so that sifting compares without
 * looking a slot's key up elsewhere (the heaps are sifted tens of millions of times a stage). Four
 * children per node: half the depth of a binary heap, and a node's children's keys share a cache line
 * or two. Keys are unique, so the order entries come out in does not depend on the heap's shape.
 */
public final class SlotHeap {
  private static final int ABSENT = -1;
  private static final int ARITY = 4;

  private int[] heap = new int[64];
  /** The key of heap position i: its tick at 2i, its sequence number at 2i + 1. */
  private long[] keys = new long[128];
  private int[] position = new int[0];
  private int size;

  public void grow(int slots) {
    int old = position.length;
    position = Arrays.copyOf(position, slots);
    Arrays.fill(position, old, slots, ABSENT);
    if (heap.length < slots) {
      heap = Arrays.copyOf(heap, slots);
      keys = Arrays.copyOf(keys, 2 * slots);
    }
  }

  public boolean isEmpty() {
    return size == 0;
  }

  public long peekTick() {
    return keys[0];
  }

  public int peek() {
    return heap[0];
  }

  public int size() {
    return size;
  }

  /** The slot at heap position {@code i} (heap order, not time order). */
  public int at(int i) {
    return heap[i];
  }

  /** The tick of a slot in the heap. */
  public long tick(int slot) {
    return keys[2 * position[slot]];
  }

  /** The sequence number of a slot in the heap. */
  public long sequence(int slot) {
    return keys[2 * position[slot] + 1];
  }

  public void push(int slot, long atTick, long atSequence) {
    up(size++, slot, atTick, atSequence);
  }

  public void update(int slot, long atTick, long atSequence) {
    int i = position[slot];
    if (i == ABSENT) {
      push(slot, atTick, atSequence);
      return;
    }
    if (before(atTick, atSequence, keys[2 * i], keys[2 * i + 1])) {
      up(i, slot, atTick, atSequence);
    } else {
      down(i, slot, atTick, atSequence);
    }
  }

  /**
   * Takes the first entry out. The hole it leaves sinks to a leaf along the earliest children, and the
   * last entry rises into it from there: the last entry is usually among the latest (a work completion
   * just scheduled), so this compares once per level where sinking the last entry from the top would
   * compare twice.
   */
  public int pop() {
    int top = heap[0];
    position[top] = ABSENT;
    size--;
    if (size > 0) {
      up(sinkHole(), heap[size], keys[2 * size], keys[2 * size + 1]);
    }
    return top;
  }

  /** Moves the earliest child up into the hole at the top, level by level; the leaf position left. */
  private int sinkHole() {
    int i = 0;
    for (int first = 1; first < size; first = ARITY * i + 1) {
      int child = earliestChild(first, Math.min(first + ARITY, size));
      move(child, i);
      i = child;
    }
    return i;
  }

  /** Moves every entry by {@code ticks}; all move alike, so the heap order holds. */
  public void shift(long ticks) {
    for (int i = 0; i < size; i++) {
      keys[2 * i] += ticks;
    }
  }

  private static boolean before(long tickA, long sequenceA, long tickB, long sequenceB) {
    return tickA < tickB || (tickA == tickB && sequenceA < sequenceB);
  }

  /** Whether heap position {@code a}'s key comes before position {@code b}'s. */
  private boolean before(int a, int b) {
    return before(keys[2 * a], keys[2 * a + 1], keys[2 * b], keys[2 * b + 1]);
  }

  /** Places {@code slot} with its key at position {@code i} or above, moving parents down as it rises. */
  private void up(int i, int slot, long atTick, long atSequence) {
    while (i > 0) {
      int parent = (i - 1) / ARITY;
      if (!before(atTick, atSequence, keys[2 * parent], keys[2 * parent + 1])) {
        break;
      }
      move(parent, i);
      i = parent;
    }
    place(i, slot, atTick, atSequence);
  }

  /** Places {@code slot} with its key at position {@code i} or below, moving children up as it sinks. */
  private void down(int i, int slot, long atTick, long atSequence) {
    while (true) {
      int first = ARITY * i + 1;
      if (first >= size) {
        break;
      }
      int child = earliestChild(first, Math.min(first + ARITY, size));
      if (!before(keys[2 * child], keys[2 * child + 1], atTick, atSequence)) {
        break;
      }
      move(child, i);
      i = child;
    }
    place(i, slot, atTick, atSequence);
  }

  /** The position in {@code [first, end)} whose key comes first. */
  private int earliestChild(int first, int end) {
    int earliest = first;
    for (int c = first + 1; c < end; c++) {
      if (before(c, earliest)) {
        earliest = c;
      }
    }
    return earliest;
  }

  private void move(int from, int to) {
    int slot = heap[from];
    heap[to] = slot;
    keys[2 * to] = keys[2 * from];
    keys[2 * to + 1] = keys[2 * from + 1];
    position[slot] = to;
  }

  private void place(int i, int slot, long atTick, long atSequence) {
    heap[i] = slot;
    keys[2 * i] = atTick;
    keys[2 * i + 1] = atSequence;
    position[slot] = i;
  }
}
