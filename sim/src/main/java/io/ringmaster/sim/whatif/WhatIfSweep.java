package io.ringmaster.sim.whatif;

import io.ringmaster.sim.cost.GpuProfile;
import io.ringmaster.sim.engine.SimulationEngine;
import io.ringmaster.sim.workload.PlanSimulation;
import io.ringmaster.sim.workload.PlanWorkloads;
import io.ringmaster.sim.workload.SimulationReport;
import io.ringmaster.sim.workload.StageResult;
import io.ringmaster.sim.workload.StageWorkload;
import io.ringmaster.topology.cluster.ClusterSpec;
import io.ringmaster.topology.input.InputError;
import io.ringmaster.topology.input.Origin;
import io.ringmaster.topology.plan.Stage;
import io.ringmaster.topology.plan.TrainingPlan;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Every combination of the values of some plan and cluster fields, simulated on one engine and ranked by
 * the plan's total time against the plan as given. A combination the plan cannot take (a ring that does
 * not divide a stage's GPUs) is listed as invalid with the reason, and the sweep goes on. A stage whose
 * simulation inputs a combination does not change (one ring: packed or spread place it alike) is
 * simulated once.
 */
public final class WhatIfSweep {
  /**
   * Hears about each combination as it is simulated, for progress lines; and, as a
   * {@link PlanSimulation.Progress}, about each stage simulated for it (one at a time: a stage whose
   * inputs were simulated before is not simulated again).
   */
  public interface Progress extends PlanSimulation.Progress {
    Progress NONE = new Progress() {};

    /** {@code index} counts from 1; the plan as given is index 0. */
    default void started(int index, int count, Map<String, String> assignments) {}

    default void finished(Outcome outcome, double wallSeconds) {}
  }

  /** What became of one combination. */
  public sealed interface Outcome permits Simulated, Invalid {
    Map<String, String> assignments();
  }

  /** @param speedup the plan as given's total time over this one's */
  public record Simulated(Map<String, String> assignments, SimulationReport report, double speedup)
      implements Outcome {}

  /** @param reason what the plan could not take, e.g. "--vary rings: 3 rings do not divide 8 GPUs; ..." */
  public record Invalid(Map<String, String> assignments, String reason) implements Outcome {}

  /** A combination in words: {@code placement=spread nic-gbps=100}. */
  public static String label(Map<String, String> assignments) {
    List<String> parts = new ArrayList<>();
    assignments.forEach((key, value) -> parts.add(key + "=" + value));
    return String.join(" ", parts);
  }

  /**
   * @param ranked simulated combinations that fit from the fastest, then those out of memory from the
   *     fastest, then the invalid ones in the order the combinations were tried
   * @param stagesSimulated stage simulations actually run (the rest were the same as one run before)
   */
  public record Result(SimulationReport asGiven, List<Outcome> ranked, int stagesSimulated, double wallSeconds) {
    public Result {
      ranked = List.copyOf(ranked);
    }

    public long events() {
      return ranked.stream().filter(Simulated.class::isInstance).mapToLong(o -> ((Simulated) o).report().events())
          .sum() + asGiven.events();
    }
  }

  private final SimulationEngine engine;
  private final PlanVariants variants;
  private final Optional<String> stageName;
  private final Optional<String> profileName;
  private final Map<StageKey, StageResult> simulated = new HashMap<>();

  /**
   * @param stageName only this stage of the plan, or every stage
   * @param profileName the cost profile for every combination, or each combination's GPU's own
   */
  public WhatIfSweep(SimulationEngine engine, PlanVariants variants, Optional<String> stageName,
      Optional<String> profileName) {
    this.engine = engine;
    this.variants = variants;
    this.stageName = stageName;
    this.profileName = profileName;
  }

  public Result run(List<Variation> variations, Progress progress) {
    check(variations);
    TrainingPlan asGivenPlan = variants.asGiven();
    // a bad --stage or --profile is reported before the first progress line
    stages(asGivenPlan);
    PlanSimulation.profile(asGivenPlan, profileName);
    long start = System.nanoTime();
    List<Map<String, String>> combinations = combinations(variations);
    progress.started(0, combinations.size(), Map.of());
    long asGivenStart = System.nanoTime();
    SimulationReport asGiven = simulate(asGivenPlan, progress);
    progress.finished(new Simulated(Map.of(), asGiven, 1), seconds(asGivenStart));
    List<Outcome> outcomes = new ArrayList<>();
    for (int i = 0; i < combinations.size(); i++) {
      Map<String, String> assignments = combinations.get(i);
      progress.started(i + 1, combinations.size(), assignments);
      long combinationStart = System.nanoTime();
      Outcome outcome = outcome(assignments, asGiven, progress);
      progress.finished(outcome, seconds(combinationStart));
      outcomes.add(outcome);
    }
    return new Result(asGiven, rank(outcomes), simulated.size(), seconds(start));
  }

  private Outcome outcome(Map<String, String> assignments, SimulationReport asGiven, Progress progress) {
    SimulationReport report;
    try {
      report = simulate(variants.with(assignments, stageName), progress);
    } catch (InputError | IllegalArgumentException invalid) {
      // every value of a what-if comes from the command line: the reason need not say so
      String prefix = Origin.commandLine().describe() + ": ";
      String reason = invalid.getMessage();
      return new Invalid(assignments, reason.startsWith(prefix) ? reason.substring(prefix.length()) : reason);
    }
    return new Simulated(assignments, report, asGiven.totalMinutes() / report.totalMinutes());
  }

  private SimulationReport simulate(TrainingPlan plan, Progress progress) {
    GpuProfile profile = PlanSimulation.profile(plan, profileName);
    List<StageResult> results = new ArrayList<>();
    for (Stage stage : stages(plan)) {
      StageWorkload workload = PlanWorkloads.workload(plan, stage);
      StageKey key = new StageKey(workload, sameNetwork(plan.cluster()), profile, stage.steps());
      StageResult result = simulated.get(key);
      if (result == null) {
        result = PlanSimulation.stage(engine, plan, stage, profile, PlanSimulation.Observers.NONE, progress);
        simulated.put(key, result);
      }
      results.add(result);
    }
    return new SimulationReport(plan, profile.name(), results, 0);
  }

  private List<Stage> stages(TrainingPlan plan) {
    if (stageName.isEmpty()) {
      return plan.stages();
    }
    return List.of(plan.requireStage(stageName.get(), "--stage"));
  }

  /** Everything of a cluster that the simulation sees: all but the name, which records how it was asked for. */
  private static ClusterSpec sameNetwork(ClusterSpec cluster) {
    return new ClusterSpec("", cluster.nodes(), cluster.node(), cluster.fabric());
  }

  private static void check(List<Variation> variations) {
    Set<String> keys = new HashSet<>();
    for (Variation variation : variations) {
      if (!keys.add(variation.key())) {
        throw new InputError(Origin.commandLine(), "--vary", variation.key() + " is varied twice; give its values"
            + " in one --vary " + variation.key() + "=V1,V2,...");
      }
    }
    if (keys.contains(PlanVariants.RING) && keys.contains(PlanVariants.RINGS)) {
      throw new InputError(Origin.commandLine(), "--vary", "vary ring (GPUs per ring) or rings (rings per stage),"
          + " not both: each decides the other");
    }
  }

  /** The cartesian product, the first variation's values changing slowest. */
  static List<Map<String, String>> combinations(List<Variation> variations) {
    List<Map<String, String>> combinations = new ArrayList<>();
    combinations.add(new LinkedHashMap<>());
    for (Variation variation : variations) {
      List<Map<String, String>> extended = new ArrayList<>();
      for (Map<String, String> partial : combinations) {
        for (String value : variation.values()) {
          Map<String, String> next = new LinkedHashMap<>(partial);
          next.put(variation.key(), value);
          extended.add(next);
        }
      }
      combinations = extended;
    }
    return combinations.stream().map(Collections::unmodifiableMap).toList();
  }

  /** The combinations that fit first, fastest first; then those out of memory; then the invalid ones. */
  private static List<Outcome> rank(List<Outcome> outcomes) {
    List<Outcome> ranked = new ArrayList<>(outcomes.stream().filter(Simulated.class::isInstance)
        .map(Simulated.class::cast)
        .sorted(Comparator.comparing((Simulated o) -> o.report().outOfMemory())
            .thenComparingDouble(o -> o.report().totalMinutes()))
        .map(Outcome.class::cast).toList());
    ranked.addAll(outcomes.stream().filter(Invalid.class::isInstance).toList());
    return ranked;
  }

  private static double seconds(long sinceNanos) {
    return (System.nanoTime() - sinceNanos) / 1e9;
  }

  private record StageKey(StageWorkload workload, ClusterSpec network, GpuProfile profile, int steps) {}
}
