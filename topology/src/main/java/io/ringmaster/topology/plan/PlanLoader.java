package io.ringmaster.topology.plan;

import io.ringmaster.topology.input.InputError;
import io.ringmaster.topology.input.Origin;
import io.ringmaster.topology.input.YamlReader;
import io.ringmaster.topology.input.YamlValue;
import io.ringmaster.topology.input.YamlValue.Mapping;
import io.ringmaster.topology.input.YamlValue.Scalar;
import io.ringmaster.topology.preset.PresetKind;
import io.ringmaster.topology.preset.Presets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.IntStream;
import java.util.stream.Stream;

/**
 * Loads training plans: a packaged plan by name, a plan YAML file by path, or a one-stage plan from
 * command-line values. Plan-wide fields ({@code model}, {@code cluster}, {@code zero}, ...) can be
 * overridden, and so can cluster fields ({@code nic-gbps}, ...), which is how what-ifs are asked.
 */
public final class PlanLoader {
  /** The plan-wide fields an override may set: every field of a plan but its name and stages. */
  public static final Set<String> SETTING_FIELDS = settingFields();
  /** The fields of a stage. */
  public static final Set<String> STAGE_FIELDS = PlanReader.STAGE_FIELDS;

  private PlanLoader() {}

  /**
   * @param settingOverrides plan-wide field name to value (keys as in the plan YAML)
   * @param clusterOverrides cluster field name to value (keys as in the cluster YAML)
   */
  public static TrainingPlan load(Scalar planReference, Map<String, Scalar> settingOverrides,
      Map<String, Scalar> clusterOverrides) {
    return load(planReference, settingOverrides, clusterOverrides, (index, stage) -> Optional.of(stage));
  }

  /** A change to the document of the stage at {@code index} of the plan; empty leaves the stage out. */
  @FunctionalInterface
  public interface StageEdit {
    Optional<Mapping> apply(int index, Mapping stage);
  }

  /**
   * As above, with {@code stageEdit} applied to every stage's document before the plan is read and
   * validated: how a what-if changes every stage alike (its rings, say), or leaves a stage out (empty)
   * when only another is studied. An edit may throw an {@link InputError} for a stage it cannot apply to.
   */
  public static TrainingPlan load(Scalar planReference, Map<String, Scalar> settingOverrides,
      Map<String, Scalar> clusterOverrides, StageEdit stageEdit) {
    String reference = planReference.asString();
    Path baseDirectory = Path.of("");
    YamlValue doc;
    String defaultName;
    if (PresetKind.PLAN.has(reference)) {
      doc = Presets.read(PresetKind.PLAN, reference, planReference);
      defaultName = reference;
    } else if (reference.endsWith(".yaml") || reference.endsWith(".yml") || Files.isRegularFile(Path.of(reference))) {
      Path file = Path.of(reference);
      doc = YamlReader.readFile(file, planReference);
      baseDirectory = file.toAbsolutePath().getParent();
      defaultName = file.getFileName().toString().replaceFirst("\\.ya?ml$", "");
    } else {
      throw Presets.unknown(PresetKind.PLAN, planReference, " (or the path of a plan .yaml file)");
    }
    return PlanReader.read(withStageEdit(withOverrides(doc.asMapping(), settingOverrides), stageEdit), defaultName,
        baseDirectory, clusterOverrides);
  }

  public static TrainingPlan load(String planReference) {
    return load(new Scalar(planReference, Origin.commandLine(), "--plan"), Map.of(), Map.of());
  }

  /**
   * A plan of one stage from values given on the command line; each scalar's path names its option
   * (e.g. {@code --seq-len}) so that errors point at it.
   *
   * @param settings plan-wide fields: {@code model}, {@code cluster}, {@code zero}, ...
   * @param stageFields stage fields: {@code seq-len}, {@code gpus}, {@code rings}, ...
   */
  public static TrainingPlan adHoc(String name, Map<String, Scalar> settings, Map<String, Scalar> stageFields,
      Map<String, Scalar> clusterOverrides) {
    Origin origin = Origin.commandLine();
    Mapping stage = new Mapping(Map.copyOf(stageFields), origin, "");
    Mapping doc = new Mapping(Map.of("stages", new YamlValue.Sequence(List.of(stage), origin, "")), origin, "");
    return PlanReader.read(withOverrides(doc.with("name", new Scalar(name, origin, "name")), settings), name,
        Path.of(""), clusterOverrides);
  }

  private static Set<String> settingFields() {
    Set<String> fields = new TreeSet<>(PlanReader.PLAN_FIELDS);
    fields.removeAll(Set.of("name", "stages"));
    return Set.copyOf(fields);
  }

  private static Mapping withStageEdit(Mapping doc, StageEdit stageEdit) {
    if (doc.optional("stages").isEmpty() || !(doc.require("stages") instanceof YamlValue.Sequence stages)) {
      return doc;
    }
    List<YamlValue> items = stages.items();
    List<YamlValue> edited = IntStream.range(0, items.size()).boxed()
        .flatMap(i -> items.get(i) instanceof Mapping stage ? stageEdit.apply(i, stage).stream() : Stream.of(items.get(i)))
        .toList();
    return doc.with("stages", new YamlValue.Sequence(edited, stages.origin(), stages.path()));
  }

  private static Mapping withOverrides(Mapping doc, Map<String, Scalar> overrides) {
    Mapping result = doc;
    for (Map.Entry<String, Scalar> override : overrides.entrySet()) {
      if (!SETTING_FIELDS.contains(override.getKey()) && !override.getKey().equals("name")) {
        throw InputError.at(override.getValue(), "not a plan-wide field: " + override.getKey());
      }
      result = result.with(override.getKey(), override.getValue());
    }
    return result;
  }
}
