package io.ringmaster.sim.engine;

/**
 * How to run a simulation.
 *
 * @param reportBlocks every GPU reports every attention block (for traces; costs a message per block)
 * @param fastForward skip repeated identical periods exactly (see {@code FastForward}); block
 *     reports turn it off, since the skipped blocks would not be reported
 */
public record SimOptions(boolean reportBlocks, boolean fastForward, SimulationObserver observer) {
  public static final SimOptions DEFAULT = new SimOptions(false, true, SimulationObserver.NONE);

  public SimOptions withObserver(SimulationObserver watching) {
    return new SimOptions(reportBlocks, fastForward, watching);
  }

  public SimOptions withFastForward(boolean enabled) {
    return new SimOptions(reportBlocks, enabled, observer);
  }

  public SimOptions withBlockReports(boolean enabled) {
    return new SimOptions(enabled, fastForward, observer);
  }
}
