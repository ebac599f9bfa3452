package io.ringmaster.topology.plan;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.ringmaster.topology.input.InputError;
import io.ringmaster.topology.input.Origin;
import io.ringmaster.topology.input.YamlValue.Scalar;
import io.ringmaster.topology.placement.RingPlacement;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PlanLoaderTest {
  @TempDir Path dir;

  private static final String HEADER = """
      model: llama-3-8b
      cluster: crusoe-l40s:64
      layout: zigzag
      stages:
      """;

  private TrainingPlan load(String yaml) throws Exception {
    Path file = dir.resolve("plan.yaml");
    Files.writeString(file, yaml);
    return PlanLoader.load(file.toString());
  }

  private void assertBad(String yaml, String expected) {
    assertThatThrownBy(() -> load(yaml))
        .isInstanceOf(InputError.class)
        .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"))
        .hasMessage(dir.resolve("plan.yaml") + ":" + expected);
  }

  @Test
  void gradient8bHasTheCurriculumOfTheReference() {
    TrainingPlan plan = PlanLoader.load("gradient-llama3-8b");
    assertThat(plan.stages()).extracting(Stage::name).containsExactly("65K", "262K", "524K", "1048K", "4194K");
    assertThat(plan.stages()).extracting(Stage::ringSize).containsExactly(8, 32, 32, 64, 256);
    assertThat(plan.stages()).extracting(Stage::tokensPerGpu).containsExactly(8192L, 8192L, 16384L, 16384L, 16384L);
    assertThat(plan.stages()).extracting(Stage::gradAccumulation).containsExactly(32, 16, 1, 1, 2);
    assertThat(plan.ropeTheta(plan.stages().get(0))).isEqualTo(15.3e6);
    assertThat(plan.ropeTheta(plan.stages().get(4))).isCloseTo(45_218_125_210.0, within(10.0));
    assertThat(plan.settings()).isEqualTo(new TrainingSettings(Precision.BF16, 3, Offload.OPTIMIZER_AND_PARAMETERS,
        Checkpointing.FULL, AttentionLayout.ZIGZAG));
    assertThat(plan.stages().get(0).learningRate()).isEqualTo(2e-5);
    assertThat(plan.cluster().gpuCount()).isEqualTo(512);
  }

  @Test
  void gradient70bHasTheCurriculumOfTheReference() {
    TrainingPlan plan = PlanLoader.load("gradient-llama3-70b");
    assertThat(plan.stages()).extracting(Stage::ringSize).containsExactly(8, 32, 64, 128);
    assertThat(plan.stages()).extracting(Stage::steps).containsExactly(20, 25, 25, 8);
    assertThat(plan.ropeTheta(plan.stages().get(2))).isEqualTo(1_062_356_830.0);
    assertThat(plan.ropeTheta(plan.stages().get(3))).isCloseTo(3_580_165_449.0, within(1.0));
  }

  @Test
  void overridesReplacePlanAndClusterFields() {
    TrainingPlan plan = PlanLoader.load(new Scalar("gradient-llama3-8b", Origin.commandLine(), "--plan"),
        Map.of("zero", new Scalar("2", Origin.commandLine(), "--zero"),
            "offload", new Scalar("optimizer", Origin.commandLine(), "--offload")),
        Map.of("nic-gbps", new Scalar("400", Origin.commandLine(), "--set nic-gbps")));
    assertThat(plan.settings().zeroStage()).isEqualTo(2);
    assertThat(plan.cluster().node().nics().gbps()).isEqualTo(400);
  }

  @Test
  void aMinimalPlanTakesTheDefaults() throws Exception {
    TrainingPlan plan = load(HEADER + "  - {seq-len: 64K, gpus: 8}\n");
    Stage stage = plan.stages().get(0);
    assertThat(stage.name()).isEqualTo("stage-1");
    assertThat(stage.rings()).isEqualTo(1);
    assertThat(stage.placement()).isEqualTo(new RingPlacement.Packed());
    assertThat(stage.ropeTheta()).isEqualTo(new RopeTheta.ScalingLaw());
    assertThat(plan.name()).isEqualTo("plan");
    assertThat(plan.settings().offload()).isEqualTo(Offload.NONE);
  }

  @Test
  void explicitPlacementIsReadAndChecked() throws Exception {
    TrainingPlan plan = load(HEADER + "  - {seq-len: 16, gpus: 4, rings: 2, placement: [[0, 8], [1, 9]]}\n");
    assertThat(plan.stages().get(0).ringLayout().get(1).gpus()).containsExactly(1, 9);
    assertBad(HEADER + "  - {seq-len: 16, gpus: 4, rings: 2, placement: [[0, 8], [1]]}\n",
        "5:49: stages[0].placement: a ring of 1 GPUs, expected 2");
    assertBad(HEADER + "  - {seq-len: 16, gpus: 4, rings: 2, placement: [[0, 8], [8, 1]]}\n",
        "5:49: stages[0].placement: GPU 8 appears in more than one place");
    assertBad(HEADER + "  - {seq-len: 16, gpus: 4, rings: 2, placement: [[0, 64], [8, 1]]}\n",
        "5:49: stages[0].placement: GPU 64 is not in cluster crusoe-l40s:64 (GPUs 0..63)");
    assertBad(HEADER + "  - {seq-len: 16, gpus: 4, rings: 2, placement: [[0, 1, 2, 3]]}\n",
        "5:49: stages[0].placement: lists 1 rings, expected 2");
    assertBad(HEADER + "  - {seq-len: 16, gpus: 4, placement: scattered}\n",
        "5:39: stages[0].placement: expected packed | spread | a list of rings of GPU ids, got 'scattered'");
  }

  @Test
  void yamlSyntaxErrorHasLineAndColumn() {
    assertBad(HEADER + "  - {seq-len: 64K, gpus: 8\n", "6:1: YAML syntax: expected ',' or '}', but got <stream end>");
  }

  @Test
  void unknownPresetsListTheKnownOnes() {
    assertBad(HEADER.replace("llama-3-8b", "llama-9") + "  - {seq-len: 64K, gpus: 8}\n",
        "1:8: model: unknown model 'llama-9'; known: llama-3-8b, llama-3-70b, llama-2-7b, llama-2-13b,"
            + " llama-mini-4l (or the path of a Hugging Face config.json)");
    assertBad(HEADER.replace("crusoe-l40s:64", "aws-p5:64") + "  - {seq-len: 64K, gpus: 8}\n",
        "2:10: cluster: unknown cluster 'aws-p5:64'; known: crusoe-l40s, dgx-a100, dgx-h100,"
            + " local-cpu (or the path of a cluster .yaml file)");
    assertThatThrownBy(() -> PlanLoader.load("gradient-llama4"))
        .hasMessage("command line: --plan: unknown plan 'gradient-llama4'; known: gradient-llama3-8b,"
            + " gradient-llama3-70b, local-cpu (or the path of a plan .yaml file)");
  }

  @Test
  void zeroOrNegativeSizesAreRejected() {
    assertBad(HEADER + "  - {seq-len: 0, gpus: 8}\n", "5:15: stages[0].seq-len: expected a positive token count, got 0");
    assertBad(HEADER + "  - {seq-len: 64K, gpus: -8}\n", "5:26: stages[0].gpus: expected a positive whole number, got -8");
    assertBad(HEADER + "  - {seq-len: 64K, gpus: 8, rings: 0}\n",
        "5:36: stages[0].rings: expected a positive whole number, got 0");
    assertBad(HEADER + "  - {seq-len: 64K, gpus: 8, steps: 0}\n",
        "5:36: stages[0].steps: expected a positive whole number, got 0");
    assertBad(HEADER + "  - {seq-len: 64K, gpus: 8, grad-accumulation: -1}\n",
        "5:48: stages[0].grad-accumulation: expected a positive whole number, got -1");
    assertBad(HEADER + "  - {seq-len: 64K, gpus: 8, rope-theta: 0}\n",
        "5:41: stages[0].rope-theta: expected a positive number, got 0");
    assertBad("learning-rate: -1\n" + HEADER + "  - {seq-len: 64K, gpus: 8}\n",
        "1:16: learning-rate: expected a positive number, got -1");
  }

  @Test
  void aLengthTheLayoutCannotSplitIsRejected() {
    assertBad(HEADER + "  - {seq-len: 100000, gpus: 64}\n",
        "5:15: stages[0].seq-len: 100000 tokens cannot be split evenly by the zigzag layout into 128 chunks"
            + " (ring of 64); expected a multiple of 128");
    assertBad(HEADER.replace("zigzag", "stripe") + "  - {seq-len: 100, gpus: 8}\n",
        "5:15: stages[0].seq-len: 100 tokens cannot be split evenly by the stripe layout into 8 chunks"
            + " (ring of 8); expected a multiple of 8");
  }

  @Test
  void moreGpusThanTheClusterHasIsRejected() {
    assertBad(HEADER + "  - {seq-len: 64K, gpus: 128}\n",
        "5:26: stages[0].gpus: 128 GPUs, but cluster crusoe-l40s:64 has 64");
  }

  @Test
  void ringsThatDoNotDivideTheGpusAreRejected() {
    assertBad(HEADER + "  - {seq-len: 64K, gpus: 32, rings: 3}\n",
        "5:37: stages[0].rings: 3 rings do not divide 32 GPUs; expected a divisor of 32");
  }

  @Test
  void badChoicesAndCombinationsAreRejected() {
    assertBad("precision: fp16\n" + HEADER + "  - {seq-len: 64K, gpus: 8}\n",
        "1:12: precision: expected one of bf16 | fp32, got 'fp16'");
    assertBad("zero: 4\n" + HEADER + "  - {seq-len: 64K, gpus: 8}\n",
        "1:7: zero: expected a ZeRO stage 0, 1, 2 or 3, got 4");
    assertBad("zero: 2\noffload: optimizer+parameters\n" + HEADER + "  - {seq-len: 64K, gpus: 8}\n",
        "2:10: offload: offloading parameters needs zero: 3, got zero: 2");
    assertBad("zero: 0\noffload: optimizer\n" + HEADER + "  - {seq-len: 64K, gpus: 8}\n",
        "2:10: offload: offloading the optimizer needs zero: 1, 2 or 3, got zero: 0");
    assertBad(HEADER + "  - {seq-len: 64K, gpus: 8, seqlen: 4}\n",
        "5:37: stages[0].seqlen: unknown field; expected one of gpus, grad-accumulation, learning-rate, name,"
            + " placement, rings, rope-theta, seq-len, steps");
    assertBad(HEADER + "  - {name: a, seq-len: 64K, gpus: 8}\n  - {name: a, seq-len: 64K, gpus: 8}\n",
        "6:5: stages[1]: stage name 'a' appears twice");
    assertBad(HEADER, "1:1: stages: missing; this field is required");
    assertBad(HEADER + "  7\n", "5:3: stages: expected a list, got a value");
    assertBad("model: llama-3-8b\nstages: []\n", "1:1: cluster: missing; this field is required");
  }

  @Test
  void aMissingPlanFileIsNamed() {
    assertThatThrownBy(() -> PlanLoader.load("nowhere/plan.yaml"))
        .hasMessage("command line: --plan: no such file nowhere/plan.yaml");
  }
}
