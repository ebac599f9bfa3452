package io.ringmaster.kernels.cuda;

import io.ringmaster.kernels.HostTensor;
import io.ringmaster.kernels.TokenPositions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
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
 * <p>Every forward variant is checked against the plain tensor-core forward (proven on a GPU) on the
 * benchmark's own inputs, every backward variant against the first backward measured; one that
 * disagrees is reported and left out, so a fast wrong kernel cannot enter the comparison.
 *
 * <pre>usage: CudaKernelBenchmark [--seq 4096,8192,16384] [--heads 32] [--kv-heads 8] [--head-dim 128]
 *        [--seconds 1.0]   (time spent measuring each figure, at least 3 runs)
 *        [--forwards tensor-cores,wgmma,...] [--backwards tensor-cores-keys-128,...|none]
 *        (the variants to measure, by the names printed; default every one this GPU runs)</pre>
 */
public final class CudaKernelBenchmark {
  private static final double BACKWARD_FLOPS_PER_FORWARD = 2.5;
  /** Variants must agree with their reference (bf16 products, fp32 sums) within issue 5's bf16 bound. */
  private static final double AGREEMENT = 2e-2;
  /** The forward every other is checked against: the one proven on a GPU by the correctness suite. */
  private static final KernelChoice.Forward REFERENCE_FORWARD = KernelChoice.Forward.TENSOR_CORES;

  private record Settings(int[] sequences, int queryHeads, int kvHeads, int headDim, double seconds,
      Set<KernelChoice.Forward> forwards, Set<KernelChoice.Backward> backwards) {}

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

  /**
   * The chosen forward variants this GPU runs, the chosen backward variants whose shared memory fits it
   * (after a forward, whose output and LSE they read), then forward+backward of the fastest of each.
   */
  private static void run(CudaDevice device, Settings settings, int sequence) {
    try (Inputs inputs = inputs(device, settings, sequence); Outputs outputs = outputs(device, settings, sequence)) {
      Map<KernelChoice.Forward, Double> forwards = measureForwards(device, settings, sequence, inputs, outputs);
      Map<KernelChoice.Backward, Double> backwards = measureBackwards(device, settings, sequence, inputs, outputs);
      if (forwards.isEmpty() || backwards.isEmpty()) return;
      KernelChoice fastest = new KernelChoice(fastestOf(forwards), fastestOf(backwards));
      AttentionKernels kernels = new AttentionKernels(device, fastest);
      report("forward+backward " + label(fastest.forward().name()) + "/" + label(fastest.backward().name()), sequence,
          (1 + BACKWARD_FLOPS_PER_FORWARD) * forwardFlops(settings, sequence),
          measure(device, settings, () -> {
            forward(kernels, inputs, outputs);
            backward(kernels, inputs, outputs);
          }));
    }
  }

  /**
   * Seconds of every chosen forward variant this GPU runs whose out and LSE agree with the reference
   * forward's (run first, reported only when chosen).
   */
  private static Map<KernelChoice.Forward, Double> measureForwards(CudaDevice device, Settings settings, int sequence,
      Inputs inputs, Outputs outputs) {
    double flops = forwardFlops(settings, sequence);
    Map<KernelChoice.Forward, Double> forwardSeconds = new EnumMap<>(KernelChoice.Forward.class);
    forward(forwardKernels(device, REFERENCE_FORWARD), inputs, outputs);
    List<HostTensor> reference = List.of(outputs.out().toHost(), outputs.lse().toHost());
    for (KernelChoice.Forward forward : settings.forwards()) {
      if (!forward.runsOn(device.info())) {
        System.out.printf("SKIP forward %s: not for %s%n", label(forward.name()), device.info().computeCapability());
        continue;
      }
      AttentionKernels kernels = forwardKernels(device, forward);
      double seconds = measure(device, settings, () -> forward(kernels, inputs, outputs));
      String variant = "forward " + label(forward.name());
      if (agrees(variant, "forward " + label(REFERENCE_FORWARD.name()), reference,
          List.of(outputs.out().toHost(), outputs.lse().toHost()))) {
        forwardSeconds.put(forward, seconds);
        report(variant, sequence, flops, seconds);
      }
    }
    return forwardSeconds;
  }

  /**
   * Seconds of every chosen backward variant whose shared memory fits and whose dQ, dK, dV agree with
   * the first one's, reading the out and LSE of the reference forward.
   */
  private static Map<KernelChoice.Backward, Double> measureBackwards(CudaDevice device, Settings settings,
      int sequence, Inputs inputs, Outputs outputs) {
    double flops = BACKWARD_FLOPS_PER_FORWARD * forwardFlops(settings, sequence);
    Map<KernelChoice.Backward, Double> backwardSeconds = new EnumMap<>(KernelChoice.Backward.class);
    if (settings.backwards().isEmpty()) return backwardSeconds;
    forward(forwardKernels(device, REFERENCE_FORWARD), inputs, outputs);
    List<HostTensor> reference = null;
    String referenceName = "";
    for (KernelChoice.Backward backward : settings.backwards()) {
      if (!backward.fits(device.info())) {
        System.out.printf("SKIP backward %s: its shared memory exceeds %s's %d bytes per block%n",
            label(backward.name()), device.info().name(), device.info().sharedBytesPerBlockOptIn());
        continue;
      }
      AttentionKernels kernels = new AttentionKernels(device, new KernelChoice(REFERENCE_FORWARD, backward));
      double seconds = measure(device, settings, () -> backward(kernels, inputs, outputs));
      String variant = "backward " + label(backward.name());
      List<HostTensor> results = List.of(outputs.dq().toHost(), outputs.dk().toHost(), outputs.dv().toHost());
      if (reference == null) {
        reference = results;
        referenceName = variant;
      }
      if (agrees(variant, referenceName, reference, results)) {
        backwardSeconds.put(backward, seconds);
        report(variant, sequence, flops, seconds);
      }
    }
    return backwardSeconds;
  }

  private static AttentionKernels forwardKernels(CudaDevice device, KernelChoice.Forward forward) {
    return new AttentionKernels(device, new KernelChoice(forward, KernelChoice.Backward.SIMPLE));
  }

  /** Whether every result is within {@link #AGREEMENT} of the reference's; says so when one is not. */
  private static boolean agrees(String variant, String referenceName, List<HostTensor> reference,
      List<HostTensor> results) {
    double worst = 0.0;
    for (int i = 0; i < reference.size(); i++) {
      worst = Math.max(worst, relativeDifference(reference.get(i), results.get(i)));
    }
    if (worst <= AGREEMENT) return true;
    System.out.printf("SKIP %s: its results differ from %s's by %.2e relative; not counted%n", variant, referenceName,
        worst);
    return false;
  }

  /**
   * max |a - b| / max |a| over finite values of a (equal infinities agree: empty rows' LSE); a NaN, or an
   * infinity against a finite value, is an infinite difference.
   */
  private static double relativeDifference(HostTensor a, HostTensor b) {
    double largest = 0.0;
    double worst = 0.0;
    for (int i = 0; i < a.values().length; i++) {
      float x = a.values()[i];
      float y = b.values()[i];
      if (Float.isFinite(x)) largest = Math.max(largest, Math.abs(x));
      if (x == y) continue;
      if (!Float.isFinite(x) || !Float.isFinite(y)) return Double.POSITIVE_INFINITY;
      worst = Math.max(worst, Math.abs((double) x - y));
    }
    return worst == 0.0 ? 0.0 : worst / largest;
  }

  /** 2·S²·Hq·d: half of the full 4·S²·Hq·d under the causal mask (the same convention as for SDPA). */
  private static double forwardFlops(Settings settings, int sequence) {
    return 2.0 * sequence * (double) sequence * settings.queryHeads() * settings.headDim();
  }

  private static <K> K fastestOf(Map<K, Double> seconds) {
    return seconds.entrySet().stream().min(Map.Entry.comparingByValue()).orElseThrow().getKey();
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
    Set<KernelChoice.Forward> forwards = EnumSet.complementOf(EnumSet.of(KernelChoice.Forward.SIMPLE));
    Set<KernelChoice.Backward> backwards = EnumSet.complementOf(EnumSet.of(KernelChoice.Backward.SIMPLE));
    for (int i = 0; i + 1 < args.length; i += 2) {
      String value = args[i + 1];
      switch (args[i]) {
        case "--seq" -> sequences = Arrays.stream(value.split(",")).mapToInt(Integer::parseInt).toArray();
        case "--heads" -> queryHeads = Integer.parseInt(value);
        case "--kv-heads" -> kvHeads = Integer.parseInt(value);
        case "--head-dim" -> headDim = Integer.parseInt(value);
        case "--seconds" -> seconds = Double.parseDouble(value);
        case "--forwards" -> forwards = variants(KernelChoice.Forward.class, KernelChoice.Forward.SIMPLE, value);
        case "--backwards" -> backwards = variants(KernelChoice.Backward.class, KernelChoice.Backward.SIMPLE, value);
        default -> throw new IllegalArgumentException("unknown option " + args[i]
            + " (expected --seq, --heads, --kv-heads, --head-dim, --seconds, --forwards, --backwards)");
      }
    }
    return new Settings(sequences, queryHeads, kvHeads, headDim, seconds, forwards, backwards);
  }

  /** Variants by their printed names ("tensor-cores,wgmma"), or none; the simple kernels are no variant here. */
  private static <E extends Enum<E>> Set<E> variants(Class<E> type, E simple, String names) {
    Map<String, E> byName = new LinkedHashMap<>();
    for (E constant : type.getEnumConstants()) {
      if (constant != simple) byName.put(label(constant.name()), constant);
    }
    Set<E> chosen = EnumSet.noneOf(type);
    if (names.equals("none")) return chosen;
    for (String name : names.split(",")) {
      E variant = byName.get(name);
      if (variant == null) {
        throw new IllegalArgumentException("no " + type.getSimpleName().toLowerCase() + " variant '" + name
            + "' (expected " + String.join(", ", byName.keySet()) + " or none)");
      }
      chosen.add(variant);
    }
    return chosen;
  }
}
