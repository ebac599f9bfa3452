package io.ringmaster.sim.clock;

import java.util.Arrays;

/**
 * Slots (small integer ids) ordered by (tick, sequence number): an indexed binary heap that moves one
 * int per level, and moves an entry whose tick changes to its new place instead of leaving a stale
 * entry behind.
 */
public final class SlotHeap {
  private static final int ABSENT = -1;

  private int[] heap = new int[64];
  private int[] position = new int[0];
  private long[] tick = new long[0];
  private long[] sequence = new long[0];
  private int size;

  public void grow(int slots) {
    int old = position.length;
    position = Arrays.copyOf(position, slots);
    Arrays.fill(position, old, slots, ABSENT);
    tick = Arrays.copyOf(tick, slots);
    sequence = Arrays.copyOf(sequence, slots);
    if (heap.length < slots) {
      heap = Arrays.copyOf(heap, slots);
    }
  }

  public boolean isEmpty() {
    return size == 0;
  }

  public long peekTick() {
    return tick[heap[0]];
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

  public long tick(int slot) {
    return tick[slot];
  }

  public long sequence(int slot) {
    return sequence[slot];
  }

  public void push(int slot, long atTick, long atSequence) {
    tick[slot] = atTick;
    sequence[slot] = atSequence;
    heap[size] = slot;
    position[slot] = size;
    size++;
    up(size - 1);
  }

  public void update(int slot, long atTick, long atSequence) {
    if (position[slot] == ABSENT) {
      push(slot, atTick, atSequence);
      return;
    }
    tick[slot] = atTick;
    sequence[slot] = atSequence;
    int i = position[slot];
    up(i);
    down(position[slot]);
  }

  public int pop() {
    int top = heap[0];
    size--;
    position[top] = ABSENT;
    if (size > 0) {
      heap[0] = heap[size];
      position[heap[0]] = 0;
      down(0);
    }
    return top;
  }

  /** Moves every entry by {@code ticks}; all move alike, so the heap order holds. */
  public void shift(long ticks) {
    for (int i = 0; i < size; i++) {
      tick[heap[i]] += ticks;
    }
  }

  private boolean before(int a, int b) {
    return tick[a] < tick[b] || (tick[a] == tick[b] && sequence[a] < sequence[b]);
  }

  private void up(int i) {
    int slot = heap[i];
    while (i > 0) {
      int parent = (i - 1) >>> 1;
      if (!before(slot, heap[parent])) {
        break;
      }
      heap[i] = heap[parent];
      position[heap[i]] = i;
      i = parent;
    }
    heap[i] = slot;
    position[slot] = i;
  }

  private void down(int i) {
    int slot = heap[i];
    while (true) {
      int child = 2 * i + 1;
      if (child >= size) {
        break;
      }
      if (child + 1 < size && before(heap[child + 1], heap[child])) {
        child++;
      }
      if (!before(heap[child], slot)) {
        break;
      }
      heap[i] = heap[child];
      position[heap[i]] = i;
      i = child;
    }
    heap[i] = slot;
    position[slot] = i;
  }
}
