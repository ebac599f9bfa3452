package io.ringmaster.topology.plan;

import io.ringmaster.topology.model.ModelSpec;

/** A stage's RoPE base: given, or from the scaling-law rule for the stage's length. */
public sealed interface RopeTheta permits RopeTheta.Given, RopeTheta.ScalingLaw {
  double value(ModelSpec model, long seqLen);

  String describe(ModelSpec model, long seqLen);

  record Given(double theta) implements RopeTheta {
    @Override
    public double value(ModelSpec model, long seqLen) {
      return theta;
    }

    @Override
    public String describe(ModelSpec model, long seqLen) {
      return String.format(java.util.Locale.ROOT, "%,.0f", theta);
    }
  }

  /**
   * Liu et al. 2023, "Scaling Laws of RoPE-based Extrapolation" (arXiv 2310.05209), as in
   * reference/models.md: {@code theta_new = theta_base ^ (log(T_new / 2π) / log(T_train / 2π))}. A
   * stage no longer than the trained context keeps the base.
   */
  record ScalingLaw() implements RopeTheta {
    @Override
    public double value(ModelSpec model, long seqLen) {
      if (seqLen <= model.contextLength()) {
        return model.ropeTheta();
      }
      double exponent = Math.log(seqLen / (2 * Math.PI)) / Math.log(model.contextLength() / (2 * Math.PI));
      return Math.pow(model.ropeTheta(), exponent);
    }

    @Override
    public String describe(ModelSpec model, long seqLen) {
      return String.format(java.util.Locale.ROOT, "%,.0f (scaling law)", value(model, seqLen));
    }
  }
}
