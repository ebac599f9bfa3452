package io.ringmaster.app;

import io.ringmaster.sim.cost.GpuProfile;
import io.ringmaster.sim.engine.SimulationEngine;
import io.ringmaster.sim.engine.SimulationObserver;
import io.ringmaster.sim.engine.StageSetup;
import io.ringmaster.sim.report.ChromeTrace;
import io.ringmaster.sim.report.SimulationJson;
import io.ringmaster.sim.report.SimulationTable;
import io.ringmaster.sim.workload.PlanSimulation;
import io.ringmaster.sim.workload.SimulationReport;
import io.ringmaster.sim.workload.StageResult;
import io.ringmaster.topology.input.InputError;
import io.ringmaster.topology.input.Origin;
import io.ringmaster.topology.plan.PlanLoader;
import io.ringmaster.topology.plan.Stage;
import io.ringmaster.topology.plan.TrainingPlan;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code ringmaster simulate}: every stage of a plan in virtual time; step time, breakdown, bottleneck, total. */
@Command(
    name = "simulate",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    optionListHeading = "%nOptions:%n",
    description = {
      "How long does each stage take, and what holds it back?",
      "Simulates one training step of every stage, every layer and ring step on every GPU, and prints step"
          + " time, stage minutes, MFU, where the time goes, the bottleneck and peak memory. By default the"
          + " plan is gradient-llama3-8b, on 512 L40S GPUs (crusoe-l40s:512).",
      "On stderr: a line as the stages start, every " + PlanSimulation.HEARTBEAT_SECONDS + " s a line per stage"
          + " running (where in the step it is), and a line as each stage is done."
    })
public final class SimulateCommand implements Callable<Integer> {
  /** About 100 bytes of JSON per event: a trace of at most some 50 MB, which ui.perfetto.dev opens at once. */
  static final int DEFAULT_TRACE_EVENTS = 500_000;

  @Spec private CommandSpec spec;

  @Mixin private SimulationOptions options;

  @Mixin private PlanSettings settings;

  @Option(names = "--trace", paramLabel = "FILE.json",
      description = "Write one training step of one stage as a Chrome/Perfetto trace, which ui.perfetto.dev opens.")
  private Optional<Path> trace;

  @Option(names = "--trace-stage", paramLabel = "NAME", description = "The stage to trace; default the first simulated.")
  private Optional<String> traceStage;

  @Option(names = "--trace-events", paramLabel = "N", defaultValue = "" + DEFAULT_TRACE_EVENTS,
      description = "Keep the first N events of the traced step; default ${DEFAULT-VALUE}.")
  private int traceEvents;

  @Override
  public Integer call() throws IOException {
    boolean json = options.json();
    TrainingPlan trainingPlan = PlanLoader.load(PlanSettings.option("--plan", options.plan),
        settings.settingOverrides(), settings.clusterOverrides());
    List<Stage> stages = options.stage.map(name -> List.of(trainingPlan.requireStage(name, "--stage")))
        .orElse(trainingPlan.stages());
    GpuProfile gpuProfile = PlanSimulation.profile(trainingPlan, options.profile);
    Tracing tracing = tracing(trainingPlan, stages);
    PrintWriter err = spec.commandLine().getErr();
    SimulationReport report;
    try (SimulationEngine engine = new SimulationEngine()) {
      report = PlanSimulation.run(engine, trainingPlan, stages, gpuProfile, tracing, new ProgressLines(err));
    }
    tracing.write(err);
    PrintWriter out = spec.commandLine().getOut();
    out.print(json ? SimulationJson.render(report, options.reproducible) : SimulationTable.render(report));
    out.flush();
    return 0;
  }

  private Tracing tracing(TrainingPlan trainingPlan, List<Stage> stages) {
    if (trace.isEmpty()) {
      if (traceStage.isPresent()) {
        throw new InputError(Origin.commandLine(), "--trace-stage", "only with --trace FILE.json");
      }
      return new Tracing(null, null, traceEvents);
    }
    if (traceEvents < 1) {
      throw new InputError(Origin.commandLine(), "--trace-events", "expected a positive number of events, got "
          + traceEvents);
    }
    Stage traced = traceStage.map(name -> trainingPlan.requireStage(name, "--trace-stage")).orElse(stages.get(0));
    if (!stages.contains(traced)) {
      throw new InputError(Origin.commandLine(), "--trace-stage", "stage " + traced.name()
          + " is not simulated (--stage " + stages.get(0).name() + ")");
    }
    Path file = trace.get();
    Path folder = file.toAbsolutePath().getParent();
    if (folder != null && !Files.isDirectory(folder)) {
      throw new InputError(Origin.commandLine(), "--trace", "no folder " + folder + " to write " + file + " in");
    }
    return new Tracing(traced, file, traceEvents);
  }

  /** The trace of one stage, if one was asked for: recorded while that stage is simulated, written after. */
  private static final class Tracing implements PlanSimulation.Observers {
    private final Stage stage;
    private final Path file;
    private final int maxEvents;
    private ChromeTrace recorder;

    private Tracing(Stage stage, Path file, int maxEvents) {
      this.stage = stage;
      this.file = file;
      this.maxEvents = maxEvents;
    }

    @Override
    public SimulationObserver observe(Stage simulated, StageSetup setup) {
      if (!simulated.equals(stage)) {
        return SimulationObserver.NONE;
      }
      recorder = new ChromeTrace(setup, maxEvents);
      return recorder;
    }

    void write(PrintWriter err) throws IOException {
      if (recorder == null) {
        return;
      }
      try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(file))) {
        recorder.write(out);
      }
      ChromeTrace.Coverage coverage = recorder.coverage();
      err.printf(Locale.ROOT, "ringmaster: trace of stage %s written to %s: %,d events%s; open it in"
              + " ui.perfetto.dev%n", stage.name(), file, coverage.events(),
          coverage.truncated()
              ? String.format(Locale.ROOT, ", the first %.3f s of the step (the limit of --trace-events %d)",
                  coverage.coveredSeconds(), maxEvents)
              : ", the whole step");
      err.flush();
    }
  }

  /**
   * A line on stderr as the stages start (some side by side); every {@link PlanSimulation#HEARTBEAT} a line
   * per stage running, saying where in the step it is; then one per stage in stage order: its name and
   * GPUs, and the wall seconds from the start until it was done.
   */
  private static final class ProgressLines implements PlanSimulation.Progress {
    private final PrintWriter err;

    private ProgressLines(PrintWriter err) {
      this.err = err;
    }

    @Override
    public void stagesStarted(List<Stage> stages, int atATime) {
      err.printf(Locale.ROOT, "ringmaster: simulating %d stage%s, %d at a time…%n", stages.size(),
          stages.size() == 1 ? "" : "s", Math.min(atATime, stages.size()));
      err.flush();
    }

    @Override
    public void stagesRunning(List<PlanSimulation.RunningStage> running, double wallSeconds) {
      printRunning(err, running, wallSeconds);
    }

    @Override
    public void stageFinished(Stage stage, StageResult result, double wallSeconds) {
      err.printf(Locale.ROOT, "ringmaster: stage %s on %d GPUs (%d × %d) done at %.1f s%n", stage.name(),
          stage.gpus(), stage.rings(), stage.ringSize(), wallSeconds);
      err.flush();
    }
  }

  /**
   * A line per stage running, e.g. {@code ringmaster: stage 4194K at 30 s: micro-batch 1 of 2, backward,
   * layer 17 of 32; 312.5 s of the step simulated} (where its GPU 0 is; the step's virtual time so far).
   */
  static void printRunning(PrintWriter err, List<PlanSimulation.RunningStage> running, double wallSeconds) {
    for (PlanSimulation.RunningStage stage : running) {
      err.printf(Locale.ROOT, "ringmaster: stage %s at %.0f s: %s; %,.1f s of the step simulated%n",
          stage.stage().name(), wallSeconds, stage.position().describe(), stage.virtualSeconds());
    }
    err.flush();
  }
}
