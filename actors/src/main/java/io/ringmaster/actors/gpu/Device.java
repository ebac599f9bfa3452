package io.ringmaster.actors.gpu;

import io.ringmaster.actors.protocol.MemoryHeld;
import io.ringmaster.actors.protocol.ShardData;
import io.ringmaster.actors.protocol.ShardSpec;
import io.ringmaster.actors.protocol.Work;
import java.util.List;

/**
 * What runs a GPU actor's work and keeps its time: in sim a cost model in virtual time, in live real
 * kernels on the wall clock. Work runs one piece at a time; each ends with a
 * {@link GpuActor.WorkCompleted} to the actor.
 */
public interface Device {
  /** A new shard for the actor: a live device sets up what it computes on (sim needs nothing). */
  default void assign(ShardSpec shard, ShardData data) {}

  void start(Work work);

  /** Now, in this device's ticks. */
  long nowTicks();

  double secondsPerTick();

  default double seconds(long ticks) {
    return ticks * secondsPerTick();
  }

  /**
   * What the device itself measured at its memory peak since the last call, by ledger entry, and
   * starts the next window: real buffers in live mode; empty in sim, whose memory is the program's.
   */
  default List<MemoryHeld> takeMemoryPeak() {
    return List.of();
  }

  /** The actor stopped: free what the device holds. */
  default void close() {}
}
