package io.ringmaster.app;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class PlanCommandTest {
  record Run(int exitCode, String out, String err) {}

  static Run run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine commandLine = Main.commandLine();
    commandLine.setOut(new PrintWriter(out));
    commandLine.setErr(new PrintWriter(err));
    int exitCode = commandLine.execute(args);
    return new Run(exitCode, out.toString(), err.toString());
  }

  /** Bad input: exit code 2, one line on stderr naming the field, nothing on stdout, no stack trace. */
  static void assertBadInput(String expectedLine, String... args) {
    Run run = run(args);
    assertThat(run.exitCode()).as(run.err()).isEqualTo(2);
    assertThat(run.out()).isEmpty();
    assertThat(run.err().lines()).hasSize(1);
    assertThat(run.err().strip()).isEqualTo(expectedLine);
  }

  @Test
  void noArgumentsPrintsUsage() {
    Run run = run();
    assertThat(run.exitCode()).isZero();
    assertThat(run.out()).contains("Usage: ringmaster").contains("plan");
  }

  @Test
  void unknownOptionsAndCommandsAreOneLine() {
    assertBadInput("ringmaster: Unknown option: '--bogus'", "plan", "--bogus");
    assertBadInput("ringmaster: Unmatched argument at index 0: 'simulatee'", "simulatee");
    assertBadInput("ringmaster: Missing required parameter for option '--plan' (FILE|NAME)", "plan", "--plan");
  }

  @Test
  void packagedPlansPrintEveryStage() {
    Run eight = run("plan", "--plan", "gradient-llama3-8b");
    assertThat(eight.exitCode()).isZero();
    for (String stage : new String[] {"65K", "262K", "524K", "1048K", "4194K"}) {
      assertThat(eight.out()).contains("stage " + stage + ":");
    }
    Run seventy = run("plan", "--plan", "gradient-llama3-70b");
    for (String stage : new String[] {"65K", "262K", "524K", "1048K"}) {
      assertThat(seventy.out()).contains("stage " + stage + ":");
    }
    assertThat(seventy.out()).contains("all 4 stages fit");
  }

  @Test
  void planJsonIsValidWithEveryStage() throws Exception {
    Run run = run("plan", "--plan", "gradient-llama3-8b", "--format", "json");
    JsonNode json = new ObjectMapper().readTree(run.out());
    assertThat(json.get("stages")).hasSize(5);
    assertThat(json.get("stages").get(0).get("memory").get("total").asLong()).isPositive();
    assertThat(run.err()).isEmpty();
  }

  @Test
  void oneStageFromOptions() throws Exception {
    Run run = run("plan", "--model", "llama-3-70b", "--cluster", "crusoe-l40s:512", "--seq-len", "1M", "--ring", "128",
        "--offload", "optimizer+parameters", "--format", "json");
    JsonNode json = new ObjectMapper().readTree(run.out());
    assertThat(json.get("seqLen").asLong()).isEqualTo(1_048_576);
    assertThat(json.get("ringSize").asInt()).isEqualTo(128);
    assertThat(json.get("rings").asInt()).isEqualTo(1);
    assertThat(json.get("tokensPerGpu").asLong()).isEqualTo(8192);
    assertThat(json.get("fits").asBoolean()).isTrue();
  }

  @Test
  void maxContextPrintsItsAnswerAndSearchTime() throws Exception {
    Run table = run("plan", "--model", "llama-2-7b", "--cluster", "dgx-a100:8", "--ring", "8", "--precision", "fp32",
        "--max-context");
    assertThat(table.out()).containsPattern("max context: [0-9,]+ tokens on a ring of 8 .*search: \\d+ ledgers in [0-9.]+ ms");
    Run json = run("plan", "--model", "llama-2-7b", "--cluster", "dgx-a100:8", "--ring", "8", "--precision", "fp32",
        "--max-context", "--format", "json");
    assertThat(new ObjectMapper().readTree(json.out()).get("maxSeqLen").asLong()).isBetween(262_144L, 524_287L);
    assertThat(json.err()).containsPattern("max-context search: \\d+ ledgers in [0-9.]+ ms");
  }

  @Test
  void minRingPrintsItsAnswer() throws Exception {
    Run json = run("plan", "--model", "llama-3-70b", "--cluster", "crusoe-l40s:512", "--seq-len", "1M",
        "--offload", "optimizer+parameters", "--min-ring", "--format", "json");
    int minRing = new ObjectMapper().readTree(json.out()).get("minRing").asInt();
    assertThat(minRing).isPositive();
    assertThat(json.err()).contains("min-ring search");
    Run plan = run("plan", "--plan", "gradient-llama3-8b", "--stage", "4194K", "--min-ring");
    assertThat(plan.out()).containsPattern("min ring: \\d+ GPUs for 4,194,304 tokens").doesNotContain("stage 65K");
  }

  @Test
  void planSettingsAndClusterFieldsCanBeOverridden() {
    Run run = run("plan", "--plan", "gradient-llama3-8b", "--stage", "65K", "--offload", "none", "--set", "nic-gbps=400");
    assertThat(run.out()).contains("offload none").contains("crusoe-l40s:512 (nic-gbps=400)");
  }

  @Test
  void everyBadInputIsOneLineAndExitCodeTwo(@TempDir Path dir) throws Exception {
    assertBadInput("ringmaster: command line: --seq-len: 100000 tokens cannot be split evenly by the zigzag layout"
        + " into 128 chunks (ring of 64); expected a multiple of 128",
        "plan", "--model", "llama-3-8b", "--cluster", "crusoe-l40s:512", "--seq-len", "100000", "--ring", "64");
    assertBadInput("ringmaster: command line: --ring × --rings: 16 GPUs, but cluster dgx-a100:8 has 8",
        "plan", "--model", "llama-3-8b", "--cluster", "dgx-a100:8", "--seq-len", "64K", "--ring", "8", "--rings", "2");
    assertBadInput("ringmaster: command line: --cluster: unknown cluster 'tpu-v5'; known: crusoe-l40s, dgx-a100,"
        + " dgx-h100, local-cpu (or the path of a cluster .yaml file)",
        "plan", "--model", "llama-3-8b", "--cluster", "tpu-v5", "--seq-len", "64K", "--ring", "8");
    assertBadInput("ringmaster: command line: --ring: expected a positive whole number, got 0",
        "plan", "--model", "llama-3-8b", "--cluster", "dgx-a100:8", "--seq-len", "64K", "--ring", "0");
    assertBadInput("ringmaster: command line: --seq-len: expected a positive token count, got -5",
        "plan", "--model", "llama-3-8b", "--cluster", "dgx-a100:8", "--seq-len", "-5", "--ring", "8");
    assertBadInput("ringmaster: command line: --model: required (or give --plan FILE|NAME)",
        "plan", "--cluster", "dgx-a100:8", "--seq-len", "64K", "--ring", "8");
    assertBadInput("ringmaster: command line: --zero: expected a ZeRO stage 0, 1, 2 or 3, got 5",
        "plan", "--model", "llama-3-8b", "--cluster", "dgx-a100:8", "--seq-len", "64K", "--ring", "8", "--zero", "5");
    assertBadInput("ringmaster: command line: --format: expected table | json, got 'xml'",
        "plan", "--plan", "gradient-llama3-8b", "--format", "xml");
    assertBadInput("ringmaster: command line: --min-ring: ask for --max-context or --min-ring, not both",
        "plan", "--plan", "gradient-llama3-8b", "--max-context", "--min-ring");
    assertBadInput("ringmaster: command line: --seq-len: not with --plan: the plan's stages give it",
        "plan", "--plan", "gradient-llama3-8b", "--seq-len", "64K");
    assertBadInput("ringmaster: command line: --stage: no stage '2M' in plan gradient-llama3-8b; its stages: 65K,"
        + " 262K, 524K, 1048K, 4194K", "plan", "--plan", "gradient-llama3-8b", "--stage", "2M");
    assertBadInput("ringmaster: command line: --set nic-gbps: expected a positive number, got 'fast'",
        "plan", "--plan", "gradient-llama3-8b", "--set", "nic-gbps=fast");
    assertBadInput("ringmaster: command line: --seq-len: not with --max-context: it searches the sequence length", "plan", "--model", "llama-3-8b", "--cluster", "dgx-a100:8", "--seq-len", "64K",
        "--ring", "8", "--max-context");
    Path plan = dir.resolve("broken.yaml");
    Files.writeString(plan, "model: llama-3-8b\ncluster: [dgx-a100:8\n");
    assertBadInput("ringmaster: " + plan + ":3:1: YAML syntax: expected ',' or ']', but got <stream end>",
        "plan", "--plan", plan.toString());
  }
}
