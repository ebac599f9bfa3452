package io.ringmaster.app.live;

import static org.assertj.core.api.Assertions.assertThat;

import io.ringmaster.actors.gpu.GpuActor;
import io.ringmaster.actors.live.StageSupervisor;
import io.ringmaster.actors.process.WorkerProcess;
import io.ringmaster.actors.protocol.BlockReport;
import io.ringmaster.actors.protocol.GpuStepReport;
import io.ringmaster.actors.protocol.StageReport;
import io.ringmaster.kernels.HeadLayout;
import io.ringmaster.kernels.HostTensor;
import io.ringmaster.kernels.Masking;
import io.ringmaster.kernels.layout.ShardLayout;
import io.ringmaster.kernels.reference.ReferenceAttention;
import io.ringmaster.sim.cost.ProfileLoader;
import io.ringmaster.sim.memory.MemoryLedger;
import io.ringmaster.topology.plan.PlanLoader;
import io.ringmaster.topology.plan.TrainingPlan;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.pekko.actor.typed.ActorRef;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Ring attention by GPU actors in four real worker JVMs on 127.0.0.1 (started once, shared by every
 * case), against the double reference; and a plan stage's report, sizes derived by hand.
 */
class LiveRingTest {
  private static final Duration TIMEOUT = Duration.ofMinutes(3);
  private static final HeadLayout GQA = new HeadLayout(8, 2, 64);
  private static LiveCluster cluster;
  private static List<ActorRef<GpuActor.Command>> gpus;

  @BeforeAll
  static void startWorkers() throws Exception {
    cluster = LiveCluster.local(4, "cpu", new PrintWriter(System.out, true));
    gpus = cluster.discover(4);
  }

  @AfterAll
  static void stopWorkers() {
    List<WorkerProcess> workers = cluster.workers().orElseThrow().workers();
    cluster.close();
    assertThat(workers).noneMatch(WorkerProcess::isAlive);
  }

  static Stream<Arguments> rings() {
    return Stream.of(
        Arguments.of("causal zigzag, ring of 4, GQA 8/2", spec(512, 4, ShardLayout.ZIGZAG, Masking.CAUSAL, GQA)),
        // 150-token blocks: the CPU backend's 256-row tiles divide neither a block nor the sequence
        Arguments.of("causal contiguous, ring of 4, 600 tokens", spec(600, 4, ShardLayout.RING, Masking.CAUSAL, GQA)),
        Arguments.of("non-causal stripe, ring of 3", spec(600, 3, ShardLayout.STRIPE, Masking.NONE, GQA)),
        Arguments.of("causal zigzag, ring of 2, 600 tokens", spec(600, 2, ShardLayout.ZIGZAG, Masking.CAUSAL, GQA)),
        Arguments.of("causal zigzag, ring of 1", spec(256, 1, ShardLayout.ZIGZAG, Masking.CAUSAL, GQA)),
        Arguments.of("non-causal contiguous, ring of 4, no GQA",
            spec(256, 4, ShardLayout.RING, Masking.NONE, new HeadLayout(4, 4, 32))));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("rings")
  void liveRingMatchesTheReference(String name, LiveCheck.Spec spec) {
    LiveCheck.Problem problem = LiveCheck.Problem.of(spec);
    LiveCheck.RingResult ring = LiveCheck.runRing(cluster.system(), gpus.subList(0, spec.ringSize()), spec, problem,
        TIMEOUT, progress -> { });
    ReferenceAttention.Result reference = LiveCheck.reference(spec, problem);
    LiveCheck.Errors errors = LiveCheck.errors(reference, ring);
    System.out.println(name + ": " + errors.byOutput());
    assertThat(errors.byOutput()).hasSize(5);
    errors.byOutput().forEach((output, error) -> assertThat(error).as(output).isLessThanOrEqualTo(LiveCheck.MAX_ABS_ERROR));
    // a bound on values of order one: the outputs compared are not all tiny
    assertThat(largestMagnitude(reference.dq())).isGreaterThan(0.1);
    assertThat(largestMagnitude(reference.out())).isGreaterThan(0.1);
    StageReport.StepReport step = ring.report().steps().get(0);
    assertThat(step.gpus()).hasSize(spec.ringSize());
  }

  @Test
  void aPlanStageReportsEveryStepAndTheRealBuffers() throws Exception {
    Path planFile = Path.of(LiveRingTest.class.getResource("/live/two-layer-plan.yaml").toURI());
    TrainingPlan plan = PlanLoader.load(planFile.toString());
    LivePlan live = LivePlan.of(plan, plan.stages().get(0));
    StageSupervisor.Outcome outcome = StageSupervisor.await(cluster.system(),
        new StageSupervisor.Run("1K", live.assignments(gpus), 2, TIMEOUT), progress -> { });
    assertThat(outcome).isInstanceOf(StageSupervisor.Completed.class);
    StageReport report = ((StageSupervisor.Completed) outcome).report();
    assertThat(report.steps()).hasSize(2);
    // 1024 tokens on a ring of 4: c = 256 rows per GPU; 8 query heads and 2 KV heads of 64, fp32
    long kvBlockBytes = 2L * 256 * 2 * 64 * 4;
    long perLayerActivations = 2 * (256L * 8 * 64 * 4) + 256L * 8 * 4 + 2 * (256L * 2 * 64 * 4) + kvBlockBytes;
    for (StageReport.StepReport step : report.steps()) {
      assertThat(step.gpus()).hasSize(4);
      for (GpuStepReport gpu : step.gpus()) {
        // zigzag: a block at each of the 4 ring steps, forward and backward, of both layers
        assertThat(gpu.attentionBlocks()).isEqualTo(2 * 2 * 4);
        // per layer: K,V sent 3 times forward and 3 times backward, dK,dV 4 times
        assertThat(gpu.ringBytesSent()).isEqualTo(2 * 10 * kvBlockBytes);
        MemoryLedger ledger = LiveReport.ledger(gpu);
        // the peak is in the top layer's backward: both layers' state, one output gradient
        assertThat(ledger.activationsBytes()).isEqualTo(2 * perLayerActivations);
        assertThat(ledger.recomputeWorkingSetBytes()).isEqualTo(256L * 8 * 64 * 4);
        assertThat(ledger.ringBuffersBytes()).isPositive();
        assertThat(ledger.weightsBytes() + ledger.gradientsBytes() + ledger.optimizerBytes()).isZero();
        assertThat(gpu.peakMemoryBytes()).isEqualTo(ledger.totalBytes());
        // busy and waiting add up to the step, less what the worker spends between works: microseconds on
        // a quiet machine, tens of milliseconds when a loaded one deschedules the worker (seen: 10 ms in CI)
        double stepSeconds = gpu.finishSeconds() - gpu.startSeconds();
        double accountedSeconds = gpu.computeSeconds() + gpu.ringWaitSeconds();
        assertThat(accountedSeconds).isLessThanOrEqualTo(stepSeconds + 1e-6)
            .isGreaterThan(stepSeconds - Math.max(0.05, 0.1 * stepSeconds));
      }
      assertThat(step.blocks()).hasSize(4 * 2 * 2 * 4);
    }
    StageReport predicted = LiveComparison.simulate(live, ProfileLoader.load("cpu"), 2);
    assertThat(blockKeys(predicted)).isEqualTo(blockKeys(report));
  }

  private static Set<String> blockKeys(StageReport report) {
    return report.steps().stream().flatMap(step -> step.blocks().stream())
        .map((BlockReport block) -> block.gpu() + "/" + block.pass() + "/" + block.layer() + "/" + block.step())
        .collect(Collectors.toSet());
  }

  private static LiveCheck.Spec spec(int tokens, int ringSize, ShardLayout layout, Masking masking, HeadLayout heads) {
    return new LiveCheck.Spec(tokens, ringSize, layout, masking, heads, 500_000, tokens * 7L + ringSize);
  }

  private static double largestMagnitude(HostTensor tensor) {
    double largest = 0;
    for (float value : tensor.values()) {
      largest = Math.max(largest, Math.abs(value));
    }
    return largest;
  }
}
