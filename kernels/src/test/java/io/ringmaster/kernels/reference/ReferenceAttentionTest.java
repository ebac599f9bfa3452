package io.ringmaster.kernels.reference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.ringmaster.kernels.HostTensor;
import io.ringmaster.kernels.Masking;
import io.ringmaster.kernels.SeededTensors;
import io.ringmaster.kernels.TensorDifference;
import io.ringmaster.kernels.TokenPositions;
import java.util.Arrays;
import java.util.Random;
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

  /**
   * Causality: the first 300 rows of a 700-token causal problem are the 300-token problem. The sizes
   * cross the reference's row blocks and key chunks, so the keys a block skips as unseen matter here.
   */
  @Test
  void causalRowsDependOnlyOnEarlierTokens() {
    SeededTensors random = new SeededTensors(4);
    HostTensor q = random.normal(700, 4, 16);
    HostTensor k = random.normal(700, 2, 16);
    HostTensor v = random.normal(700, 2, 16);
    TokenPositions positions = TokenPositions.contiguous(0, 700);
    ReferenceAttention.Forward whole = ReferenceAttention.forward(q, k, v, positions, positions, Masking.CAUSAL);
    TokenPositions prefix = TokenPositions.contiguous(0, 300);
    ReferenceAttention.Forward first = ReferenceAttention.forward(
        rows(q, 300), rows(k, 300), rows(v, 300), prefix, prefix, Masking.CAUSAL);
    assertEqualSums(rows(whole.out(), 300), first.out());
    assertEqualSums(rows(whole.lse(), 300), first.lse());
  }

  /**
   * The keys' order is not part of the problem: keys given in a shuffled order with their positions
   * give the same output, LSE and dQ, and dK, dV shuffled alike, across several row blocks and key chunks.
   */
  @Test
  void shuffledKeysGiveTheSameAttention() {
    SeededTensors random = new SeededTensors(5);
    int tokens = 600;
    HostTensor q = random.normal(tokens, 4, 16);
    HostTensor k = random.normal(tokens, 2, 16);
    HostTensor v = random.normal(tokens, 2, 16);
    HostTensor dOut = random.normal(tokens, 4, 16);
    TokenPositions positions = TokenPositions.contiguous(0, tokens);
    int[] order = new int[tokens];
    Random shuffle = new Random(6);
    for (int i = 0; i < tokens; i++) {
      int j = shuffle.nextInt(i + 1);
      order[i] = order[j];
      order[j] = i;
    }
    TokenPositions shuffledPositions = new TokenPositions(order);
    ReferenceAttention.Forward forward = ReferenceAttention.forward(q, k, v, positions, positions, Masking.CAUSAL);
    ReferenceAttention.Forward shuffledForward = ReferenceAttention.forward(
        q, gather(k, order), gather(v, order), positions, shuffledPositions, Masking.CAUSAL);
    assertEqualSums(forward.out(), shuffledForward.out());
    assertEqualSums(forward.lse(), shuffledForward.lse());
    ReferenceAttention.Gradients gradients =
        ReferenceAttention.backward(q, k, v, dOut, positions, positions, Masking.CAUSAL);
    ReferenceAttention.Gradients shuffledGradients = ReferenceAttention.backward(
        q, gather(k, order), gather(v, order), dOut, positions, shuffledPositions, Masking.CAUSAL);
    assertEqualSums(gradients.dq(), shuffledGradients.dq());
    assertEqualSums(gather(gradients.dk(), order), shuffledGradients.dk());
    assertEqualSums(gather(gradients.dv(), order), shuffledGradients.dv());
    assertThat(maxAbs(gradients.dk())).isGreaterThan(0.1);
  }

  /** Equal up to summation order: the sums are the same, taken in another order. */
  private static void assertEqualSums(HostTensor expected, HostTensor actual) {
    assertThat(TensorDifference.of("tensor", expected, actual).maxAbsError()).isLessThan(1e-6);
  }

  /** The first {@code count} tokens. */
  private static HostTensor rows(HostTensor x, int count) {
    int width = x.heads() * x.headDim();
    return new HostTensor(count, x.heads(), x.headDim(), Arrays.copyOf(x.values(), count * width));
  }

  /** Token {@code i} of the result is token {@code order[i]} of {@code x}. */
  private static HostTensor gather(HostTensor x, int[] order) {
    int width = x.heads() * x.headDim();
    float[] values = new float[x.values().length];
    for (int token = 0; token < order.length; token++) {
      System.arraycopy(x.values(), order[token] * width, values, token * width, width);
    }
    return new HostTensor(x.tokens(), x.heads(), x.headDim(), values);
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
