package io.ringmaster.sim.clock;

import java.util.Arrays;

/**
 * Entries ordered by (tick, sequence number): a {@link SlotHeap} over parallel arrays of entries. The
 * sequence number
 * is the order of insertion, so entries due at one tick come out in the order the simulation made
 * them, whatever threads ran in between. An entry is a kind, a GPU, an ordinal and a payload, read
 * through {@code peek*} before {@link #pop}.
 */
public final class TimedQueue<T> {
  private final SlotHeap heap = new SlotHeap();
  private int[] kinds = new int[0];
  private int[] gpus = new int[0];
  private long[] ordinals = new long[0];
  private Object[] payloads = new Object[0];
  private int[] free = new int[0];
  private int freeCount;
  private int slots;
  private long nextSequence;

  public void add(long tick, int kind, int gpu, long ordinal, T payload) {
    int slot = freeCount > 0 ? free[--freeCount] : newSlot();
    kinds[slot] = kind;
    gpus[slot] = gpu;
    ordinals[slot] = ordinal;
    payloads[slot] = payload;
    heap.push(slot, tick, nextSequence++);
  }

  public long peekTick() {
    return heap.isEmpty() ? Ticks.NEVER : heap.peekTick();
  }

  public int peekKind() {
    return kinds[heap.peek()];
  }

  public int peekGpu() {
    return gpus[heap.peek()];
  }

  public long peekOrdinal() {
    return ordinals[heap.peek()];
  }

  @SuppressWarnings("unchecked")
  public T peekPayload() {
    return (T) payloads[heap.peek()];
  }

  public void pop() {
    int slot = heap.pop();
    payloads[slot] = null;
    free[freeCount++] = slot;
  }

  public boolean isEmpty() {
    return heap.isEmpty();
  }

  public int size() {
    return heap.size();
  }

  /** Writes every entry, in (tick, sequence) order, through {@code entry}. */
  public void encode(StateEncoder encoder, EntryEncoder<T> entry) {
    Integer[] order = new Integer[heap.size()];
    for (int i = 0; i < order.length; i++) {
      order[i] = heap.at(i);
    }
    Arrays.sort(order, (a, b) -> heap.tick(a) != heap.tick(b) ? Long.compare(heap.tick(a), heap.tick(b))
        : Long.compare(heap.sequence(a), heap.sequence(b)));
    encoder.value(order.length);
    for (int slot : order) {
      encoder.time(heap.tick(slot)).value(kinds[slot]).value(gpus[slot]);
      entry.encode(encoder, kinds[slot], ordinals[slot], payload(slot));
    }
  }

  /** Moves every entry by the shift; all move alike, so the order is unchanged. */
  public void shift(PeriodShift shift, EntryShifter<T> entry) {
    heap.shift(shift.periods() * shift.ticks());
    for (int i = 0; i < heap.size(); i++) {
      int slot = heap.at(i);
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

  private int newSlot() {
    if (slots == kinds.length) {
      int capacity = Math.max(256, slots * 2);
      heap.grow(capacity);
      kinds = Arrays.copyOf(kinds, capacity);
      gpus = Arrays.copyOf(gpus, capacity);
      ordinals = Arrays.copyOf(ordinals, capacity);
      payloads = Arrays.copyOf(payloads, capacity);
      free = Arrays.copyOf(free, capacity);
    }
    return slots++;
  }
}
