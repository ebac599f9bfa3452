package io.ringmaster.sim.engine;

import io.ringmaster.actors.gpu.GpuActor;
import io.ringmaster.sim.clock.PeriodShift;

/**
 * Watches a simulation from inside the coordinator, in virtual-time order, for tests that check
 * invariants. Called on the coordinator's thread only.
 */
public interface SimulationObserver {
  SimulationObserver NONE = new SimulationObserver() {};

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
