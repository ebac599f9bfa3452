package io.ringmaster.sim.clock;

import java.util.Arrays;

/**
 * Slots (small integer ids) ordered by (tick, sequence number): an indexed binary heap that moves an
 * entry whose tick changes to its new place instead of leaving a stale entry behind. The keys live
 * beside the slots in heap order, so that sifting compares without looking a slot's key up elsewhere
 * (the heaps are sifted tens of millions of times a stage).
 */
public final class SlotHeap {
  private static final int ABSENT = -1;

  private int[] heap = new int[64];
  private long[] heapTick = new long[64];
  private long[] heapSequence = new long[64];
  private int[] position = new int[0];
  private int size;

  public void grow(int slots) {
    int old = position.length;
    position = Arrays.copyOf(position, slots);
    Arrays.fill(position, old, slots, ABSENT);
    if (heap.length < slots) {
      heap = Arrays.copyOf(heap, slots);
      heapTick = Arrays.copyOf(heapTick, slots);
      heapSequence = Arrays.copyOf(heapSequence, slots);
    }
  }

  public boolean isEmpty() {
    return size == 0;
  }

  public long peekTick() {
    return heapTick[0];
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
    return heapTick[position[slot]];
  }

  /** The sequence number of a slot in the heap. */
  public long sequence(int slot) {
    return heapSequence[position[slot]];
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
    if (before(atTick, atSequence, heapTick[i], heapSequence[i])) {
      up(i, slot, atTick, atSequence);
    } else {
      down(i, slot, atTick, atSequence);
    }
  }

  public int pop() {
    int top = heap[0];
    position[top] = ABSENT;
    size--;
    if (size > 0) {
      down(0, heap[size], heapTick[size], heapSequence[size]);
    }
    return top;
  }

  /** Moves every entry by {@code ticks}; all move alike, so the heap order holds. */
  public void shift(long ticks) {
    for (int i = 0; i < size; i++) {
      heapTick[i] += ticks;
    }
  }

  private static boolean before(long tickA, long sequenceA, long tickB, long sequenceB) {
    return tickA < tickB || (tickA == tickB && sequenceA < sequenceB);
  }

  /** Places {@code slot} with its key at position {@code i} or above, moving parents down as it rises. */
  private void up(int i, int slot, long atTick, long atSequence) {
    while (i > 0) {
      int parent = (i - 1) >>> 1;
      if (!before(atTick, atSequence, heapTick[parent], heapSequence[parent])) {
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
      int child = 2 * i + 1;
      if (child >= size) {
        break;
      }
      int right = child + 1;
      if (right < size && before(heapTick[right], heapSequence[right], heapTick[child], heapSequence[child])) {
        child = right;
      }
      if (!before(heapTick[child], heapSequence[child], atTick, atSequence)) {
        break;
      }
      move(child, i);
      i = child;
    }
    place(i, slot, atTick, atSequence);
  }

  private void move(int from, int to) {
    int slot = heap[from];
    heap[to] = slot;
    heapTick[to] = heapTick[from];
    heapSequence[to] = heapSequence[from];
    position[slot] = to;
  }

  private void place(int i, int slot, long atTick, long atSequence) {
    heap[i] = slot;
    heapTick[i] = atTick;
    heapSequence[i] = atSequence;
    position[slot] = i;
  }
}
