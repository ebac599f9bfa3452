package io.ringmaster.sim.engine;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.ringmaster.actors.protocol.RingLayout;
import io.ringmaster.kernels.Masking;
import io.ringmaster.sim.cost.ProfileLoader;
import io.ringmaster.sim.workload.MemoryTerms;
import io.ringmaster.sim.workload.ModelShape;
import io.ringmaster.sim.workload.StageAssembly;
import io.ringmaster.sim.workload.StageShape;
import io.ringmaster.sim.workload.StageWorkload;
import io.ringmaster.sim.workload.TrainingSetup;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class FastForwardTest {
  private final SimulationEngine engine = SharedEngine.get();

  @Test
  void skippingIdenticalLayersChangesNoResult() throws Exception {
    StageSetup setup = stage(RingLayout.ZIGZAG, 3, true, 2);
    StageOutcome skipped = engine.simulate(setup, SimOptions.DEFAULT);
    StageOutcome simulated = engine.simulate(setup, SimOptions.DEFAULT.withFastForward(false));
    System.out.println(skipped.engine() + " vs " + simulated.engine());
    assertThat(skipped.engine().fastForwards()).isPositive();
    assertThat(json(skipped)).isEqualTo(json(simulated));
  }

  @Test
  void skippingIdenticalMicroBatchesChangesNoResult() throws Exception {
    StageSetup setup = stage(RingLayout.RING, 3, false, 6);
    StageOutcome skipped = engine.simulate(setup, SimOptions.DEFAULT);
    StageOutcome simulated = engine.simulate(setup, SimOptions.DEFAULT.withFastForward(false));
    System.out.println(skipped.engine() + " vs " + simulated.engine());
    assertThat(skipped.engine().simulatedEvents()).isLessThan(simulated.engine().events() / 2);
    assertThat(json(skipped)).isEqualTo(json(simulated));
  }

  @Test
  void blockReportsListEveryBlockAndTurnFastForwardOff() {
    StageSetup setup = stage(RingLayout.ZIGZAG, 3, true, 1);
    StageOutcome reported = engine.simulate(setup, SimOptions.DEFAULT.withBlockReports(true));
    var step = reported.report().steps().get(0);
    assertThat(reported.engine().fastForwards()).isZero();
    // zigzag: a block at every one of the 8 ring steps, 3 passes per layer, 12 layers, on each of 8 GPUs
    assertThat(step.blocks()).hasSize(8 * 8 * 3 * 12);
    assertThat(step.blocks()).allSatisfy(block -> assertThat(block.endSeconds()).isGreaterThan(block.startSeconds()));
  }

  static StageSetup stage(RingLayout layout, int zero, boolean offload, int gradAccumulation) {
    ModelShape model = new ModelShape(12, 1024, 16, 4, 64, 3584, 32000);
    TrainingSetup training = new TrainingSetup(2, zero, offload, offload && zero == 3, true, layout, Masking.CAUSAL);
    StageShape shape = new StageShape("ff", 8L * 4096, 8, 1, gradAccumulation);
    List<Integer> ring = IntStream.range(0, 8).boxed().toList();
    return StageAssembly.setup(new StageWorkload(model, training, shape, List.of(ring), MemoryTerms.untracked(48L << 30)),
        TestClusters.pcieNodes(2, 4), ProfileLoader.load("l40s"), 1);
  }

  /** Everything the outcome reports but how the engine got there. */
  static String json(StageOutcome outcome) throws Exception {
    ObjectMapper mapper = new ObjectMapper().enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS);
    return mapper.writeValueAsString(List.of(outcome.report(), outcome.links(), outcome.bottleneckSeconds(),
        outcome.engine().events(), outcome.engine().virtualSeconds()));
  }
}
