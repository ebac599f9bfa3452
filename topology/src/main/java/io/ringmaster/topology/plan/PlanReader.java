package io.ringmaster.topology.plan;

import io.ringmaster.topology.cluster.ClusterCatalog;
import io.ringmaster.topology.cluster.ClusterSpec;
import io.ringmaster.topology.input.InputError;
import io.ringmaster.topology.input.YamlValue;
import io.ringmaster.topology.input.YamlValue.Mapping;
import io.ringmaster.topology.input.YamlValue.Scalar;
import io.ringmaster.topology.model.ModelCatalog;
import io.ringmaster.topology.model.ModelSpec;
import io.ringmaster.topology.placement.RingPlacement;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Reads and validates a training plan document; every error names the field it is about. */
final class PlanReader {
  static final Set<String> PLAN_FIELDS = Set.of("name", "model", "cluster", "cluster-overrides", "precision", "zero",
      "offload", "checkpointing", "layout", "placement", "learning-rate", "stages");
  static final Set<String> STAGE_FIELDS = Set.of("name", "seq-len", "rope-theta", "gpus", "rings",
      "grad-accumulation", "steps", "learning-rate", "placement");

  /** Defaults: EasyContext's setup without offload (reference/calibration.md); learning rate of reference/gradient-curriculum.md. */
  static final String DEFAULT_PRECISION = "bf16";
  static final String DEFAULT_ZERO = "3";
  static final String DEFAULT_OFFLOAD = "none";
  static final String DEFAULT_CHECKPOINTING = "full";
  static final String DEFAULT_LAYOUT = "zigzag";
  static final String DEFAULT_PLACEMENT = "packed";
  static final String DEFAULT_LEARNING_RATE = "2e-5";

  private PlanReader() {}

  static TrainingPlan read(Mapping doc, String defaultName, Path baseDirectory, Map<String, Scalar> clusterOverrides) {
    doc.rejectUnknown(PLAN_FIELDS);
    String name = doc.optionalScalar("name").map(Scalar::asString).orElse(defaultName);
    ModelSpec model = ModelCatalog.resolve(doc.scalar("model"), baseDirectory);
    ClusterSpec cluster = ClusterCatalog.resolve(doc.scalar("cluster"), baseDirectory,
        mergedOverrides(doc, clusterOverrides));
    TrainingSettings settings = settings(doc);
    RingPlacement placement = placement(doc.valueOr("placement", DEFAULT_PLACEMENT));
    double learningRate = doc.scalarOr("learning-rate", DEFAULT_LEARNING_RATE).asPositiveDouble();
    List<Stage> stages = new ArrayList<>();
    Set<String> names = new HashSet<>();
    YamlValue.Sequence stageList = doc.require("stages").asSequence();
    if (stageList.items().isEmpty()) {
      throw InputError.at(stageList, "expected at least one stage");
    }
    for (YamlValue item : stageList.items()) {
      Stage stage = stage(item.asMapping(), stages.size(), cluster, settings, placement, learningRate);
      if (!names.add(stage.name())) {
        throw InputError.at(item, "stage name '" + stage.name() + "' appears twice");
      }
      stages.add(stage);
    }
    return new TrainingPlan(name, model, cluster, settings, stages);
  }

  private static Map<String, Scalar> mergedOverrides(Mapping doc, Map<String, Scalar> clusterOverrides) {
    Map<String, Scalar> merged = new LinkedHashMap<>();
    doc.optional("cluster-overrides").ifPresent(value ->
        value.asMapping().fields().forEach((key, v) -> merged.put(key, v.asScalar())));
    merged.putAll(clusterOverrides);
    return merged;
  }

  private static TrainingSettings settings(Mapping doc) {
    Scalar zeroValue = doc.scalarOr("zero", DEFAULT_ZERO);
    long zero = zeroValue.asLong();
    if (zero < 0 || zero > 3) {
      throw InputError.at(zeroValue, "expected a ZeRO stage 0, 1, 2 or 3, got " + zeroValue.text());
    }
    Scalar offloadValue = doc.scalarOr("offload", DEFAULT_OFFLOAD);
    Offload offload = offloadValue.asChoice(Offload.class);
    // DeepSpeed: offload_param is valid only with ZeRO stage 3; offload_optimizer needs ZeRO 1 or more.
    if (offload.parameters() && zero != 3) {
      throw InputError.at(offloadValue, "offloading parameters needs zero: 3, got zero: " + zero);
    }
    if (offload.optimizer() && zero == 0) {
      throw InputError.at(offloadValue, "offloading the optimizer needs zero: 1, 2 or 3, got zero: 0");
    }
    return new TrainingSettings(
        doc.scalarOr("precision", DEFAULT_PRECISION).asChoice(Precision.class),
        (int) zero,
        offload,
        doc.scalarOr("checkpointing", DEFAULT_CHECKPOINTING).asChoice(Checkpointing.class),
        doc.scalarOr("layout", DEFAULT_LAYOUT).asChoice(AttentionLayout.class));
  }

  private static Stage stage(Mapping doc, int index, ClusterSpec cluster, TrainingSettings settings,
      RingPlacement planPlacement, double planLearningRate) {
    doc.rejectUnknown(STAGE_FIELDS);
    String name = doc.optionalScalar("name").map(Scalar::asString).orElse("stage-" + (index + 1));
    Scalar seqLenValue = doc.scalar("seq-len");
    long seqLen = seqLenValue.asTokenCount();
    Scalar gpusValue = doc.scalar("gpus");
    int gpus = gpusValue.asPositiveInt();
    Scalar ringsValue = doc.scalarOr("rings", "1");
    int rings = ringsValue.asPositiveInt();
    if (gpus % rings != 0) {
      throw InputError.at(ringsValue, rings + " rings do not divide " + gpus + " GPUs; expected a divisor of " + gpus);
    }
    if (gpus > cluster.gpuCount()) {
      throw InputError.at(gpusValue, gpus + " GPUs, but cluster " + cluster.name() + " has " + cluster.gpuCount());
    }
    int ringSize = gpus / rings;
    if (!settings.layout().splitsEvenly(seqLen, ringSize)) {
      long unit = settings.layout().splitUnit(ringSize);
      throw InputError.at(seqLenValue, seqLen + " tokens cannot be split evenly by the " + settings.layout().label()
          + " layout into " + unit + " chunks (ring of " + ringSize + "); expected a multiple of " + unit);
    }
    RingPlacement placement = doc.optional("placement").map(PlanReader::placement).orElse(planPlacement);
    validatePlacement(placement, doc.optional("placement").orElse(doc), rings, ringSize, cluster);
    return new Stage(
        name,
        seqLen,
        ropeTheta(doc.scalarOr("rope-theta", "scaling-law")),
        gpus,
        rings,
        doc.scalarOr("grad-accumulation", "1").asPositiveInt(),
        doc.scalarOr("steps", "1").asPositiveInt(),
        doc.optionalScalar("learning-rate").map(Scalar::asPositiveDouble).orElse(planLearningRate),
        placement);
  }

  private static RopeTheta ropeTheta(Scalar value) {
    return value.text().trim().equals("scaling-law")
        ? new RopeTheta.ScalingLaw()
        : new RopeTheta.Given(value.asPositiveDouble());
  }

  static RingPlacement placement(YamlValue value) {
    if (value instanceof YamlValue.Sequence list) {
      List<List<Integer>> rings = new ArrayList<>();
      for (YamlValue ring : list.items()) {
        List<Integer> gpus = new ArrayList<>();
        for (YamlValue gpu : ring.asSequence().items()) {
          long id = gpu.asScalar().asLong();
          if (id < 0 || id > Integer.MAX_VALUE) {
            throw InputError.at(gpu, "expected a GPU id of 0 or more, got " + id);
          }
          gpus.add((int) id);
        }
        rings.add(gpus);
      }
      return new RingPlacement.Explicit(rings);
    }
    Scalar word = value.asScalar();
    return switch (word.text().trim()) {
      case "packed" -> new RingPlacement.Packed();
      case "spread" -> new RingPlacement.Spread();
      default -> throw InputError.at(word,
          "expected packed | spread | a list of rings of GPU ids, got '" + word.text() + "'");
    };
  }

  private static void validatePlacement(RingPlacement placement, YamlValue where, int rings, int ringSize,
      ClusterSpec cluster) {
    if (!(placement instanceof RingPlacement.Explicit explicit)) {
      return;
    }
    String field = where.path().endsWith("placement") ? "" : "placement: ";
    if (explicit.gpusByRing().size() != rings) {
      throw InputError.at(where, field + "lists " + explicit.gpusByRing().size() + " rings, expected " + rings);
    }
    Set<Integer> seen = new HashSet<>();
    for (List<Integer> ring : explicit.gpusByRing()) {
      if (ring.size() != ringSize) {
        throw InputError.at(where, field + "a ring of " + ring.size() + " GPUs, expected " + ringSize);
      }
      for (int gpu : ring) {
        if (gpu >= cluster.gpuCount()) {
          throw InputError.at(where, field + "GPU " + gpu + " is not in cluster " + cluster.name() + " (GPUs 0.."
              + (cluster.gpuCount() - 1) + ")");
        }
        if (!seen.add(gpu)) {
          throw InputError.at(where, field + "GPU " + gpu + " appears in more than one place");
        }
      }
    }
  }
}
