package io.ringmaster.kernels;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The largest absolute difference between two tensors, next to the largest magnitude of the expected
 * one, so a bound like 1e-4 is read against values of order one rather than against zeros. Equal
 * infinities (empty LSE rows) count as no difference; an infinity against a finite value or a NaN
 * counts as an infinite one.
 */
public record TensorDifference(String what, double maxAbsError, double maxAbsExpected) {
  /** Smallest magnitude for which an absolute bound of 1e-4 still means about 0.1% or better. */
  public static final double MEANINGFUL_MAGNITUDE = 0.1;

  public static TensorDifference of(String what, HostTensor expected, HostTensor actual) {
    assertThat(new int[] {actual.tokens(), actual.heads(), actual.headDim()})
        .as(what + " shape")
        .containsExactly(expected.tokens(), expected.heads(), expected.headDim());
    double maxError = 0.0;
    double maxExpected = 0.0;
    for (int i = 0; i < expected.values().length; i++) {
      float want = expected.values()[i];
      float got = actual.values()[i];
      if (Float.isFinite(want)) {
        maxExpected = Math.max(maxExpected, Math.abs(want));
      }
      double error = want == got ? 0.0 : Math.abs((double) want - got);
      maxError = Double.isNaN(error) ? Double.POSITIVE_INFINITY : Math.max(maxError, error);
    }
    return new TensorDifference(what, maxError, maxExpected);
  }

  /** {@link #maxAbsError} as a fraction of the largest expected magnitude. */
  public double relativeError() {
    return maxAbsError / maxAbsExpected;
  }

  /**
   * Asserts {@code maxAbsError <= relative · maxAbsExpected} (the bound for bf16 backends, e.g. 2e-2) on
   * a tensor of meaningful magnitude, and prints the figures.
   */
  public TensorDifference assertRelativeWithin(double relative) {
    System.out.printf("%-60s relative error %.2e (max abs error %.2e, largest |expected| %.2f)%n", what,
        relativeError(), maxAbsError, maxAbsExpected);
    assertThat(maxAbsExpected).as(what + ": expected values too small to test against").isGreaterThan(MEANINGFUL_MAGNITUDE);
    assertThat(relativeError()).as(what + " relative error").isLessThanOrEqualTo(relative);
    return this;
  }

  /** Asserts the error bound on a tensor of meaningful magnitude, and prints the figures. */
  public TensorDifference assertWithin(double maxAbs) {
    System.out.printf("%-60s max abs error %.2e (largest |expected| %.2f)%n", what, maxAbsError, maxAbsExpected);
    assertThat(maxAbsExpected).as(what + ": expected values too small to test against").isGreaterThan(MEANINGFUL_MAGNITUDE);
    assertThat(maxAbsError).as(what + " max abs error").isLessThanOrEqualTo(maxAbs);
    return this;
  }
}
