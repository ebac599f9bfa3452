package io.ringmaster.kernels;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class RotaryEmbeddingTest {
  private static final RotaryEmbedding THETA_10K = new RotaryEmbedding(10_000);

  /** d = 4: pair 0 (dims 0, 2) turns at 1 rad per position, pair 1 (dims 1, 3) at 10000^-0.5 = 0.01. */
  @Test
  void rotatesPairsHalfAHeadApart() {
    HostTensor first = new HostTensor(1, 1, 4, new float[] {1, 0, 0, 0});
    assertThat(THETA_10K.rotate(first, TokenPositions.contiguous(1, 1)).values())
        .containsExactly(new float[] {(float) Math.cos(1), 0, (float) Math.sin(1), 0}, within(1e-7f));
    HostTensor second = new HostTensor(1, 1, 4, new float[] {0, 1, 0, 0});
    assertThat(THETA_10K.rotate(second, TokenPositions.contiguous(2, 1)).values())
        .containsExactly(new float[] {0, (float) Math.cos(0.02), 0, (float) Math.sin(0.02)}, within(1e-7f));
    assertThat(THETA_10K.inverseFrequency(1, 4)).isCloseTo(0.01, within(1e-15));
  }

  /** RoPE's point: the score of a rotated query and key depends only on their distance. */
  @Test
  void scoresDependOnlyOnRelativePosition() {
    SeededTensors random = new SeededTensors(5);
    HostTensor q = random.normal(1, 1, 64);
    HostTensor k = random.normal(1, 1, 64);
    double near = dot(THETA_10K.rotate(q, at(7)), THETA_10K.rotate(k, at(3)));
    double far = dot(THETA_10K.rotate(q, at(1_000_007)), THETA_10K.rotate(k, at(1_000_003)));
    assertThat(far).isCloseTo(near, within(1e-4));
    assertThat(dot(THETA_10K.rotate(q, at(9)), THETA_10K.rotate(k, at(3)))).isNotCloseTo(near, within(1e-2));
  }

  @Test
  void rotateBackUndoesRotate() {
    HostTensor x = new SeededTensors(6).normal(10, 3, 8);
    TokenPositions positions = TokenPositions.contiguous(123_456, 10);
    assertThat(THETA_10K.rotateBack(THETA_10K.rotate(x, positions), positions).values())
        .containsExactly(x.values(), within(1e-5f));
  }

  @Test
  void rejectsBadThetaAndOddHeadDim() {
    assertThatThrownBy(() -> new RotaryEmbedding(1.0)).hasMessageContaining("theta");
    assertThatThrownBy(() -> THETA_10K.tables(at(0), 5)).hasMessageContaining("even head dim");
  }

  private static TokenPositions at(int position) {
    return TokenPositions.contiguous(position, 1);
  }

  private static double dot(HostTensor a, HostTensor b) {
    double sum = 0;
    for (int i = 0; i < a.values().length; i++) {
      sum += (double) a.values()[i] * b.values()[i];
    }
    return sum;
  }
}
