package io.ringmaster.app;

import static io.ringmaster.app.PlanCommandTest.assertBadInput;
import static io.ringmaster.app.PlanCommandTest.run;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SimulateCommandTest {
  /** Two small stages on two DGX A100 nodes: seconds to simulate, every kind of traffic. */
  static final String SMALL_PLAN = String.join("\n",
      "name: small",
      "model: llama-2-7b",
      "cluster: dgx-a100:16",
      "offload: optimizer+parameters",
      "stages:",
      "  - {name: 32K, seq-len: 32K, gpus: 16, rings: 2, steps: 10}",
      "  - {name: 16K, seq-len: 16K, gpus: 8, rings: 1, grad-accumulation: 2, steps: 20}",
      "");

  @TempDir Path folder;

  static Path smallPlan(Path folder) throws Exception {
    Path file = folder.resolve("small.yaml");
    Files.writeString(file, SMALL_PLAN);
    return file;
  }

  @Test
  void theTableHasEveryStageItsBreakdownAndBottleneckAndTheTotal() throws Exception {
    PlanCommandTest.Run run = run("simulate", "--plan", smallPlan(folder).toString());
    assertThat(run.exitCode()).as(run.err()).isZero();
    assertThat(run.out()).contains("llama-2-7b (6.74 B parameters) on dgx-a100:16 (plan: small)")
        .contains("where a step's time goes").contains("bottleneck").contains("total: ");
    for (String stage : new String[] {"32K", "16K"}) {
      assertThat(run.out()).containsPattern("(?m)^" + stage + " +[0-9,]+ +\\d+ +\\d+ × \\d+ ");
    }
    assertThat(run.out()).doesNotContain("OUT OF MEMORY");
    // progress: the stages start two at a time, then one line per stage in stage order with its wall seconds
    assertThat(run.err().lines().toList()).hasSize(3).first().isEqualTo("ringmaster: simulating 2 stages, 2 at a time…");
    assertThat(run.err()).containsPattern("\\nringmaster: stage 32K on 16 GPUs \\(2 × 8\\) done at \\d+\\.\\d s\\n"
        + "ringmaster: stage 16K on 8 GPUs \\(1 × 8\\) done at \\d+\\.\\d s");
  }

  @Test
  void jsonHasTheIssuesFieldsAndAddsUp() throws Exception {
    PlanCommandTest.Run run = run("simulate", "--plan", smallPlan(folder).toString(), "--format", "json");
    assertThat(run.exitCode()).as(run.err()).isZero();
    JsonNode json = new ObjectMapper().readTree(run.out());
    assertThat(fields(json)).containsExactly("stages", "totalMinutes", "events", "wallSeconds");
    double total = 0;
    for (JsonNode stage : json.get("stages")) {
      assertThat(fields(stage)).containsExactly("name", "seqLen", "ringSize", "rings", "stepSeconds", "minutes", "mfu",
          "breakdown", "bottleneck", "peakMemoryBytes", "outOfMemory");
      JsonNode breakdown = stage.get("breakdown");
      assertThat(fields(breakdown)).containsExactly("computeSeconds", "exposedRingSeconds", "exposedZeroSeconds",
          "offloadCopySeconds", "optimizerSeconds", "idleSeconds");
      double parts = 0;
      for (JsonNode seconds : breakdown) {
        parts += seconds.asDouble();
      }
      double step = stage.get("stepSeconds").asDouble();
      assertThat(parts).isCloseTo(step, within(1e-9 * step));
      assertThat(stage.get("mfu").asDouble()).isBetween(0.0, 1.0);
      assertThat(stage.get("peakMemoryBytes").asLong()).isPositive();
      assertThat(stage.get("bottleneck").asText()).endsWith("% of the step");
      total += stage.get("minutes").asDouble();
    }
    JsonNode first = json.get("stages").get(0);
    assertThat(first.get("name").asText()).isEqualTo("32K");
    assertThat(first.get("seqLen").asLong()).isEqualTo(32768);
    assertThat(first.get("ringSize").asInt()).isEqualTo(8);
    assertThat(first.get("rings").asInt()).isEqualTo(2);
    assertThat(first.get("minutes").asDouble()).isCloseTo(10 * first.get("stepSeconds").asDouble() / 60, within(1e-9));
    assertThat(json.get("totalMinutes").asDouble()).isCloseTo(total, within(1e-9));
    assertThat(json.get("events").asLong()).isPositive();
    assertThat(json.get("wallSeconds").asDouble()).isPositive();
  }

  @Test
  void twoReproducibleRunsGiveByteIdenticalJson() throws Exception {
    String plan = smallPlan(folder).toString();
    PlanCommandTest.Run first = run("simulate", "--plan", plan, "--format", "json", "--reproducible");
    PlanCommandTest.Run second = run("simulate", "--plan", plan, "--format", "json", "--reproducible");
    assertThat(first.exitCode()).isZero();
    assertThat(first.out()).doesNotContain("wallSeconds").isEqualTo(second.out());
  }

  @Test
  void aStageThatDoesNotFitIsCalledOut() throws Exception {
    PlanCommandTest.Run run = run("simulate", "--plan", smallPlan(folder).toString(), "--stage", "16K",
        "--set", "gpu-memory-mib=2000");
    assertThat(run.exitCode()).as(run.err()).isZero();
    assertThat(run.out()).containsPattern("(?m)^16K .* OOM$")
        .contains("!! OUT OF MEMORY in stage 16K: a GPU peaks at").contains("but has 1.95 GiB");
    PlanCommandTest.Run json = run("simulate", "--plan", smallPlan(folder).toString(), "--stage", "16K",
        "--set", "gpu-memory-mib=2000", "--format", "json");
    assertThat(new ObjectMapper().readTree(json.out()).get("stages").get(0).get("outOfMemory").asBoolean()).isTrue();
  }

  @Test
  void theTraceIsOneStepOfTheChosenStageWithGpuAndLinkTracks() throws Exception {
    Path trace = folder.resolve("step.json");
    PlanCommandTest.Run run = run("simulate", "--plan", smallPlan(folder).toString(), "--trace", trace.toString(),
        "--trace-stage", "16K");
    assertThat(run.exitCode()).as(run.err()).isZero();
    assertThat(run.err()).contains("trace of stage 16K written to " + trace).contains("the whole step")
        .contains("ui.perfetto.dev");
    JsonNode json = new ObjectMapper().readTree(trace.toFile());
    List<String> tracks = new ArrayList<>();
    int slices = 0;
    for (JsonNode event : json.get("traceEvents")) {
      if (event.get("name").asText().equals("thread_name")) {
        tracks.add(event.get("args").get("name").asText());
      } else if (event.get("ph").asText().equals("X")) {
        slices++;
      }
    }
    assertThat(tracks).contains("GPU 0 (ring 0, rank 0)", "GPU 7 (ring 0, rank 7)").noneMatch(t -> t.startsWith("GPU 8 "))
        .anyMatch(t -> t.startsWith("nvlink ")).anyMatch(t -> t.startsWith("pcie "));
    assertThat(slices).isEqualTo(json.get("otherData").get("events").asInt()).isPositive();

    PlanCommandTest.Run limited = run("simulate", "--plan", smallPlan(folder).toString(), "--stage", "16K",
        "--trace", trace.toString(), "--trace-events", "100");
    assertThat(limited.err()).containsPattern("100 events, the first \\d+\\.\\d+ s of the step \\(the limit of"
        + " --trace-events 100\\)");
  }

  @Test
  void badInputIsOneLine() throws Exception {
    String plan = smallPlan(folder).toString();
    assertBadInput("ringmaster: command line: --placement: expected packed | spread | a list of rings of GPU ids,"
        + " got 'diagonal'", "simulate", "--plan", plan, "--placement", "diagonal");
    assertBadInput("ringmaster: command line: --plan: unknown plan 'gradient-llama9'; known: gradient-llama3-8b,"
        + " gradient-llama3-70b, local-cpu (or the path of a plan .yaml file)", "simulate", "--plan", "gradient-llama9");
    assertBadInput("ringmaster: command line: --stage: no stage '1M' in plan small; its stages: 32K, 16K",
        "simulate", "--plan", plan, "--stage", "1M");
    assertBadInput("ringmaster: command line: --trace-stage: only with --trace FILE.json",
        "simulate", "--plan", plan, "--trace-stage", "16K");
    assertBadInput("ringmaster: command line: --trace-stage: stage 32K is not simulated (--stage 16K)",
        "simulate", "--plan", plan, "--stage", "16K", "--trace", folder.resolve("t.json").toString(),
        "--trace-stage", "32K");
    assertBadInput("ringmaster: command line: --format: expected table | json, got 'xml'",
        "simulate", "--plan", plan, "--format", "xml");
    assertBadInput("ringmaster: command line: --profile: unknown GPU profile 'a100'; known: l40s, a100-80g-sxm,"
        + " a100-40g-sxm, h100-sxm, h200-sxm, cpu (or the path of a profile .yaml file)",
        "simulate", "--plan", plan, "--profile", "a100");
    Path missing = folder.resolve("measured.yaml");
    assertBadInput("ringmaster: command line: --profile: no such file " + missing,
        "simulate", "--plan", plan, "--profile", missing.toString());
    Files.writeString(missing, "gpu: l40s\n");
    assertBadInput("ringmaster: " + missing + ":1:1: peak-tflops: missing; this field is required",
        "simulate", "--plan", plan, "--profile", missing.toString());
    Path bad = folder.resolve("bad.yaml");
    Files.writeString(bad, SMALL_PLAN.replace("rings: 2", "rings: 3"));
    assertBadInput("ringmaster: " + bad + ":6:48: stages[0].rings: 3 rings do not divide 16 GPUs; expected a"
        + " divisor of 16", "simulate", "--plan", bad.toString());
  }

  private static List<String> fields(JsonNode node) {
    List<String> names = new ArrayList<>();
    node.fieldNames().forEachRemaining(names::add);
    return names;
  }
}
