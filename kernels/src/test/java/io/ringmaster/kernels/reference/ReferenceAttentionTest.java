package io.ringmaster.kernels.reference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.ringmaster.kernels.HostTensor;
import io.ringmaster.kernels.Masking;
import io.ringmaster.kernels.SeededTensors;
import io.ringmaster.kernels.TokenPositions;
import org.junit.jupiter.api.Test;

class ReferenceAttentionTest {
  private static final TokenPositions ONE_QUERY_AT_ZERO = TokenPositions.contiguous(0, 1);
  private static final TokenPositions TWO_KEYS_AT_ZERO = TokenPositions.contiguous(0, 2);

  /**
   * Head dim 2, so the scale is 1/sqrt(2): q = (sqrt 2, 0) gives scaled scores equal to the keys' first
   * element, 0 and ln 3, hence probabilities 1/4 and 3/4 and LSE ln 4.
   */
  @Test
  void twoKeysByHand() {
    HostTensor q = new HostTensor(1, 1, 2, new float[] {(float) Math.sqrt(2), 0});
    HostTensor k = new HostTensor(2, 1, 2, new float[] {0, 5, (float) Math.log(3), -5});
    HostTensor v = new HostTensor(2, 1, 2, new float[] {4, 0, 0, 8});
    ReferenceAttention.Forward forward =
        ReferenceAttention.forward(q, k, v, ONE_QUERY_AT_ZERO, TokenPositions.contiguous(-1, 2), Masking.CAUSAL);
    assertThat(forward.out().values()).containsExactly(new float[] {1, 6}, within(1e-6f));
    assertThat(forward.lse().values()[0]).isCloseTo((float) Math.log(4), within(1e-6f));
  }

  @Test
  void causalMaskHidesLaterKeys() {
    HostTensor q = new HostTensor(1, 1, 2, new float[] {1, 2});
    HostTensor k = new HostTensor(2, 1, 2, new float[] {0.5f, 0, 9, 9});
    HostTensor v = new HostTensor(2, 1, 2, new float[] {3, -1, 100, 100});
    ReferenceAttention.Forward forward = ReferenceAttention.forward(q, k, v, ONE_QUERY_AT_ZERO, TWO_KEYS_AT_ZERO, Masking.CAUSAL);
    assertThat(forward.out().values()).containsExactly(3, -1);
    assertThat(forward.lse().values()[0]).isCloseTo((float) (0.5 / Math.sqrt(2)), within(1e-6f));
  }

  @Test
  void rowThatSeesNoKeyIsEmpty() {
    HostTensor q = new HostTensor(1, 1, 2, new float[] {1, 2});
    HostTensor kv = new HostTensor(2, 1, 2, new float[] {1, 1, 1, 1});
    ReferenceAttention.Forward forward =
        ReferenceAttention.forward(q, kv, kv, ONE_QUERY_AT_ZERO, TokenPositions.contiguous(1, 2), Masking.CAUSAL);
    assertThat(forward.out().values()).containsOnly(0f);
    assertThat(forward.lse().values()).containsOnly(Float.NEGATIVE_INFINITY);
    HostTensor dOut = new HostTensor(1, 1, 2, new float[] {1, 1});
    ReferenceAttention.Gradients gradients =
        ReferenceAttention.backward(q, kv, kv, dOut, ONE_QUERY_AT_ZERO, TokenPositions.contiguous(1, 2), Masking.CAUSAL);
    assertThat(gradients.dq().values()).containsOnly(0f);
    assertThat(gradients.dk().values()).containsOnly(0f);
  }

  /** 4 query heads on 2 KV heads: with one key, each query head's output is its KV head's value. */
  @Test
  void groupedQueryHeadsReadTheirKvHead() {
    HostTensor q = new SeededTensors(1).normal(1, 4, 2);
    HostTensor k = new SeededTensors(2).normal(1, 2, 2);
    HostTensor v = new HostTensor(1, 2, 2, new float[] {1, 2, 3, 4});
    ReferenceAttention.Forward forward = ReferenceAttention.forward(q, k, v, ONE_QUERY_AT_ZERO, ONE_QUERY_AT_ZERO, Masking.NONE);
    assertThat(forward.out().values()).containsExactly(1, 2, 1, 2, 3, 4, 3, 4);
  }

  /**
   * The reference's gradients, RoPE backward included, against central differences of
   * {@code L = sum(dOut * out)} on a tiny causal GQA problem.
   */
  @Test
  void gradientsMatchFiniteDifferences() {
    SeededTensors random = new SeededTensors(3);
    int tokens = 6;
    HostTensor q = random.normal(tokens, 4, 8);
    HostTensor k = random.normal(tokens, 2, 8);
    HostTensor v = random.normal(tokens, 2, 8);
    HostTensor dOut = random.normal(tokens, 4, 8);
    TokenPositions positions = TokenPositions.contiguous(40, tokens);
    double theta = 10_000;
    ReferenceAttention.Result analytic = ReferenceAttention.withRope(q, k, v, dOut, positions, Masking.CAUSAL, theta);
    HostTensor[] inputs = {q, k, v};
    HostTensor[] gradients = {analytic.dq(), analytic.dk(), analytic.dv()};
    double worst = 0;
    for (int input = 0; input < inputs.length; input++) {
      float[] values = inputs[input].values();
      for (int i = 0; i < values.length; i++) {
        float original = values[i];
        values[i] = original + 1e-2f;
        double up = loss(q, k, v, dOut, positions, theta);
        float upValue = values[i];
        values[i] = original - 1e-2f;
        double down = loss(q, k, v, dOut, positions, theta);
        float downValue = values[i];
        values[i] = original;
        double numeric = (up - down) / ((double) upValue - downValue);
        worst = Math.max(worst, Math.abs(numeric - gradients[input].values()[i]));
      }
    }
    assertThat(worst).isLessThan(2e-3);
    assertThat(maxAbs(analytic.dq())).isGreaterThan(0.1);
  }

  private static double loss(HostTensor q, HostTensor k, HostTensor v, HostTensor dOut, TokenPositions positions, double theta) {
    HostTensor out = ReferenceAttention.withRope(q, k, v, dOut, positions, Masking.CAUSAL, theta).out();
    double sum = 0;
    for (int i = 0; i < out.values().length; i++) {
      sum += (double) out.values()[i] * dOut.values()[i];
    }
    return sum;
  }

  private static double maxAbs(HostTensor x) {
    double max = 0;
    for (float value : x.values()) {
      max = Math.max(max, Math.abs(value));
    }
    return max;
  }
}
