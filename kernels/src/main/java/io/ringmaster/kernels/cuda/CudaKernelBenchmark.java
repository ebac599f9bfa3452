package io.ringmaster.kernels.cuda;

import io.ringmaster.kernels.TokenPositions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * Throughput of our attention kernels on GPU 0: causal self-attention of one sequence, bf16, timed with
 * CUDA events around the kernels alone (inputs already on the device). Prints a table and one
 * {@code RESULT} line per figure for scripts/gpu-check.sh to set beside PyTorch's SDPA.
 *
 * <p>FLOP convention (the same for SDPA): a causal forward counts half of the full 4·S²·Hq·d, i.e.
 * 2·S²·Hq·d; the backward counts 2.5× the forward and forward+backward 3.5×.
 *
 * <pre>usage: CudaKernelBenchmark [--seq 4096,8192,16384] [--heads 32] [--kv-heads 8] [--head-dim 128]
 *        [--seconds 1.0]   (time spent measuring each figure, at least 3 runs)</pre>
 */
public final class CudaKernelBenchmark {
  private static final double BACKWARD_FLOPS_PER_FORWARD = 2.5;

  private record Settings(int[] sequences, int queryHeads, int kvHeads, int headDim, double seconds) {}

  private record Inputs(CudaTensor q, CudaTensor k, CudaTensor v, CudaTensor dOut, DevicePositions positions)
      implements AutoCloseable {
    @Override
    public void close() {
      q.close();
      k.close();
      v.close();
      dOut.close();
      positions.close();
    }
  }

  private record Outputs(CudaTensor out, CudaTensor lse, CudaTensor delta, CudaTensor dq, CudaTensor dk,
      CudaTensor dv) implements AutoCloseable {
    @Override
    public void close() {
      List.of(out, lse, delta, dq, dk, dv).forEach(CudaTensor::close);
    }
  }

  private CudaKernelBenchmark() {}

  public static void main(String[] args) {
    Settings settings;
    try {
      settings = parse(args);
    } catch (IllegalArgumentException e) {
      System.err.println("CudaKernelBenchmark: " + e.getMessage());
      System.exit(2);
      return;
    }
    CudaProbe probe = CudaProbe.once();
    if (!probe.available()) {
      System.out.println("SKIP our kernels: " + probe.reason());
      System.exit(3);  // gpu-check.sh reports a SKIP with this line
    }
    try (CudaDevice device = CudaDevice.open(probe, 0)) {
      System.out.printf("our kernels on %s (driver %s, PTX JIT %.1f s); causal, bf16, %d query / %d KV heads, "
              + "head dim %d%n", device.info().describe(), device.driverVersion(), device.moduleLoadSeconds(),
          settings.queryHeads(), settings.kvHeads(), settings.headDim());
      System.out.println("FLOPs: forward 2·S²·Hq·d (half of 4·S²·Hq·d: causal), backward 2.5× forward");
      System.out.printf("%-58s %7s %10s %9s%n", "kernels", "seq", "ms", "TFLOP/s");
      for (int sequence : settings.sequences()) run(device, settings, sequence);
    }
  }

  /** Each forward variant, and each backward variant after the forward that the backend pairs it with. */
  private static final List<KernelChoice> VARIANTS = List.of(
      new KernelChoice(KernelChoice.Forward.TENSOR_CORES, KernelChoice.Backward.TENSOR_CORES_KEYS_128),
      new KernelChoice(KernelChoice.Forward.TENSOR_CORES_Q_SHARED, KernelChoice.Backward.TENSOR_CORES),
      new KernelChoice(KernelChoice.Forward.TENSOR_CORES, KernelChoice.Backward.TENSOR_CORES_QUERY_TILE_32));

  private static void run(CudaDevice device, Settings settings, int sequence) {
    double forwardFlops = 2.0 * sequence * (double) sequence * settings.queryHeads() * settings.headDim();
    try (Inputs inputs = inputs(device, settings, sequence); Outputs outputs = outputs(device, settings, sequence)) {
      Set<KernelChoice.Forward> forwardsMeasured = EnumSet.noneOf(KernelChoice.Forward.class);
      for (KernelChoice choice : VARIANTS) {
        AttentionKernels kernels = new AttentionKernels(device, choice);
        if (forwardsMeasured.add(choice.forward())) {
          report("forward " + label(choice.forward().name()), sequence, forwardFlops,
              measure(device, settings, () -> forward(kernels, inputs, outputs)));
        }
        if (!choice.backward().fits(device.info())) {
          System.out.printf("SKIP backward %s: its shared memory exceeds %s's %d bytes per block%n",
              label(choice.backward().name()), device.info().name(), device.info().sharedBytesPerBlockOptIn());
          continue;
        }
        String backwardName = "backward " + label(choice.backward().name());
        report(backwardName, sequence, BACKWARD_FLOPS_PER_FORWARD * forwardFlops,
            measure(device, settings, () -> backward(kernels, inputs, outputs)));
        report("forward+backward " + label(choice.forward().name()) + "/" + label(choice.backward().name()), sequence,
            (1 + BACKWARD_FLOPS_PER_FORWARD) * forwardFlops,
            measure(device, settings, () -> {
              forward(kernels, inputs, outputs);
              backward(kernels, inputs, outputs);
            }));
      }
    }
  }

  private static void forward(AttentionKernels kernels, Inputs in, Outputs out) {
    kernels.forward(in.q(), in.k(), in.v(), in.positions(), in.positions(), true, out.out(), out.lse());
  }

  /** What a backward step does: D = rowsum(dO ∘ O), then dQ (zeroed), dK, dV. */
  private static void backward(AttentionKernels kernels, Inputs in, Outputs out) {
    kernels.rowDot(out.out(), in.dOut(), out.delta());
    kernels.backward(in.q(), in.k(), in.v(), in.dOut(), out.lse(), out.delta(), in.positions(), in.positions(), true,
        out.dq(), out.dk(), out.dv());
  }

  /** Median seconds of one run: one warm-up, then runs for about {@code settings.seconds}, at least 3. */
  private static double measure(CudaDevice device, Settings settings, Runnable work) {
    device.time(work);
    List<Double> runs = new ArrayList<>();
    double spent = 0;
    while (runs.size() < 3 || (spent < settings.seconds() && runs.size() < 100)) {
      double seconds = device.time(work);
      runs.add(seconds);
      spent += seconds;
    }
    runs.sort(Double::compare);
    return runs.get(runs.size() / 2);
  }

  private static void report(String kernels, int sequence, double flops, double seconds) {
    double teraflops = flops / seconds / 1e12;
    System.out.printf("%-58s %7d %10.3f %9.1f%n", kernels, sequence, seconds * 1e3, teraflops);
    System.out.printf("RESULT ours %s seq=%d seconds=%.6e tflops=%.2f%n", kernels.replace(' ', '_'), sequence,
        seconds, teraflops);
  }

  private static Inputs inputs(CudaDevice device, Settings settings, int sequence) {
    SplittableRandom random = new SplittableRandom(sequence);
    return new Inputs(random(device, random, sequence, settings.queryHeads(), settings.headDim()),
        random(device, random, sequence, settings.kvHeads(), settings.headDim()),
        random(device, random, sequence, settings.kvHeads(), settings.headDim()),
        random(device, random, sequence, settings.queryHeads(), settings.headDim()),
        new DevicePositions(device, TokenPositions.contiguous(0, sequence)));
  }

  private static Outputs outputs(CudaDevice device, Settings settings, int sequence) {
    int d = settings.headDim();
    return new Outputs(CudaTensor.allocate(device, sequence, settings.queryHeads(), d, ElementType.F32),
        CudaTensor.allocate(device, sequence, settings.queryHeads(), 1, ElementType.F32),
        CudaTensor.allocate(device, sequence, settings.queryHeads(), 1, ElementType.F32),
        CudaTensor.allocate(device, sequence, settings.queryHeads(), d, ElementType.F32),
        CudaTensor.allocate(device, sequence, settings.kvHeads(), d, ElementType.F32),
        CudaTensor.allocate(device, sequence, settings.kvHeads(), d, ElementType.F32));
  }

  /** Uniform values in [-2, 2) as bf16 bits, straight to the device. */
  private static CudaTensor random(CudaDevice device, SplittableRandom random, int tokens, int heads, int headDim) {
    short[] bits = new short[tokens * heads * headDim];
    for (int i = 0; i < bits.length; i++) bits[i] = Bfloat16.fromFloat((float) (random.nextDouble() * 4 - 2));
    return CudaTensor.uploadBf16(device, tokens, heads, headDim, bits);
  }

  private static String label(String kernelName) {
    return kernelName.toLowerCase().replace('_', '-');
  }

  private static Settings parse(String[] args) {
    int[] sequences = {4096, 8192, 16384};
    int queryHeads = 32;
    int kvHeads = 8;
    int headDim = 128;
    double seconds = 1.0;
    for (int i = 0; i + 1 < args.length; i += 2) {
      String value = args[i + 1];
      switch (args[i]) {
        case "--seq" -> sequences = Arrays.stream(value.split(",")).mapToInt(Integer::parseInt).toArray();
        case "--heads" -> queryHeads = Integer.parseInt(value);
        case "--kv-heads" -> kvHeads = Integer.parseInt(value);
        case "--head-dim" -> headDim = Integer.parseInt(value);
        case "--seconds" -> seconds = Double.parseDouble(value);
        default -> throw new IllegalArgumentException("unknown option " + args[i]
            + " (expected --seq, --heads, --kv-heads, --head-dim, --seconds)");
      }
    }
    return new Settings(sequences, queryHeads, kvHeads, headDim, seconds);
  }
}
