package io.ringmaster.sim.engine;

/**
 * How to run a simulation.
 *
 * @param reportBlocks every GPU reports every attention block (for traces; costs a message per block)
 * @param fastForward skip repeated identical periods exactly (see {@code PeriodDetector})
 * @param dispatcherThreads threads that run the actors; results do not depend on it
 */
public record SimOptions(boolean reportBlocks, boolean fastForward, int dispatcherThreads,
    SimulationObserver observer) {
  public static final SimOptions DEFAULT = new SimOptions(false, true, 2, SimulationObserver.NONE);

  public SimOptions withObserver(SimulationObserver watching) {
    return new SimOptions(reportBlocks, fastForward, dispatcherThreads, watching);
  }

  public SimOptions withFastForward(boolean enabled) {
    return new SimOptions(reportBlocks, enabled, dispatcherThreads, observer);
  }

  public SimOptions withBlockReports(boolean enabled) {
    return new SimOptions(enabled, fastForward, dispatcherThreads, observer);
  }
}
