package io.ringmaster.sim.bench;

/**
 * Measures Adam's throughput on this machine's CPU, one core, the way ZeRO-Offload's CPU Adam runs it:
 * fp32 master weights, moments and gradients in host memory, one fused pass per parameter. The result
 * (parameters per second per core) is the source of the profiles' {@code host-adam-gparams-per-s}.
 *
 * <pre>java -cp sim/target/classes io.ringmaster.sim.bench.HostAdamBenchmark [parameters] [rounds]</pre>
 */
public final class HostAdamBenchmark {
  private HostAdamBenchmark() {}

  public static void main(String[] args) {
    int parameters = args.length > 0 ? Integer.parseInt(args[0]) : 1 << 24;
    int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 20;
    float[] weights = new float[parameters];
    float[] firstMoment = new float[parameters];
    float[] secondMoment = new float[parameters];
    float[] gradients = new float[parameters];
    for (int i = 0; i < parameters; i++) {
      weights[i] = (i % 97) * 1e-3f;
      gradients[i] = ((i % 89) - 44) * 1e-4f;
    }
    double best = 0;
    for (int round = 1; round <= rounds; round++) {
      long start = System.nanoTime();
      step(weights, firstMoment, secondMoment, gradients, round);
      double seconds = (System.nanoTime() - start) / 1e9;
      best = Math.max(best, parameters / seconds);
    }
    System.out.printf("host Adam, one core: %.3f G parameters/s (best of %d rounds of %d parameters; checksum %.6f)%n",
        best / 1e9, rounds, parameters, weights[parameters / 2]);
  }

  /** AdamW (lr 2e-5, betas 0.9/0.999, eps 1e-8, weight decay 0), bias-corrected, as DeepSpeed's CPU Adam. */
  private static void step(float[] w, float[] m, float[] v, float[] g, int t) {
    float beta1 = 0.9f;
    float beta2 = 0.999f;
    float learningRate = 2e-5f;
    float epsilon = 1e-8f;
    float correction1 = 1 - (float) Math.pow(beta1, t);
    float correction2 = 1 - (float) Math.pow(beta2, t);
    float stepSize = learningRate / correction1;
    float rootCorrection2 = (float) Math.sqrt(correction2);
    for (int i = 0; i < w.length; i++) {
      float gradient = g[i];
      float first = beta1 * m[i] + (1 - beta1) * gradient;
      float second = beta2 * v[i] + (1 - beta2) * gradient * gradient;
      m[i] = first;
      v[i] = second;
      w[i] -= stepSize * first / ((float) Math.sqrt(second) / rootCorrection2 + epsilon);
    }
  }
}
