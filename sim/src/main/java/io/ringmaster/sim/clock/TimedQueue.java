package io.ringmaster.sim.clock;

import java.util.Arrays;

/**
 * Entries ordered by (tick, sequence number): a binary heap over parallel arrays. The sequence number
 * is the order of insertion, so entries due at one tick come out in the order the simulation made
 * them, whatever threads ran in between. An entry is a kind, a GPU, an ordinal and a payload, read
 * through {@code peek*} before {@link #pop}.
 */
public final class TimedQueue<T> {
  private long[] ticks = new long[256];
  private long[] sequences = new long[256];
  private int[] kinds = new int[256];
  private int[] gpus = new int[256];
  private long[] ordinals = new long[256];
  private Object[] payloads = new Object[256];
  private int size;
  private long nextSequence;

  public void add(long tick, int kind, int gpu, long ordinal, T payload) {
    if (size == ticks.length) {
      grow();
    }
    int i = size++;
    long sequence = nextSequence++;
    while (i > 0) {
      int parent = (i - 1) >>> 1;
      if (!before(tick, sequence, ticks[parent], sequences[parent])) {
        break;
      }
      copy(parent, i);
      i = parent;
    }
    set(i, tick, sequence, kind, gpu, ordinal, payload);
  }

  public long peekTick() {
    return size == 0 ? Ticks.NEVER : ticks[0];
  }

  public int peekKind() {
    return kinds[0];
  }

  public int peekGpu() {
    return gpus[0];
  }

  public long peekOrdinal() {
    return ordinals[0];
  }

  @SuppressWarnings("unchecked")
  public T peekPayload() {
    return (T) payloads[0];
  }

  public void pop() {
    int last = --size;
    long tick = ticks[last];
    long sequence = sequences[last];
    int kind = kinds[last];
    int gpu = gpus[last];
    long ordinal = ordinals[last];
    Object payload = payloads[last];
    payloads[last] = null;
    if (last == 0) {
      return;
    }
    int i = 0;
    while (true) {
      int child = 2 * i + 1;
      if (child >= last) {
        break;
      }
      if (child + 1 < last && before(ticks[child + 1], sequences[child + 1], ticks[child], sequences[child])) {
        child++;
      }
      if (!before(ticks[child], sequences[child], tick, sequence)) {
        break;
      }
      copy(child, i);
      i = child;
    }
    set(i, tick, sequence, kind, gpu, ordinal, payload);
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
      order[i] = i;
    }
    java.util.Arrays.sort(order, (a, b) -> ticks[a] != ticks[b] ? Long.compare(ticks[a], ticks[b])
        : Long.compare(sequences[a], sequences[b]));
    encoder.value(size);
    for (int i : order) {
      encoder.time(ticks[i]).value(kinds[i]).value(gpus[i]);
      entry.encode(encoder, kinds[i], ordinals[i], payload(i));
    }
  }

  /** Moves every entry by the shift; all move alike, so the order is unchanged. */
  public void shift(PeriodShift shift, EntryShifter<T> entry) {
    for (int i = 0; i < size; i++) {
      ticks[i] = shift.tick(ticks[i]);
      ordinals[i] = entry.ordinal(kinds[i], ordinals[i]);
      payloads[i] = entry.payload(payload(i));
    }
  }

  @SuppressWarnings("unchecked")
  private T payload(int i) {
    return (T) payloads[i];
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

  private static boolean before(long tickA, long sequenceA, long tickB, long sequenceB) {
    return tickA < tickB || (tickA == tickB && sequenceA < sequenceB);
  }

  private void copy(int from, int to) {
    set(to, ticks[from], sequences[from], kinds[from], gpus[from], ordinals[from], payloads[from]);
  }

  private void set(int i, long tick, long sequence, int kind, int gpu, long ordinal, Object payload) {
    ticks[i] = tick;
    sequences[i] = sequence;
    kinds[i] = kind;
    gpus[i] = gpu;
    ordinals[i] = ordinal;
    payloads[i] = payload;
  }

  private void grow() {
    int capacity = ticks.length * 2;
    ticks = Arrays.copyOf(ticks, capacity);
    sequences = Arrays.copyOf(sequences, capacity);
    kinds = Arrays.copyOf(kinds, capacity);
    gpus = Arrays.copyOf(gpus, capacity);
    ordinals = Arrays.copyOf(ordinals, capacity);
    payloads = Arrays.copyOf(payloads, capacity);
  }
}
