package io.ringmaster.app;

import static io.ringmaster.app.PlanCommandTest.assertBadInput;
import static org.assertj.core.api.Assertions.assertThat;

import io.ringmaster.kernels.cuda.CudaProbe;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** {@code ringmaster run} and {@code ringmaster worker}: bad input, and a worker killed in the middle of a step. */
class RunCommandTest {
  private static final Pattern BLOCKS_DONE = Pattern.compile("step 0: ([1-9][0-9]*) of \\d+ blocks done");

  @Test
  void badInputIsOneLine() {
    assertBadInput("ringmaster: command line: --local/--seed: give one: --local N starts workers here, --seed"
        + " HOST:PORT joins theirs", "run", "--plan", "local-cpu");
    assertBadInput("ringmaster: command line: --plan: not with --check, which runs its own problem",
        "run", "--local", "2", "--check", "--plan", "local-cpu");
    assertBadInput("ringmaster: plan gradient-llama3-8b: precision: live mode computes and sends fp32 on the cpu"
        + " backend; expected fp32, got bf16", "run", "--local", "4", "--plan", "gradient-llama3-8b");
    assertBadInput("ringmaster: command line: --local: stage 8K of plan local-cpu needs 4 GPU actors (one per worker);"
        + " got 2", "run", "--local", "2", "--plan", "local-cpu");
    assertBadInput("ringmaster: command line: --seq-len/--layout/--mask/--heads: the zigzag layout cannot split 1000"
        + " tokens over a ring of 3: it needs a multiple of 6 tokens (2 chunks per rank)",
        "run", "--local", "3", "--check", "--seq-len", "1000");
    assertBadInput("ringmaster: command line: --plan: unknown plan 'nosuch'; known: gradient-llama3-8b,"
        + " gradient-llama3-70b, local-cpu (or the path of a plan .yaml file)", "run", "--local", "4", "--plan", "nosuch");
    assertBadInput("ringmaster: command line: --local: expected a positive number, got 0",
        "run", "--local", "0", "--plan", "local-cpu");
    assertBadInput("ringmaster: Invalid value for option '--local': 'four' is not an int",
        "run", "--local", "four", "--check");
    assertBadInput("ringmaster: command line: --device: device must be cpu, cuda or auto, not 'gpu'",
        "run", "--local", "4", "--check", "--device", "gpu");
    // checked before the check's problem is printed or any node starts
    assertBadInput("ringmaster: command line: --seed: expected HOST:PORT with PORT in 1..65535, got 'nowhere'",
        "run", "--seed", "nowhere", "--check");
    assertBadInput("ringmaster: command line: --seed/--port: expected HOST:PORT with PORT in 1..65535, got 'nowhere'",
        "worker", "--seed", "nowhere");
    assertBadInput("ringmaster: command line: --device: device must be cpu, cuda or auto, not 'tpu'",
        "worker", "--seed", "127.0.0.1:2551", "--device", "tpu");
  }

  /** Where no CUDA backend can open (CI, most laptops), asking for one is a one-line error with the probe's reason. */
  @Test
  void aWorkerWithoutCudaSaysWhy() {
    CudaProbe probe = CudaProbe.once();
    if (probe.available()) {
      return; // a machine with a usable GPU runs the worker instead; nothing to refuse
    }
    assertBadInput("ringmaster: command line: --device: cuda backend unavailable: " + probe.reason(),
        "worker", "--seed", "127.0.0.1:2551", "--device", "cuda");
  }

  /**
   * Three worker JVMs run a 4-layer stage; one is killed (SIGKILL) once blocks are done. The run names
   * the lost worker's rank and where it was (pass, layer, ring step), stops the others and exits 1.
   */
  @Test
  void aWorkerKilledMidStepIsReportedAndTheRunExitsNonZero() throws Exception {
    Path plan = Path.of(RunCommandTest.class.getResource("/live/ring-of-three-plan.yaml").toURI());
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine commandLine = Main.commandLine();
    commandLine.setOut(new PrintWriter(out, true));
    commandLine.setErr(new PrintWriter(err, true));
    List<ProcessHandle> before = ProcessHandle.current().children().toList();
    CompletableFuture<Integer> exit = CompletableFuture.supplyAsync(
        () -> commandLine.execute("run", "--local", "3", "--plan", plan.toString(), "--timeout", "300"));

    long deadline = System.nanoTime() + Duration.ofMinutes(3).toNanos();
    while (!BLOCKS_DONE.matcher(err.toString()).find() && !exit.isDone() && System.nanoTime() < deadline) {
      Thread.sleep(200);
    }
    List<ProcessHandle> workers = ProcessHandle.current().children().filter(child -> !before.contains(child)).toList();
    assertThat(workers).as(err.toString()).hasSize(3);
    assertThat(exit).as("the run ended before a worker could be killed: " + err).isNotDone();
    workers.get(1).destroyForcibly();
    long killedAt = System.nanoTime();

    int exitCode = exit.get(2, TimeUnit.MINUTES);
    double secondsToExit = (System.nanoTime() - killedAt) / 1e9;
    String report = err.toString();
    System.out.println(report);
    System.out.printf("killed worker pid %d; the run exited %d after %.1f s%n", workers.get(1).pid(), exitCode, secondsToExit);
    assertThat(exitCode).isEqualTo(RunCommand.FAILED);
    assertThat(report).contains("ringmaster: the run failed:");
    Matcher lost = Pattern.compile("worker pekko://ringmaster@127\\.0\\.0\\.1:\\d+ (unreachable|left|removed); it hosted"
        + " GPU (\\d) \\(ring 0, rank (\\d)\\)").matcher(report);
    assertThat(lost.find()).as(report).isTrue();
    assertThat(report).containsPattern("GPU " + lost.group(2) + " \\(ring 0, rank " + lost.group(3) + "\\): lost in"
        + " step 0 at (forward|backward) of layer [0-3], ring step [0-2] \\(blocks done in the step: \\d+ of 24");
    assertThat(out.toString()).doesNotContain("step 0:").doesNotContain("memory ledger");
    for (ProcessHandle worker : workers) {
      worker.onExit().get(30, TimeUnit.SECONDS);
      assertThat(worker.isAlive()).isFalse();
    }
  }
}
