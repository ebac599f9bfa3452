package io.ringmaster.sim.engine;

import io.ringmaster.actors.protocol.StageReport;
import io.ringmaster.sim.network.LinkReport;
import io.ringmaster.sim.network.Traffic;
import io.ringmaster.topology.network.LinkKind;
import java.util.List;
import java.util.Map;

/**
 * What a stage simulation produced. Everything but {@link EngineStats#simulatedEvents} and
 * {@link EngineStats#fastForwards} is the same whether periods were fast-forwarded or not.
 *
 * @param report every GPU's account of every step, as the GPU actors reported it
 * @param links every link's account, by link id
 * @param bottleneckSeconds per kind of traffic, the seconds its transfers ran limited by each kind of link
 */
public record StageOutcome(
    StageReport report,
    List<LinkReport> links,
    Map<Traffic, Map<LinkKind, Double>> bottleneckSeconds,
    EngineStats engine) {

  /**
   * @param events everything the simulation represents: commands to GPU actors, transfers completed and
   *     landed, including those inside fast-forwarded periods
   * @param simulatedEvents the part of {@code events} actually processed
   * @param instants distinct virtual instants processed
   * @param fastForwards how many times identical periods were skipped
   * @param virtualSeconds the simulated time, all steps together
   */
  public record EngineStats(long events, long simulatedEvents, long instants, long fastForwards,
      double virtualSeconds) {}
}
