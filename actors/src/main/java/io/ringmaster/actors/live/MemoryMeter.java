package io.ringmaster.actors.live;

import io.ringmaster.actors.protocol.MemoryHeld;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The bytes a live GPU holds, by memory-ledger entry, from the real sizes of its tensors and host
 * buffers, and what each entry held when the total peaked. Updated from the actor's thread and its
 * compute stream, hence synchronised.
 */
final class MemoryMeter {
  /** The ledger entries a live GPU holds (their JSON names in the memory ledger). */
  enum Entry {
    /** Each layer's state kept from its forward to its backward: Q and K after RoPE, V, output, LSE. */
    ACTIVATIONS("activations"),
    /** A layer's output gradient while its backward runs (the working set of the layer's backward). */
    WORKING_SET("recomputeWorkingSet"),
    /** Blocks received and uploaded, travelling dK/dV, this rank's contributions, the fp32 dQ. */
    RING_BUFFERS("ringBuffers");

    final String ledgerName;

    Entry(String ledgerName) {
      this.ledgerName = ledgerName;
    }
  }

  private final Map<Entry, Long> held = new LinkedHashMap<>();
  private Map<Entry, Long> atPeak = new LinkedHashMap<>();
  private long total;
  private long peak;

  MemoryMeter() {
    for (Entry entry : Entry.values()) {
      held.put(entry, 0L);
    }
    atPeak.putAll(held);
  }

  synchronized void hold(Entry entry, long bytes) {
    held.merge(entry, bytes, Long::sum);
    total += bytes;
    if (total > peak) {
      peak = total;
      atPeak = new LinkedHashMap<>(held);
    }
  }

  synchronized void release(Entry entry, long bytes) {
    long now = held.get(entry) - bytes;
    if (now < 0) {
      throw new IllegalStateException(entry + " would hold " + now + " bytes");
    }
    held.put(entry, now);
    total -= bytes;
  }

  synchronized long totalBytes() {
    return total;
  }

  /** What each entry held at the peak since the last call; the next window starts at what is held now. */
  synchronized List<MemoryHeld> takePeak() {
    List<MemoryHeld> peakHeld = new ArrayList<>();
    atPeak.forEach((entry, bytes) -> peakHeld.add(new MemoryHeld(entry.ledgerName, bytes)));
    peak = total;
    atPeak = new LinkedHashMap<>(held);
    return peakHeld;
  }
}
