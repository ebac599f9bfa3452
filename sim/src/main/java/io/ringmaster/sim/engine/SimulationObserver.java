package io.ringmaster.sim.engine;

import io.ringmaster.actors.gpu.GpuActor;
import io.ringmaster.actors.protocol.Activity;
import io.ringmaster.actors.protocol.Work;
import io.ringmaster.sim.clock.PeriodShift;
import io.ringmaster.sim.network.TransferObserver;

/**
 * Watches a simulation from inside the coordinator, in virtual-time order, for tests that check
 * invariants and for traces. Called on the coordinator's thread only. What happens inside periods that
 * are fast-forwarded is not reported: a trace runs with fast-forward off.
 */
public interface SimulationObserver extends TransferObserver {
  SimulationObserver NONE = new SimulationObserver() {};

  /**
   * Whether {@link #activity} is wanted: it costs a look at every GPU that handled commands, after
   * every instant, so only traces ask for it.
   */
  default boolean watchesActivities() {
    return false;
  }

  /**
   * After an instant in which {@code gpu} handled commands: what its compute stream does now, and
   * since when. Activities that began and ended within the instant took no time and are not reported.
   */
  default void activity(int gpu, Activity activity, long sinceTick) {}

  /** {@code gpu} started {@code work} at {@code startTick}; it completes at {@code endTick}. */
  default void workStarted(int gpu, Work work, long startTick, long endTick) {}

  /** The coordinator is about to process virtual instant {@code tick}. */
  default void instant(long tick) {}

  /** A GPU posted a ring exchange sending {@code block} to the next rank. */
  default void sent(int gpu, GpuActor.KvBlock block) {}

  /** A ring block was delivered to {@code gpu} at {@code tick}. */
  default void received(long tick, int gpu, GpuActor.KvBlock block) {}

  /**
   * The engine jumped over identical periods: blocks in flight now carry their layer moved by the
   * shift, and time continues from the moved instant.
   */
  default void fastForwarded(PeriodShift shift) {}
}
