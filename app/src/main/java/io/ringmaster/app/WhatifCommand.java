package io.ringmaster.app;

import io.ringmaster.sim.engine.SimulationEngine;
import io.ringmaster.sim.report.WhatIfJson;
import io.ringmaster.sim.report.WhatIfTable;
import io.ringmaster.sim.whatif.PlanVariants;
import io.ringmaster.sim.whatif.Variation;
import io.ringmaster.sim.whatif.WhatIfSweep;
import io.ringmaster.sim.workload.PlanSimulation;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code ringmaster whatif}: every combination of some plan and cluster fields, simulated and ranked. */
@Command(
    name = "whatif",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    optionListHeading = "%nOptions:%n",
    description = {
      "What changes with a faster NIC, another placement, more rings?",
      "Simulates every combination of the values given and ranks them by the plan's total time, with the"
          + " speed-up over the plan as given.",
      "Keys: ring (GPUs per ring, each stage keeping its GPUs), rings, nic-gbps, nodes, gpu, placement, zero,"
          + " offload, layout, any cluster field (as --set takes), plan field or stage field. For example:",
      "  ringmaster whatif --stage 1048K --vary nic-gbps=100,400 --vary ring=32,64"
    })
public final class WhatifCommand implements Callable<Integer> {
  @Spec private CommandSpec spec;

  @Mixin private SimulationOptions options;

  @Option(names = "--vary", paramLabel = "KEY=V1,V2,...", required = true,
      description = "A field and the values to try (repeatable: every combination is simulated).")
  private List<String> varies = new ArrayList<>();

  @Mixin private PlanSettings settings;

  @Override
  public Integer call() {
    boolean json = options.json();
    List<Variation> variations = varies.stream().map(text -> Variation.parse(text, "--vary")).toList();
    PlanVariants variants = new PlanVariants(PlanSettings.option("--plan", options.plan), settings.settingOverrides(),
        settings.clusterOverrides());
    WhatIfSweep.Result result;
    try (SimulationEngine engine = new SimulationEngine()) {
      result = new WhatIfSweep(engine, variants, options.stage, options.profile).run(variations,
          new ProgressLines(spec.commandLine().getErr()));
    }
    PrintWriter out = spec.commandLine().getOut();
    out.print(json ? WhatIfJson.render(result, options.reproducible) : WhatIfTable.render(result));
    out.flush();
    return 0;
  }

  /**
   * One line per combination on stderr: which it is, then its total or why it is invalid, and wall seconds;
   * a combination that takes longer than {@link PlanSimulation#HEARTBEAT} gets the simulate command's
   * lines on where its stage is, and then its own line again with the outcome.
   */
  private static final class ProgressLines implements WhatIfSweep.Progress {
    private final PrintWriter err;
    private String combination = "";
    private boolean lineOpen;

    private ProgressLines(PrintWriter err) {
      this.err = err;
    }

    @Override
    public void started(int index, int count, Map<String, String> assignments) {
      combination = String.format(Locale.ROOT, "ringmaster: [%d/%d] %s…", index, count,
          index == 0 ? "the plan as given" : WhatIfSweep.label(assignments));
      err.print(combination);
      err.flush();
      lineOpen = true;
    }

    @Override
    public void stagesRunning(List<PlanSimulation.RunningStage> running, double wallSeconds) {
      if (lineOpen) {
        err.println();
        lineOpen = false;
      }
      SimulateCommand.printRunning(err, running, wallSeconds);
    }

    @Override
    public void finished(WhatIfSweep.Outcome outcome, double wallSeconds) {
      err.print(lineOpen ? " " : combination + " ");
      lineOpen = false;
      if (outcome instanceof WhatIfSweep.Simulated simulated) {
        err.printf(Locale.ROOT, "%,.1f minutes in all (%.1f s)%n", simulated.report().totalMinutes(), wallSeconds);
      } else {
        err.printf(Locale.ROOT, "invalid (%.1f s)%n", wallSeconds);
      }
      err.flush();
    }
  }
}
