package io.ringmaster.topology.plan;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.ringmaster.topology.model.ModelSpec;
import org.junit.jupiter.api.Test;

class RopeThetaTest {
  private static final ModelSpec LLAMA3 = new ModelSpec("t", 1, 128, 1, 1, 128, 1, 1, 500_000, 8192, false);

  @Test
  void scalingLawGivesTheReferenceValues() {
    // reference/models.md: 3,580,165,449 at 1,048,576 tokens and 45,218,125,210 at 4,194,304
    RopeTheta rule = new RopeTheta.ScalingLaw();
    assertThat(rule.value(LLAMA3, 1_048_576)).isCloseTo(3_580_165_449.0, within(1.0));
    assertThat(rule.value(LLAMA3, 4_194_304)).isCloseTo(45_218_125_210.0, within(10.0));
  }

  @Test
  void noLongerThanTheTrainedContextKeepsTheBase() {
    assertThat(new RopeTheta.ScalingLaw().value(LLAMA3, 8192)).isEqualTo(500_000);
    assertThat(new RopeTheta.ScalingLaw().value(LLAMA3, 4096)).isEqualTo(500_000);
  }

  @Test
  void givenIsGiven() {
    assertThat(new RopeTheta.Given(15.3e6).value(LLAMA3, 65_536)).isEqualTo(15.3e6);
  }
}
