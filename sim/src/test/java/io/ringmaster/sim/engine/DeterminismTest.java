package io.ringmaster.sim.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.ringmaster.actors.protocol.RingLayout;
import org.junit.jupiter.api.Test;

/** The same inputs give a byte-identical outcome, whatever the number of threads running the actors. */
class DeterminismTest {
  @Test
  void twoRunsGiveByteIdenticalResults() throws Exception {
    StageSetup setup = FastForwardTest.stage(RingLayout.ZIGZAG, 3, true, 2);
    String first;
    String second;
    String manyThreads;
    try (SimulationEngine engine = new SimulationEngine(2)) {
      first = FastForwardTest.json(engine.simulate(setup, SimOptions.DEFAULT));
      second = FastForwardTest.json(engine.simulate(setup, SimOptions.DEFAULT));
    }
    try (SimulationEngine engine = new SimulationEngine(4)) {
      manyThreads = FastForwardTest.json(engine.simulate(setup, SimOptions.DEFAULT));
    }
    assertThat(second).isEqualTo(first);
    assertThat(manyThreads).isEqualTo(first);
  }
}
