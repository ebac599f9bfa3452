package io.ringmaster.sim.clock;

import java.util.Arrays;

/**
 * Entries ordered by (tick, sequence number): a binary heap of slot numbers over parallel arrays of
 * entries, so sifting moves one int per level. The sequence number
 * is the order of insertion, so entries due at one tick come out in the order the simulation made
 * them, whatever threads ran in between. An entry is a kind, a GPU, an ordinal and a payload, read
 * through {@code peek*} before {@link #pop}.
 */
public final class TimedQueue<T> {
  private int[] heap = new int[256];
  private long[] ticks = new long[256];
  private long[] sequences = new long[256];
  private int[] kinds = new int[256];
  private int[] gpus = new int[256];
  private long[] ordinals = new long[256];
  private Object[] payloads = new Object[256];
  private int[] free = new int[256];
  private int freeCount;
  private int slots;
  private int size;
  private long nextSequence;

  public void add(long tick, int kind, int gpu, long ordinal, T payload) {
    int slot = freeCount > 0 ? free[--freeCount] : newSlot();
    ticks[slot] = tick;
    sequences[slot] = nextSequence++;
    kinds[slot] = kind;
    gpus[slot] = gpu;
    ordinals[slot] = ordinal;
    payloads[slot] = payload;
    int i = size++;
    while (i > 0) {
      int parent = (i - 1) >>> 1;
      if (!before(slot, heap[parent])) {
        break;
      }
      heap[i] = heap[parent];
      i = parent;
    }
    heap[i] = slot;
  }

  public long peekTick() {
    return size == 0 ? Ticks.NEVER : ticks[heap[0]];
  }

  public int peekKind() {
    return kinds[heap[0]];
  }

  public int peekGpu() {
    return gpus[heap[0]];
  }

  public long peekOrdinal() {
    return ordinals[heap[0]];
  }

  @SuppressWarnings("unchecked")
  public T peekPayload() {
    return (T) payloads[heap[0]];
  }

  public void pop() {
    int top = heap[0];
    payloads[top] = null;
    free[freeCount++] = top;
    int last = heap[--size];
    if (size == 0) {
      return;
    }
    int i = 0;
    while (true) {
      int child = 2 * i + 1;
      if (child >= size) {
        break;
      }
      if (child + 1 < size && before(heap[child + 1], heap[child])) {
        child++;
      }
      if (!before(heap[child], last)) {
        break;
      }
      heap[i] = heap[child];
      i = child;
    }
    heap[i] = last;
  }

  public boolean isEmpty() {
    return size == 0;
  }

  public int size() {
    return size;
  }

  /** Writes every entry, in (tick, sequence) order, through {@code entry}. */
  public void encode(StateEncoder encoder, EntryEncoder<T> entry) {
    Integer[] order = new Integer[size];
    for (int i = 0; i < size; i++) {
      order[i] = heap[i];
    }
    java.util.Arrays.sort(order, (a, b) -> ticks[a] != ticks[b] ? Long.compare(ticks[a], ticks[b])
        : Long.compare(sequences[a], sequences[b]));
    encoder.value(size);
    for (int slot : order) {
      encoder.time(ticks[slot]).value(kinds[slot]).value(gpus[slot]);
      entry.encode(encoder, kinds[slot], ordinals[slot], payload(slot));
    }
  }

  /** Moves every entry by the shift; all move alike, so the order is unchanged. */
  public void shift(PeriodShift shift, EntryShifter<T> entry) {
    for (int i = 0; i < size; i++) {
      int slot = heap[i];
      ticks[slot] = shift.tick(ticks[slot]);
      ordinals[slot] = entry.ordinal(kinds[slot], ordinals[slot]);
      payloads[slot] = entry.payload(payload(slot));
    }
  }

  @SuppressWarnings("unchecked")
  private T payload(int slot) {
    return (T) payloads[slot];
  }

  /** How an entry's ordinal and payload are written into a state encoding. */
  public interface EntryEncoder<T> {
    void encode(StateEncoder encoder, int kind, long ordinal, T payload);
  }

  /** How an entry's ordinal and payload move with a period shift. */
  public interface EntryShifter<T> {
    long ordinal(int kind, long ordinal);

    T payload(T payload);
  }

  private boolean before(int slotA, int slotB) {
    return ticks[slotA] < ticks[slotB] || (ticks[slotA] == ticks[slotB] && sequences[slotA] < sequences[slotB]);
  }

  private int newSlot() {
    if (slots == ticks.length) {
      int capacity = slots * 2;
      heap = Arrays.copyOf(heap, capacity);
      ticks = Arrays.copyOf(ticks, capacity);
      sequences = Arrays.copyOf(sequences, capacity);
      kinds = Arrays.copyOf(kinds, capacity);
      gpus = Arrays.copyOf(gpus, capacity);
      ordinals = Arrays.copyOf(ordinals, capacity);
      payloads = Arrays.copyOf(payloads, capacity);
      free = Arrays.copyOf(free, capacity);
    }
    return slots++;
  }
}
