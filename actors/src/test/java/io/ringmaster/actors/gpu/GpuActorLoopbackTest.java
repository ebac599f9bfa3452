package io.ringmaster.actors.gpu;

import static org.assertj.core.api.Assertions.assertThat;

import io.ringmaster.actors.protocol.CollectiveKind;
import io.ringmaster.actors.protocol.GpuStepReport;
import io.ringmaster.actors.protocol.HostDirection;
import io.ringmaster.actors.protocol.Pass;
import io.ringmaster.actors.protocol.RingLayout;
import io.ringmaster.actors.protocol.ShardSpec;
import io.ringmaster.actors.protocol.StageReport;
import io.ringmaster.actors.protocol.StepOp;
import io.ringmaster.actors.protocol.StepProgram;
import io.ringmaster.actors.protocol.Work;
import io.ringmaster.actors.stage.StageDirector;
import io.ringmaster.actors.stage.StepLauncher;
import io.ringmaster.kernels.HeadLayout;
import io.ringmaster.kernels.Masking;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReferenceArray;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * The GPU actor with a live-style wiring: blocks go straight to the next rank's mailbox (eagerly, so
 * they may arrive before their pass), work completes at once, time is the wall clock. The behaviour
 * is the one the simulation drives; here it must run a ring's passes to the end and account for them.
 */
class GpuActorLoopbackTest {
  private static final ActorTestKit KIT = ActorTestKit.create();
  private static final int RING = 4;
  private static final long TOKENS = 128;

  @AfterAll
  static void stop() {
    KIT.shutdownTestKit();
  }

  @Test
  void aRingRunsItsPassesThroughTheSameProtocol() {
    AtomicReferenceArray<ActorRef<GpuActor.Command>> actors = new AtomicReferenceArray<>(RING);
    List<StageDirector.Assignment> assignments = new ArrayList<>();
    StepProgram program = new StepProgram(List.of(
        new StepOp.PostCollective(CollectiveKind.ALL_GATHER, 0, 1 << 20, 0, 0),
        new StepOp.AwaitCollective(0),
        new StepOp.RingAttention(Pass.FORWARD, 0),
        new StepOp.RingAttention(Pass.RECOMPUTE, 0),
        new StepOp.RingAttention(Pass.BACKWARD, 0),
        new StepOp.Compute(new Work.OptimizerStep(1000, true)),
        new StepOp.HostCopy(HostDirection.HOST_TO_GPU, 1 << 20),
        new StepOp.AwaitAllCollectives()));
    HeadLayout heads = new HeadLayout(4, 2, 16);
    for (int rank = 0; rank < RING; rank++) {
      int next = (rank + 1) % RING;
      ActorRef<GpuActor.Command> gpu = KIT.spawn(GpuActor.create(context -> loopback(context.getSelf(), actors, next)), "gpu-" + rank);
      actors.set(rank, gpu);
      ShardSpec shard = new ShardSpec("loopback", rank, 0, rank, RING, TOKENS, RingLayout.ZIGZAG, Masking.CAUSAL,
          heads, 2, 1L << 30);
      assignments.add(new StageDirector.Assignment(gpu, shard, program));
    }
    TestProbe<StageReport> reports = KIT.createTestProbe();
    ActorRef<StageDirector.Command> director = KIT.spawn(StageDirector.create(StepLauncher.live(KIT.system())), "director");
    director.tell(new StageDirector.StartStage("loopback", assignments, 2, true, reports.getRef()));

    StageReport report = reports.expectMessageClass(StageReport.class, Duration.ofSeconds(30));
    assertThat(report.steps()).hasSize(2);
    long kvBytes = 2L * TOKENS * 2 * 16 * 2;
    long gradientBytes = 2L * TOKENS * 2 * 16 * 4;
    for (StageReport.StepReport step : report.steps()) {
      assertThat(step.gpus()).hasSize(RING);
      for (GpuStepReport gpu : step.gpus()) {
        // zigzag: a block at every step of each of the three passes
        assertThat(gpu.attentionBlocks()).isEqualTo(3L * RING);
        // forward and recompute send K,V N-1 times; backward K,V N-1 times and dK,dV N times
        assertThat(gpu.ringBytesSent()).isEqualTo(3L * (RING - 1) * kvBytes + RING * gradientBytes);
      }
      assertThat(step.blocks()).hasSize(3 * RING * RING);
    }
  }

  private static GpuWiring loopback(ActorRef<GpuActor.Command> self,
      AtomicReferenceArray<ActorRef<GpuActor.Command>> actors, int next) {
    Device device = new Device() {
      @Override
      public void start(Work work) {
        self.tell(GpuActor.WorkCompleted.INSTANCE);
      }

      @Override
      public long nowTicks() {
        return System.nanoTime();
      }

      @Override
      public double secondsPerTick() {
        return 1e-9;
      }
    };
    RingTransport transport = block -> {
      actors.get(next).tell(block);
      self.tell(GpuActor.SendCompleted.of(block));
    };
    Collectives collectives = new Collectives() {
      @Override
      public void post(StepOp.PostCollective collective, int ordinal) {
        self.tell(new GpuActor.CollectiveCompleted(ordinal));
      }

      @Override
      public void hostCopy(HostDirection direction, long bytes) {
        self.tell(GpuActor.HostCopyCompleted.INSTANCE);
      }
    };
    return new GpuWiring(device, transport, collectives, VirtualTime.NONE);
  }
}
