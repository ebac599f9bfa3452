package io.ringmaster.app;

import java.util.Optional;
import picocli.CommandLine.Option;

/** The options that choose what to simulate and how to print it, shared by {@code simulate} and {@code whatif}. */
final class SimulationOptions {
  static final String DEFAULT_PLAN = "gradient-llama3-8b";

  @Option(names = "--plan", paramLabel = "FILE|NAME", defaultValue = DEFAULT_PLAN,
      description = "A plan YAML file or a packaged plan (gradient-llama3-8b, gradient-llama3-70b); default ${DEFAULT-VALUE}.")
  String plan;

  @Option(names = "--stage", paramLabel = "NAME", description = "Only this stage of the plan.")
  Optional<String> stage;

  @Option(names = "--profile", paramLabel = "FILE|NAME",
      description = "The GPU cost profile: a packaged one (l40s, a100-80g-sxm, ...) or a profile YAML file with measured values; default the plan's GPU's.")
  Optional<String> profile;

  @Option(names = "--format", paramLabel = "F", defaultValue = "table", description = "table | json; default table.")
  String format;

  @Option(names = "--reproducible",
      description = "JSON without wallSeconds, the one figure that differs from run to run: two runs give byte-identical output.")
  boolean reproducible;

  boolean json() {
    return PlanSettings.json(format);
  }
}
