package io.ringmaster.sim.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.ringmaster.actors.gpu.GpuActor;
import io.ringmaster.actors.protocol.GpuStepReport;
import io.ringmaster.actors.protocol.RingLayout;
import io.ringmaster.actors.protocol.StageReport;
import io.ringmaster.kernels.Masking;
import io.ringmaster.sim.clock.PeriodShift;
import io.ringmaster.sim.cost.ProfileLoader;
import io.ringmaster.sim.network.LinkReport;
import io.ringmaster.sim.workload.MemoryTerms;
import io.ringmaster.sim.workload.ModelShape;
import io.ringmaster.sim.workload.StageAssembly;
import io.ringmaster.sim.workload.StageShape;
import io.ringmaster.sim.workload.StageWorkload;
import io.ringmaster.sim.workload.TrainingSetup;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Seeded random stages with named invariants checked while and after they run, in the style of Kafka
 * raft's {@code RaftEventSimulationTest}: each seed picks a cluster shape, ring layout and size, ZeRO
 * stage, offload, checkpointing, gradient accumulation and a memory capacity (some too small), and the
 * invariants must hold whatever it picked. A failure names the seed, so it can be rerun alone.
 */
class SimulationInvariantsTest {
  private final SimulationEngine engine = SharedEngine.get();

  @ParameterizedTest(name = "seed {0}")
  @ValueSource(longs = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12})
  void invariantsHold(long seed) {
    Random random = new Random(seed);
    StageSetup setup = randomStage(random);
    Invariants invariants = new Invariants(setup);
    SimOptions options = SimOptions.DEFAULT.withObserver(invariants).withFastForward(random.nextBoolean());
    StageOutcome outcome = engine.simulate(setup, options);
    invariants.afterRun(outcome);
    long outOfMemory = outcome.report().steps().get(0).gpus().stream().filter(GpuStepReport::outOfMemory).count();
    System.out.printf("seed %d: %d GPUs, %d events (%d simulated, %d fast-forwards), %d out of memory%n", seed,
        setup.gpus().size(), outcome.engine().events(), outcome.engine().simulatedEvents(),
        outcome.engine().fastForwards(), outOfMemory);
    assertThat(invariants.violations()).as("seed %d", seed).isEmpty();
  }

  private static StageSetup randomStage(Random random) {
    int gpusPerNode = random.nextBoolean() ? 2 : 4;
    int nodes = 1 + random.nextInt(3);
    int gpus = gpusPerNode * nodes;
    List<Integer> ringSizes = new ArrayList<>();
    for (int size = 1; size <= gpus; size++) {
      if (gpus % size == 0) {
        ringSizes.add(size);
      }
    }
    int ringSize = ringSizes.get(random.nextInt(ringSizes.size()));
    int rings = gpus / ringSize;
    RingLayout layout = RingLayout.values()[random.nextInt(3)];
    long tokensPerGpu = 512L * (1 + random.nextInt(8));
    int zero = random.nextInt(4);
    boolean offloadOptimizer = random.nextBoolean();
    boolean offloadParameters = zero == 3 && offloadOptimizer && random.nextBoolean();
    TrainingSetup training = new TrainingSetup(2, zero, offloadOptimizer, offloadParameters, random.nextBoolean(),
        layout, Masking.CAUSAL);
    ModelShape model = new ModelShape(3 + random.nextInt(6), 512, 8, 2, 64, 1536, 8000);
    StageShape stage = new StageShape("seed", tokensPerGpu * ringSize, ringSize, rings, 1 + random.nextInt(4));
    long capacity = random.nextBoolean() ? 1L << 30 : 40L << 20;
    MemoryTerms memory = new MemoryTerms(16L << 20, 4L << 20, 8L << 20, 2L << 20, 6L << 20, capacity);
    List<Integer> order = new ArrayList<>();
    for (int g = 0; g < gpus; g++) {
      order.add(g);
    }
    if (random.nextBoolean()) {
      java.util.Collections.shuffle(order, random);
    }
    List<List<Integer>> placement = new ArrayList<>();
    for (int r = 0; r < rings; r++) {
      placement.add(order.subList(r * ringSize, (r + 1) * ringSize));
    }
    return StageAssembly.setup(new StageWorkload(model, training, stage, placement, memory),
        TestClusters.pcieNodes(nodes, gpusPerNode), ProfileLoader.load("l40s"), 1);
  }

  /** The named invariants, watched during the run and checked on its outcome. */
  private static final class Invariants implements SimulationObserver {
    private final StageSetup setup;
    private final List<String> violations = new ArrayList<>();
    private final Map<GpuActor.KvBlock, Integer> inFlight = new HashMap<>();
    private long lastTick = Long.MIN_VALUE;
    private long sent;
    private long received;

    Invariants(StageSetup setup) {
      this.setup = setup;
    }

    List<String> violations() {
      return violations;
    }

    /** Virtual time never decreases. */
    @Override
    public void instant(long tick) {
      if (tick < lastTick) {
        violations.add("virtual time went back from " + lastTick + " to " + tick);
      }
      lastTick = tick;
    }

    @Override
    public void fastForwarded(PeriodShift shift) {
      if (shift.ticks() <= 0 || shift.periods() <= 0) {
        violations.add("a fast-forward that does not move time forward: " + shift);
      }
      Map<GpuActor.KvBlock, Integer> shifted = new HashMap<>();
      inFlight.forEach((block, receiver) -> shifted.put(block.withLayer(shift.layer(block.layer())), receiver));
      inFlight.clear();
      inFlight.putAll(shifted);
      lastTick = shift.tick(lastTick);
    }

    /** Every KV block sent is received exactly once, by the next rank of its ring. */
    @Override
    public void sent(int gpu, GpuActor.KvBlock block) {
      sent++;
      if (inFlight.put(block, nextRank(gpu)) != null) {
        violations.add("block sent twice: " + block);
      }
    }

    @Override
    public void received(long tick, int gpu, GpuActor.KvBlock block) {
      received++;
      Integer receiver = inFlight.remove(block);
      if (receiver == null) {
        violations.add("block received but not in flight (a duplicate or never sent): " + block);
      } else if (receiver != gpu) {
        violations.add("block for GPU " + receiver + " delivered to GPU " + gpu + ": " + block);
      }
    }

    void afterRun(StageOutcome outcome) {
      if (!inFlight.isEmpty()) {
        violations.add(inFlight.size() + " blocks sent and never received, e.g. " + inFlight.keySet().iterator().next());
      }
      if (sent == 0 && setup.gpus().get(0).shard().ringSize() > 1) {
        violations.add("no ring block was sent");
      }
      noLinkAboveCapacity(outcome.links());
      StageReport.StepReport step = outcome.report().steps().get(0);
      for (GpuStepReport gpu : step.gpus()) {
        noGpuOverCapacityUnlessOutOfMemory(gpu);
        timeAddsUp(gpu);
      }
    }

    /** No link carries more than its bandwidth at any instant. */
    private void noLinkAboveCapacity(List<LinkReport> links) {
      for (LinkReport link : links) {
        if (link.overCapacity()) {
          violations.add("link " + link.name() + " at " + link.peakUtilisation() + " of its bandwidth");
        }
      }
    }

    /** No GPU holds more memory than it has unless the run reports out-of-memory. */
    private void noGpuOverCapacityUnlessOutOfMemory(GpuStepReport gpu) {
      long capacity = setup.gpus().get(gpu.gpu()).shard().memoryCapacityBytes();
      if (gpu.peakMemoryBytes() > capacity && !gpu.outOfMemory()) {
        violations.add("GPU " + gpu.gpu() + " peaked at " + gpu.peakMemoryBytes() + " bytes of " + capacity
            + " without reporting out-of-memory");
      }
      if (gpu.peakMemoryBytes() <= capacity && gpu.outOfMemory()) {
        violations.add("GPU " + gpu.gpu() + " reported out-of-memory within its capacity");
      }
    }

    /** A GPU's busy and waiting times add up to its time in the step. */
    private void timeAddsUp(GpuStepReport gpu) {
      double accounted = gpu.computeSeconds() + gpu.optimizerSeconds() + gpu.ringWaitSeconds()
          + gpu.collectiveWaitSeconds() + gpu.hostCopySeconds();
      double elapsed = gpu.finishSeconds() - gpu.startSeconds();
      if (Math.abs(accounted - elapsed) > 1e-9 * Math.max(1, elapsed)) {
        violations.add("GPU " + gpu.gpu() + " accounts " + accounted + " s of " + elapsed + " s");
      }
    }

    private int nextRank(int gpu) {
      var shard = setup.gpus().get(gpu).shard();
      int nextRank = (shard.rank() + 1) % shard.ringSize();
      for (GpuTask task : setup.gpus()) {
        if (task.shard().ring() == shard.ring() && task.shard().rank() == nextRank) {
          return task.shard().gpu();
        }
      }
      throw new IllegalStateException("no next rank for GPU " + gpu);
    }
  }
}
