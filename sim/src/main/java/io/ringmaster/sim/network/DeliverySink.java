package io.ringmaster.sim.network;

import io.ringmaster.actors.gpu.GpuActor;

/** Where the fabric hands what it delivers: a command due to a GPU actor at a virtual tick. */
public interface DeliverySink {
  void deliver(long tick, int gpu, GpuActor.Command command);
}
