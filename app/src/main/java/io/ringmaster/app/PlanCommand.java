package io.ringmaster.app;

import io.ringmaster.sim.planning.CapacityPlanner;
import io.ringmaster.sim.planning.Search;
import io.ringmaster.sim.planning.StageFit;
import io.ringmaster.sim.report.MemoryJson;
import io.ringmaster.sim.report.MemoryTable;
import io.ringmaster.topology.input.InputError;
import io.ringmaster.topology.input.Origin;
import io.ringmaster.topology.input.YamlValue.Scalar;
import io.ringmaster.topology.plan.PlanLoader;
import io.ringmaster.topology.plan.Stage;
import io.ringmaster.topology.plan.TrainingPlan;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code ringmaster plan}: the per-GPU memory ledger of a stage or plan; the longest context; the smallest ring. */
@Command(
    name = "plan",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    optionListHeading = "%nOptions:%n",
    description = {
      "Does it fit? The per-GPU memory ledger of each stage, against the GPU's memory.",
      "The stages of a plan, or one stage given by options:",
      "  ringmaster plan --plan FILE|NAME [--stage NAME]",
      "  ringmaster plan --model M --cluster C --seq-len N --ring R [--rings K] ...",
      "Add --max-context (the longest sequence that fits on the ring) or --min-ring (the smallest ring that"
          + " fits the sequence)."
    })
public final class PlanCommand implements Callable<Integer> {
  /** The name of the plan and stage given by options rather than a plan file. */
  private static final String AD_HOC = "command line";

  @Spec private CommandSpec spec;

  @Mixin private PlanSettings settings;

  @Option(names = "--plan", paramLabel = "FILE|NAME", description = "A plan YAML file or a packaged plan (gradient-llama3-8b, gradient-llama3-70b).")
  private Optional<String> plan;

  @Option(names = "--stage", paramLabel = "NAME", description = "Only this stage of the plan.")
  private Optional<String> stage;

  @Option(names = "--seq-len", paramLabel = "N", description = "Tokens per sequence (65536, 64K, 1M).")
  private Optional<String> seqLen;

  @Option(names = "--ring", paramLabel = "R", description = "GPUs per ring.")
  private Optional<String> ring;

  @Option(names = "--rings", paramLabel = "K", description = "Rings side by side (data parallel); default 1.")
  private Optional<String> rings;

  @Option(names = "--max-context", description = "Search the longest sequence that fits on the ring.")
  private boolean maxContext;

  @Option(names = "--min-ring", description = "Search the smallest ring that fits the sequence.")
  private boolean minRing;

  @Option(names = "--format", paramLabel = "F", defaultValue = "table", description = "table | json; default table.")
  private String format;

  @Override
  public Integer call() {
    boolean json = PlanSettings.json(format);
    if (maxContext && minRing) {
      throw new InputError(Origin.commandLine(), "--min-ring", "ask for --max-context or --min-ring, not both");
    }
    List<StageFit> fits = plan.isPresent() ? planFits() : List.of(answer(adHocPlan()));
    PrintWriter out = spec.commandLine().getOut();
    if (json) {
      out.print(plan.isPresent() ? MemoryJson.plan(fits) : MemoryJson.stage(fits.get(0)));
      reportSearchTime(fits);
    } else {
      out.print(MemoryTable.render(fits));
    }
    out.flush();
    return 0;
  }

  private List<StageFit> planFits() {
    forbid(seqLen, "--seq-len", "--plan", "the plan's stages give it");
    forbid(ring, "--ring", "--plan", "the plan's stages give it");
    forbid(rings, "--rings", "--plan", "the plan's stages give it");
    TrainingPlan trainingPlan = PlanLoader.load(PlanSettings.option("--plan", plan.get()), settings.settingOverrides(),
        settings.clusterOverrides());
    List<Stage> stages = stage.map(name -> List.of(trainingPlan.requireStage(name, "--stage")))
        .orElse(trainingPlan.stages());
    List<StageFit> fits = new ArrayList<>();
    for (Stage s : stages) {
      fits.add(answer(trainingPlan, s));
    }
    return fits;
  }

  /** A one-stage plan from --model, --cluster, --seq-len, --ring, --rings. */
  private TrainingPlan adHocPlan() {
    if (stage.isPresent()) {
      throw new InputError(Origin.commandLine(), "--stage", "only with --plan");
    }
    require(settings.model(), "--model");
    require(settings.cluster(), "--cluster");
    Scalar ringsValue = PlanSettings.option("--rings", rings.orElse("1"));
    int ringCount = ringsValue.asPositiveInt();
    Map<String, Scalar> stageFields = new LinkedHashMap<>();
    stageFields.put("name", PlanSettings.option("name", AD_HOC));
    stageFields.put("rings", ringsValue);
    if (minRing) {
      forbid(ring, "--ring", "--min-ring", "it searches the ring size");
      require(seqLen, "--seq-len");
      stageFields.put("seq-len", PlanSettings.option("--seq-len", seqLen.get()));
      stageFields.put("gpus", PlanSettings.option("--rings", String.valueOf(ringCount)));
    } else {
      require(ring, "--ring");
      int ringSize = PlanSettings.option("--ring", ring.get()).asPositiveInt();
      stageFields.put("gpus", PlanSettings.option("--ring × --rings", String.valueOf((long) ringSize * ringCount)));
      if (maxContext) {
        forbid(seqLen, "--seq-len", "--max-context", "it searches the sequence length");
        stageFields.put("seq-len", PlanSettings.option("--max-context", String.valueOf(2L * ringSize)));
      } else {
        require(seqLen, "--seq-len");
        stageFields.put("seq-len", PlanSettings.option("--seq-len", seqLen.get()));
      }
    }
    return PlanLoader.adHoc(AD_HOC, settings.settingOverrides(), stageFields, settings.clusterOverrides());
  }

  private StageFit answer(TrainingPlan trainingPlan) {
    return answer(trainingPlan, trainingPlan.stages().get(0));
  }

  private StageFit answer(TrainingPlan trainingPlan, Stage s) {
    CapacityPlanner planner = new CapacityPlanner();
    if (maxContext) {
      return planner.maxContext(trainingPlan, s);
    }
    return minRing ? planner.minRing(trainingPlan, s) : planner.assess(trainingPlan, s);
  }

  /** JSON stays byte-identical run to run, so the search time goes to stderr. */
  private void reportSearchTime(List<StageFit> fits) {
    PrintWriter err = spec.commandLine().getErr();
    for (StageFit fit : fits) {
      if (fit.search() instanceof Search.MaxContext max) {
        err.printf(Locale.ROOT, "ringmaster: %s: max-context search: %d ledgers in %.3f ms%n", fit.stage().name(),
            max.ledgers(), max.searchSeconds() * 1e3);
      } else if (fit.search() instanceof Search.MinRing min) {
        err.printf(Locale.ROOT, "ringmaster: %s: min-ring search: %d ledgers in %.3f ms%n", fit.stage().name(),
            min.ledgers(), min.searchSeconds() * 1e3);
      }
    }
    err.flush();
  }

  private static void require(Optional<String> value, String name) {
    if (value.isEmpty()) {
      throw new InputError(Origin.commandLine(), name, "required (or give --plan FILE|NAME)");
    }
  }

  private static void forbid(Optional<String> value, String name, String other, String reason) {
    if (value.isPresent()) {
      throw new InputError(Origin.commandLine(), name, "not with " + other + ": " + reason);
    }
  }
}
