package io.ringmaster.sim.whatif;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

import io.ringmaster.sim.engine.SharedEngine;
import io.ringmaster.topology.input.InputError;
import io.ringmaster.topology.input.Origin;
import io.ringmaster.topology.input.YamlValue.Scalar;
import io.ringmaster.topology.placement.RingPlacement;
import io.ringmaster.topology.plan.TrainingPlan;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WhatIfSweepTest {
  /** Two small stages on two DGX A100 nodes: 16 GPUs in rings of 8, then 8 GPUs in one ring. */
  private static final String PLAN = String.join("\n",
      "name: small",
      "model: llama-2-7b",
      "cluster: dgx-a100:16",
      "offload: optimizer+parameters",
      "stages:",
      "  - {name: 32K, seq-len: 32K, gpus: 16, rings: 2, steps: 10}",
      "  - {name: 16K, seq-len: 16K, gpus: 8, rings: 1, steps: 20}",
      "");

  @TempDir Path folder;

  @Test
  void combinationsAreTheCartesianProductWithTheFirstKeyChangingSlowest() {
    List<Map<String, String>> combinations = WhatIfSweep.combinations(List.of(
        Variation.parse("placement=packed,spread", "--vary"), Variation.parse("nic-gbps=100,200,400", "--vary")));
    assertThat(combinations).hasSize(6);
    assertThat(combinations.get(0)).containsExactly(Map.entry("placement", "packed"), Map.entry("nic-gbps", "100"));
    assertThat(combinations.get(1)).containsExactly(Map.entry("placement", "packed"), Map.entry("nic-gbps", "200"));
    assertThat(combinations.get(5)).containsExactly(Map.entry("placement", "spread"), Map.entry("nic-gbps", "400"));
  }

  @Test
  void eachKeyReachesItsFieldAndRingKeepsEachStagesGpus() throws Exception {
    PlanVariants variants = variants();
    TrainingPlan plan = variants.with(Map.of("ring", "4", "nic-gbps", "50", "zero", "2", "offload", "optimizer",
        "placement", "spread", "grad-accumulation", "3"), Optional.empty());
    assertThat(plan.stages()).extracting(s -> s.gpus()).containsExactly(16, 8);
    assertThat(plan.stages()).extracting(s -> s.ringSize()).containsExactly(4, 4);
    assertThat(plan.stages()).extracting(s -> s.rings()).containsExactly(4, 2);
    assertThat(plan.stages()).extracting(s -> s.gradAccumulation()).containsExactly(3, 3);
    assertThat(plan.stages().get(0).placement()).isEqualTo(new RingPlacement.Spread());
    assertThat(plan.cluster().node().nics().gbps()).isEqualTo(50);
    assertThat(plan.settings().zeroStage()).isEqualTo(2);
    assertThat(variants.asGiven().cluster().node().nics().gbps()).isEqualTo(200);
  }

  @Test
  void changingTheRingsKeepsEachStagesSequencesPerStepUnlessGradAccumulationIsVariedToo() throws Exception {
    PlanVariants variants = variants("accumulating", String.join("\n",
        "name: accumulating",
        "model: llama-2-7b",
        "cluster: dgx-a100:16",
        "stages:",
        "  - {name: 64K, seq-len: 64K, gpus: 16, rings: 1, grad-accumulation: 8, steps: 10}",
        ""));
    // 8 sequences per step: one ring accumulating 8, four rings accumulating 2, eight rings of 2 GPUs once each
    assertThat(variants.with(Map.of("ring", "4"), Optional.empty()).stages().get(0))
        .extracting(s -> s.rings(), s -> s.gradAccumulation()).containsExactly(4, 2);
    assertThat(variants.with(Map.of("rings", "8"), Optional.empty()).stages().get(0))
        .extracting(s -> s.rings(), s -> s.gradAccumulation()).containsExactly(8, 1);
    assertThat(variants.with(Map.of("ring", "4", "grad-accumulation", "8"), Optional.empty()).stages().get(0)
        .gradAccumulation()).isEqualTo(8);
    assertThatThrownBy(() -> variants.with(Map.of("rings", "16"), Optional.empty())).isInstanceOf(InputError.class)
        .hasMessageContaining("--vary rings: 16 rings do not divide stage 64K's 8 sequences per step");
  }

  @Test
  void withOneStageChosenOnlyThatStageMustTakeTheValues() throws Exception {
    // a ring of 16 GPUs suits the 32K stage's 16 GPUs, not the 16K stage's 8: with --stage 32K, fine
    PlanVariants variants = variants();
    assertThatThrownBy(() -> variants.with(Map.of("ring", "16"), Optional.empty())).isInstanceOf(InputError.class)
        .hasMessageContaining("does not divide stage 16K's 8 GPUs");
    TrainingPlan plan = variants.with(Map.of("ring", "16"), Optional.of("32K"));
    assertThat(plan.stages()).extracting(s -> s.name()).containsExactly("32K");
    // 32K: 2 rings of 8 once each → 1 ring of 16 accumulating 2
    assertThat(plan.stages()).extracting(s -> s.ringSize(), s -> s.gradAccumulation()).containsExactly(
        tuple(16, 2));
    // one node is too small for the 32K stage's 16 GPUs, not for the 16K stage's 8
    assertThatThrownBy(() -> variants.with(Map.of("nodes", "1"), Optional.empty())).isInstanceOf(InputError.class)
        .hasMessageContaining("16 GPUs");
    assertThat(variants.with(Map.of("nodes", "1"), Optional.of("16K")).cluster().gpuCount()).isEqualTo(8);
  }

  @Test
  void aCombinationThePlanCannotTakeIsInvalidWithItsReasonAndTheSweepGoesOn() throws Exception {
    WhatIfSweep sweep = new WhatIfSweep(SharedEngine.get(), variants(), Optional.empty(), Optional.empty());
    WhatIfSweep.Result result = sweep.run(List.of(Variation.parse("ring=3,8,16", "--vary"),
        Variation.parse("nic-gbps=25,400", "--vary")), WhatIfSweep.Progress.NONE);
    assertThat(result.ranked()).hasSize(6);
    List<WhatIfSweep.Invalid> invalid = result.ranked().stream().filter(WhatIfSweep.Invalid.class::isInstance)
        .map(WhatIfSweep.Invalid.class::cast).toList();
    // a ring of 3 divides neither stage; a ring of 16 is more than the 16K stage's 8 GPUs
    assertThat(invalid).extracting(WhatIfSweep.Invalid::assignments).containsExactly(
        Map.of("ring", "3", "nic-gbps", "25"), Map.of("ring", "3", "nic-gbps", "400"),
        Map.of("ring", "16", "nic-gbps", "25"), Map.of("ring", "16", "nic-gbps", "400"));
    assertThat(invalid.get(0).reason()).isEqualTo("--vary ring: a ring of 3 GPUs does not divide stage 32K's 16 GPUs");
    assertThat(invalid.get(2).reason()).startsWith("--vary ring: a ring of 16 GPUs does not divide stage 16K's 8 GPUs");

    List<WhatIfSweep.Simulated> simulated = result.ranked().stream().filter(WhatIfSweep.Simulated.class::isInstance)
        .map(WhatIfSweep.Simulated.class::cast).toList();
    assertThat(simulated).hasSize(2);
    assertThat(simulated.get(0).report().totalMinutes()).isLessThanOrEqualTo(simulated.get(1).report().totalMinutes());
    // the slow NIC can only slow the plan down: the fast one ranks first
    assertThat(simulated.get(0).assignments()).containsEntry("nic-gbps", "400");
    for (WhatIfSweep.Simulated combination : simulated) {
      assertThat(combination.speedup())
          .isEqualTo(result.asGiven().totalMinutes() / combination.report().totalMinutes());
    }
  }

  @Test
  void aStageWithoutANameIsChosenByTheNameThePlanGivesIt() throws Exception {
    PlanVariants variants = variants("unnamed", String.join("\n",
        "name: unnamed",
        "model: llama-2-7b",
        "cluster: dgx-a100:16",
        "stages:",
        "  - {seq-len: 32K, gpus: 16, rings: 1, grad-accumulation: 4}",
        "  - {seq-len: 16K, gpus: 8}",
        ""));
    TrainingPlan plan = variants.with(Map.of("rings", "2"), Optional.of("stage-1"));
    assertThat(plan.stages()).extracting(s -> s.name(), s -> s.rings(), s -> s.gradAccumulation())
        .containsExactly(tuple("stage-1", 2, 2));
  }

  @Test
  void combinationsThatDoNotFitInMemoryRankAfterThoseThatDoEvenWhenFaster() throws Exception {
    WhatIfSweep sweep = new WhatIfSweep(SharedEngine.get(), variants(), Optional.of("16K"), Optional.empty());
    WhatIfSweep.Result result = sweep.run(List.of(Variation.parse("seq-len=256K", "--vary"),
        Variation.parse("checkpointing=full,none", "--vary")), WhatIfSweep.Progress.NONE);
    List<WhatIfSweep.Simulated> ranked = result.ranked().stream().map(WhatIfSweep.Simulated.class::cast).toList();
    // without checkpointing there is no recompute, so it is faster, but 32K tokens per GPU of saved activations
    // for 32 layers do not fit in 80 GB
    assertThat(ranked).extracting(o -> o.assignments().get("checkpointing")).containsExactly("full", "none");
    assertThat(ranked).extracting(o -> o.report().outOfMemory()).containsExactly(false, true);
    assertThat(ranked.get(1).report().totalMinutes()).isLessThan(ranked.get(0).report().totalMinutes());
    assertThat(ranked.get(1).report().peakMemoryBytes()).isGreaterThan(ranked.get(0).report().peakMemoryBytes());
  }

  @Test
  void aStageTheCombinationDoesNotChangeIsSimulatedOnce() throws Exception {
    WhatIfSweep sweep = new WhatIfSweep(SharedEngine.get(), variants(), Optional.of("16K"), Optional.empty());
    // one ring: packed and spread lay it out alike
    WhatIfSweep.Result result = sweep.run(List.of(Variation.parse("placement=packed,spread", "--vary")),
        WhatIfSweep.Progress.NONE);
    assertThat(result.stagesSimulated()).isEqualTo(1);
    assertThat(result.asGiven().stages()).hasSize(1);
    WhatIfSweep.Simulated first = (WhatIfSweep.Simulated) result.ranked().get(0);
    assertThat(first.speedup()).isEqualTo(1.0);
  }

  @Test
  void unknownKeysConflictingKeysAndMalformedVariationsAreBadInput() throws Exception {
    assertThatThrownBy(() -> Variation.parse("nics-gbps=1,2", "--vary")).isInstanceOf(InputError.class)
        .hasMessageContaining("--vary: unknown key 'nics-gbps'; known: ring (GPUs per ring), cluster fields")
        .hasMessageContaining("nic-gbps").hasMessageContaining("plan fields").hasMessageContaining("placement");
    assertThatThrownBy(() -> Variation.parse("nic-gbps", "--vary")).isInstanceOf(InputError.class)
        .hasMessageContaining("expected KEY=V1,V2,...");
    assertThatThrownBy(() -> Variation.parse("nic-gbps=1,,2", "--vary")).isInstanceOf(InputError.class)
        .hasMessageContaining("an empty value");
    assertThatThrownBy(() -> Variation.parse("nic-gbps=1,1", "--vary")).isInstanceOf(InputError.class)
        .hasMessageContaining("a value appears twice");
    WhatIfSweep sweep = new WhatIfSweep(SharedEngine.get(), variants(), Optional.empty(), Optional.empty());
    assertThatThrownBy(() -> sweep.run(List.of(Variation.parse("ring=8", "--vary"),
        Variation.parse("rings=1", "--vary")), WhatIfSweep.Progress.NONE))
        .isInstanceOf(InputError.class).hasMessageContaining("vary ring (GPUs per ring) or rings");
    assertThatThrownBy(() -> sweep.run(List.of(Variation.parse("zero=2", "--vary"),
        Variation.parse("zero=3", "--vary")), WhatIfSweep.Progress.NONE))
        .isInstanceOf(InputError.class).hasMessageContaining("zero is varied twice");
  }

  private PlanVariants variants() throws Exception {
    return variants("small", PLAN);
  }

  private PlanVariants variants(String name, String plan) throws Exception {
    Path file = folder.resolve(name + ".yaml");
    Files.writeString(file, plan);
    return new PlanVariants(new Scalar(file.toString(), Origin.commandLine(), "--plan"), Map.of(), Map.of());
  }
}
