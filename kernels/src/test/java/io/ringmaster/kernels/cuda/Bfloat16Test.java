package io.ringmaster.kernels.cuda;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class Bfloat16Test {
  @Test
  void keepsTheUpperHalfOfExactValues() {
    assertThat(Bfloat16.fromFloat(1.0f)).isEqualTo((short) 0x3F80);
    assertThat(Bfloat16.fromFloat(-2.0f)).isEqualTo((short) 0xC000);
    assertThat(Bfloat16.toFloat((short) 0x3F80)).isEqualTo(1.0f);
  }

  @Test
  void roundsHalfwayToEven() {
    // bf16 keeps 7 fraction bits: near 1 its step is 2^-7, halfway is 2^-8.
    assertThat(Bfloat16.fromFloat(1.0f + 0x1p-8f)).as("halfway, even below").isEqualTo((short) 0x3F80);
    assertThat(Bfloat16.fromFloat(1.0f + 3 * 0x1p-8f)).as("halfway, even above").isEqualTo((short) 0x3F82);
    assertThat(Bfloat16.fromFloat(1.0f + 0x1p-8f + 0x1p-20f)).as("just above halfway").isEqualTo((short) 0x3F81);
  }

  @Test
  void keepsNanAndInfinity() {
    assertThat(Float.isNaN(Bfloat16.toFloat(Bfloat16.fromFloat(Float.NaN)))).isTrue();
    assertThat(Bfloat16.toFloat(Bfloat16.fromFloat(Float.NEGATIVE_INFINITY))).isEqualTo(Float.NEGATIVE_INFINITY);
  }

  @Test
  void roundTripLosesAtMostHalfAStep() {
    float value = 3.14159265f;
    float rounded = Bfloat16.toFloat(Bfloat16.fromFloat(value));
    assertThat(Math.abs(rounded - value)).isLessThanOrEqualTo(Math.ulp(2.0f) * 65536 / 2);
  }
}
