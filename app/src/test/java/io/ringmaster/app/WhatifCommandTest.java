package io.ringmaster.app;

import static io.ringmaster.app.PlanCommandTest.assertBadInput;
import static io.ringmaster.app.PlanCommandTest.run;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WhatifCommandTest {
  @TempDir Path folder;

  @Test
  void theTableRanksTheCombinationsAndListsTheInvalidOnes() throws Exception {
    String plan = SimulateCommandTest.smallPlan(folder).toString();
    PlanCommandTest.Run run = run("whatif", "--plan", plan, "--stage", "32K", "--vary", "ring=3,8,16",
        "--vary", "nic-gbps=25,400");
    assertThat(run.exitCode()).as(run.err()).isZero();
    List<String> lines = run.out().lines().toList();
    int header = lines.indexOf(lines.stream().filter(l -> l.startsWith("rank")).findFirst().orElseThrow());
    assertThat(lines.get(header)).containsPattern("rank +ring +nic-gbps +total min +speed-up +peak GiB +longest stage: its bottleneck");
    assertThat(lines.get(header + 1)).startsWith("1 ");
    assertThat(run.out()).containsPattern("(?m)^as given .* 1\\.00× +[0-9.]+ +32K: ")
        .contains("invalid combinations")
        .contains("ring=3 nic-gbps=25: --vary ring: a ring of 3 GPUs does not divide stage 32K's 16 GPUs");
    // progress: the plan as given, then each of the 6 combinations
    assertThat(run.err().lines().toList()).hasSize(7);
    assertThat(run.err()).contains("[0/6] the plan as given… ").contains("[6/6] ring=16 nic-gbps=400… ")
        .contains("[1/6] ring=3 nic-gbps=25… invalid");
  }

  @Test
  void jsonRanksByTotalTimeWithTheSpeedUpOverThePlanAsGiven() throws Exception {
    String plan = SimulateCommandTest.smallPlan(folder).toString();
    PlanCommandTest.Run run = run("whatif", "--plan", plan, "--stage", "32K", "--vary", "nic-gbps=25,400",
        "--vary", "placement=packed,spread", "--format", "json", "--reproducible");
    assertThat(run.exitCode()).as(run.err()).isZero();
    JsonNode json = new ObjectMapper().readTree(run.out());
    assertThat(json.has("wallSeconds")).isFalse();
    double asGiven = json.get("asGiven").get("totalMinutes").asDouble();
    List<Double> totals = new ArrayList<>();
    for (JsonNode combination : json.get("combinations")) {
      assertThat(combination.get("valid").asBoolean()).isTrue();
      double total = combination.get("totalMinutes").asDouble();
      assertThat(combination.get("speedup").asDouble()).isEqualTo(asGiven / total);
      assertThat(combination.get("stages")).hasSize(1);
      // the combination's peak is its one stage's, and it fits
      assertThat(combination.get("peakMemoryBytes").asLong())
          .isEqualTo(combination.get("stages").get(0).get("peakMemoryBytes").asLong()).isPositive();
      assertThat(combination.get("outOfMemory").asBoolean()).isFalse();
      totals.add(total);
    }
    assertThat(totals).hasSize(4).isSorted();
    assertThat(run.out()).isEqualTo(run("whatif", "--plan", plan, "--stage", "32K", "--vary", "nic-gbps=25,400",
        "--vary", "placement=packed,spread", "--format", "json", "--reproducible").out());
  }

  @Test
  void badInputIsOneLine() throws Exception {
    String plan = SimulateCommandTest.smallPlan(folder).toString();
    assertBadInput("ringmaster: Missing required option: '--vary=KEY=V1,V2,...'", "whatif", "--plan", plan);
    assertBadInput("ringmaster: command line: --vary: expected KEY=V1,V2,... such as nic-gbps=100,175,400,"
        + " got 'nic-gbps'", "whatif", "--plan", plan, "--vary", "nic-gbps");
    assertBadInput("ringmaster: command line: --vary: vary ring (GPUs per ring) or rings (rings per stage), not"
        + " both: each decides the other", "whatif", "--plan", plan, "--vary", "ring=8", "--vary", "rings=1");
    assertBadInput("ringmaster: command line: --stage: no stage '1M' in plan small; its stages: 32K, 16K",
        "whatif", "--plan", plan, "--stage", "1M", "--vary", "nic-gbps=100");
    assertBadInput("ringmaster: command line: --profile: unknown GPU profile 'a100'; known: l40s, a100-80g-sxm,"
        + " a100-40g-sxm, h100-sxm, h200-sxm, cpu (or the path of a profile .yaml file)",
        "whatif", "--plan", plan, "--profile", "a100", "--vary", "nic-gbps=100");
  }
}
