package io.ringmaster.sim.network;

import java.util.Arrays;

/**
 * Flow slots ordered by (completion tick, creation sequence): an indexed binary heap, so a flow whose
 * rate changes moves to its new place instead of leaving a stale entry behind.
 */
final class FlowHeap {
  private static final int ABSENT = -1;

  private int[] heap = new int[64];
  private int[] position = new int[0];
  private long[] tick = new long[0];
  private long[] sequence = new long[0];
  private int size;

  void grow(int slots) {
    int old = position.length;
    position = Arrays.copyOf(position, slots);
    Arrays.fill(position, old, slots, ABSENT);
    tick = Arrays.copyOf(tick, slots);
    sequence = Arrays.copyOf(sequence, slots);
    if (heap.length < slots) {
      heap = Arrays.copyOf(heap, slots);
    }
  }

  boolean isEmpty() {
    return size == 0;
  }

  long peekTick() {
    return tick[heap[0]];
  }

  void push(int slot, long atTick, long atSequence) {
    tick[slot] = atTick;
    sequence[slot] = atSequence;
    heap[size] = slot;
    position[slot] = size;
    size++;
    up(size - 1);
  }

  void update(int slot, long atTick, long atSequence) {
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

  int pop() {
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
  void shift(long ticks) {
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
