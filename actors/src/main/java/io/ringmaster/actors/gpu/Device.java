package io.ringmaster.actors.gpu;

import io.ringmaster.actors.protocol.Work;

/**
 * What runs a GPU actor's work and keeps its time: in sim a cost model in virtual time, in live real
 * kernels on the wall clock. Work runs one piece at a time; each ends with a
 * {@link GpuActor.WorkCompleted} to the actor.
 */
public interface Device {
  void start(Work work);

  /** Now, in this device's ticks. */
  long nowTicks();

  double secondsPerTick();

  default double seconds(long ticks) {
    return ticks * secondsPerTick();
  }
}
