package io.ringmaster.sim.whatif;

import io.ringmaster.topology.cluster.ClusterCatalog;
import io.ringmaster.topology.input.InputError;
import io.ringmaster.topology.input.Origin;
import io.ringmaster.topology.input.YamlValue.Mapping;
import io.ringmaster.topology.input.YamlValue.Scalar;
import io.ringmaster.topology.plan.PlanLoader;
import io.ringmaster.topology.plan.Stage;
import io.ringmaster.topology.plan.TrainingPlan;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * A plan as given, and the plan with some fields set, which is what a what-if tries. A key is a cluster
 * field ({@code nic-gbps}, {@code gpu}, {@code nodes}, ...), a plan-wide field ({@code zero},
 * {@code offload}, {@code layout}, {@code placement}, ...), a field of every stage ({@code rings},
 * {@code grad-accumulation}, ...), or {@code ring}: the GPUs per ring of every stage, which keeps each
 * stage's GPUs (so its rings become GPUs / ring). Cluster fields win over plan fields, plan fields over
 * stage fields.
 *
 * <p>Changing the rings ({@code ring} or {@code rings}) lays out the same training differently: each
 * stage keeps its sequences per step (rings × gradient accumulation), and its gradient accumulation
 * becomes that batch / rings, as the seed team traded accumulation for rings side by side. Otherwise
 * four rings instead of one would train on four times the tokens in the same steps, and the total
 * time would not compare. A rings count that does not divide a stage's batch is an invalid
 * combination; varying {@code grad-accumulation} as well sets it as given instead.
 */
public final class PlanVariants {
  /** GPUs per ring, every stage keeping its GPUs. */
  public static final String RING = "ring";
  public static final String RINGS = "rings";
  private static final String GRAD_ACCUMULATION = "grad-accumulation";

  private final Scalar planReference;
  private final Map<String, Scalar> settings;
  private final Map<String, Scalar> cluster;

  /**
   * @param settings plan-wide overrides every variant starts from
   * @param cluster cluster overrides every variant starts from ({@code --set})
   */
  public PlanVariants(Scalar planReference, Map<String, Scalar> settings, Map<String, Scalar> cluster) {
    this.planReference = planReference;
    this.settings = Map.copyOf(settings);
    this.cluster = Map.copyOf(cluster);
  }

  /** The plan as given (with the base overrides). */
  public TrainingPlan asGiven() {
    return PlanLoader.load(planReference, settings, cluster);
  }

  /**
   * The plan with {@code assignments} (key to value) applied; with {@code onlyStage}, the plan of that
   * stage alone (the others are not simulated, so they need not take the values: a one-node cluster
   * for the 8-GPU stage). An assignment that the plan cannot take (3 rings of 8 GPUs, an unknown GPU) is
   * an {@link InputError} naming it.
   */
  public TrainingPlan with(Map<String, String> assignments, Optional<String> onlyStage) {
    Map<String, Scalar> variantSettings = new LinkedHashMap<>(settings);
    Map<String, Scalar> variantCluster = new LinkedHashMap<>(cluster);
    Map<String, Scalar> stageFields = new LinkedHashMap<>();
    Scalar ring = null;
    for (Map.Entry<String, String> assignment : assignments.entrySet()) {
      String key = assignment.getKey();
      Scalar value = new Scalar(assignment.getValue(), Origin.commandLine(), "--vary " + key);
      if (key.equals(RING)) {
        ring = value;
      } else if (ClusterCatalog.FIELDS.contains(key)) {
        variantCluster.put(key, value);
      } else if (isSetting(key)) {
        variantSettings.put(key, value);
      } else {
        stageFields.put(key, value);
      }
    }
    List<Stage> given = asGiven().stages();
    return PlanLoader.load(planReference, variantSettings, variantCluster,
        stageEdit(given, stageFields, ring, onlyStage));
  }

  /** Edits each stage of the document; {@code given} are the stages as read, in the same order. */
  private static PlanLoader.StageEdit stageEdit(List<Stage> given, Map<String, Scalar> stageFields, Scalar ring,
      Optional<String> onlyStage) {
    return (index, stage) -> {
      Stage asGiven = given.get(index);
      if (onlyStage.isPresent() && !onlyStage.get().equals(asGiven.name())) {
        return Optional.empty();
      }
      Mapping edited = stage;
      for (Map.Entry<String, Scalar> field : stageFields.entrySet()) {
        edited = edited.with(field.getKey(), field.getValue());
      }
      Scalar rings = ring != null ? ringsFor(asGiven, edited, ring) : stageFields.get(RINGS);
      if (rings == null) {
        return Optional.of(edited);
      }
      edited = edited.with(RINGS, rings);
      boolean keepBatch = !stageFields.containsKey(GRAD_ACCUMULATION);
      return Optional.of(keepBatch ? edited.with(GRAD_ACCUMULATION, accumulationKeepingBatch(asGiven, rings))
          : edited);
    };
  }

  /** The gradient accumulation that keeps {@code asGiven}'s sequences per step with {@code rings} rings. */
  private static Scalar accumulationKeepingBatch(Stage asGiven, Scalar rings) {
    int sequencesPerStep = asGiven.rings() * asGiven.gradAccumulation();
    int count = rings.asPositiveInt();
    if (sequencesPerStep % count != 0) {
      throw InputError.at(rings, count + " rings do not divide stage " + asGiven.name() + "'s " + sequencesPerStep
          + " sequences per step (rings × grad-accumulation); vary grad-accumulation too to change the batch");
    }
    return new Scalar(String.valueOf(sequencesPerStep / count), rings.origin(), rings.path());
  }

  /** The rings that give {@code stage} rings of {@code ring} GPUs, keeping its GPUs. */
  private static Scalar ringsFor(Stage asGiven, Mapping stage, Scalar ring) {
    int ringSize = ring.asPositiveInt();
    int gpus = stage.scalar("gpus").asPositiveInt();
    if (gpus % ringSize != 0) {
      throw InputError.at(ring, "a ring of " + ringSize + " GPUs does not divide stage " + asGiven.name() + "'s "
          + gpus + " GPUs");
    }
    return new Scalar(String.valueOf(gpus / ringSize), ring.origin(), ring.path());
  }

  /** Fails, listing the keys there are, unless {@code key} is one. */
  static void checkKey(String key, String option) {
    if (key.equals(RING) || ClusterCatalog.FIELDS.contains(key) || isSetting(key) || isStageField(key)) {
      return;
    }
    throw new InputError(Origin.commandLine(), option, "unknown key '" + key + "'; known: ring (GPUs per ring),"
        + " cluster fields " + String.join(", ", new TreeSet<>(ClusterCatalog.FIELDS))
        + "; plan fields " + String.join(", ", settingKeys())
        + "; stage fields " + String.join(", ", stageKeys()));
  }

  private static boolean isSetting(String key) {
    return settingKeys().contains(key);
  }

  private static boolean isStageField(String key) {
    return stageKeys().contains(key);
  }

  /** Plan-wide fields that take one value (not the mapping of cluster overrides: those are keys themselves). */
  private static Set<String> settingKeys() {
    Set<String> keys = new TreeSet<>(PlanLoader.SETTING_FIELDS);
    keys.remove("cluster-overrides");
    return keys;
  }

  private static Set<String> stageKeys() {
    Set<String> keys = new TreeSet<>(PlanLoader.STAGE_FIELDS);
    keys.remove("name");
    return keys;
  }
}
