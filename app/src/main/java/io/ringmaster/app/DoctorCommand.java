package io.ringmaster.app;

import ai.djl.engine.Engine;
import io.ringmaster.kernels.cuda.CudaAttentionBackend;
import io.ringmaster.kernels.cuda.CudaDeviceInfo;
import io.ringmaster.kernels.cuda.CudaProbe;
import io.ringmaster.kernels.cuda.DeviceMemory;
import java.io.PrintWriter;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * {@code ringmaster doctor}: what this machine can run. Java, cores and memory; the DJL engine behind
 * the cpu backend; the CUDA driver and its GPUs, or the one-line reason there are none; whether this
 * build carries our PTX and whether the driver compiles it; and which attention backends follow.
 */
@Command(name = "doctor", mixinStandardHelpOptions = true, optionListHeading = "%nOptions:%n",
    description = "Reports Java, memory, the DJL engine, CUDA devices and which attention backends this machine runs.")
public final class DoctorCommand implements Callable<Integer> {
  private static final double GIB = 1L << 30;

  @Spec
  private CommandSpec spec;

  public static void main(String[] args) {
    System.exit(new CommandLine(new DoctorCommand()).execute(args));
  }

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    Runtime runtime = Runtime.getRuntime();
    out.printf("java     %s (%s, %s)%n", System.getProperty("java.version"), System.getProperty("java.vm.name"),
        System.getProperty("java.home"));
    out.printf("cpu      %d cores%n", runtime.availableProcessors());
    out.printf("memory   %s physical; JVM heap up to %.1f GiB%n", physicalMemory(), runtime.maxMemory() / GIB);
    DjlEngine djl = DjlEngine.probe();
    out.printf("djl      %s%n", djl.description());
    CudaProbe cuda = CudaProbe.once();
    out.printf("cuda     %s%n", cudaDriver(cuda));
    cuda.devices().forEach(device -> out.printf("  GPU %d  %s%n", device.ordinal(), device.describe()));
    out.printf("ptx      %s%n", cuda.ptx().present()
        ? cuda.ptx().modules().size() + " modules, " + cuda.ptx().entries().size() + " kernels, " + cuda.ptx().origin()
        : cuda.ptx().absence());
    String cudaBackend = cuda.available() ? openCuda() : "";
    if (cuda.available()) out.printf("cuda backend %s%n", cudaBackend);
    out.printf("backends %s%n", backends(djl, cuda, cudaBackend));
    out.flush();
    return 0;
  }

  private static String physicalMemory() {
    if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
      return String.format("%.1f GiB", os.getTotalMemorySize() / GIB);
    }
    return "unknown";
  }

  private static String cudaDriver(CudaProbe cuda) {
    if (cuda.devices().isEmpty()) return "unavailable: " + cuda.reason();
    return "driver " + cuda.driverVersion() + ", " + cuda.devices().size() + " GPU(s)"
        + (cuda.available() ? "" : "; unavailable: " + cuda.reason());
  }

  /** Opens GPU 0 the way a worker would, so the driver JIT-compiles our PTX now rather than mid-run. */
  private static String openCuda() {
    try (CudaAttentionBackend backend = CudaAttentionBackend.open(0)) {
      DeviceMemory memory = backend.device().memory();
      CudaDeviceInfo device = backend.device().info();
      return String.format("ready on GPU 0 (%s): PTX JIT-compiled in %.1f s; kernels %s; %.1f of %.1f GiB free",
          device.name(), backend.device().moduleLoadSeconds(), backend.kernelChoice(), memory.freeBytes() / GIB,
          memory.totalBytes() / GIB);
    } catch (RuntimeException e) {
      return "fails: " + e.getMessage().lines().findFirst().orElse(e.getClass().getSimpleName())
          + (e.getMessage().contains("JIT error log") ? "\n" + e.getMessage() : "");
    }
  }

  /** One line: the backends that work here and what {@code --device auto} does. */
  private static String backends(DjlEngine djl, CudaProbe cuda, String cudaBackend) {
    boolean cudaUsable = cuda.available() && cudaBackend.startsWith("ready");
    String cudaWhyNot = cuda.available() ? "the cuda backend " + cudaBackend.lines().findFirst().orElse("") : cuda.reason();
    List<String> usable = new ArrayList<>();
    if (djl.loaded()) usable.add("cpu");
    if (cudaUsable) usable.add("cuda");
    if (cudaUsable) return String.join(", ", usable) + " (auto picks cuda)";
    if (djl.loaded()) return "cpu (auto falls back to cpu: " + cudaWhyNot + ")";
    return "none (cpu: DJL " + djl.description() + "; cuda: " + cudaWhyNot + ")";
  }

  /** The only place doctor touches DJL: a process without DJL on its class path gets a reason instead. */
  record DjlEngine(boolean loaded, String description) {
    static DjlEngine probe() {
      if (System.getenv("DJL_OFFLINE") == null) System.setProperty("ai.djl.offline", "true");
      try {
        Engine engine = Engine.getEngine("PyTorch");
        return new DjlEngine(true, engine.getEngineName() + " " + engine.getVersion() + " engine (DJL "
            + Engine.getDjlVersion() + "), offline");
      } catch (LinkageError e) {
        return new DjlEngine(false, "unavailable: DJL is not on the class path (" + e.getClass().getSimpleName() + ")");
      } catch (RuntimeException e) {
        return new DjlEngine(false, "unavailable: " + String.valueOf(e.getMessage()).lines().findFirst().orElse(""));
      }
    }
  }
}
