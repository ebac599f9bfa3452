package io.ringmaster.kernels;

import io.ringmaster.kernels.cpu.CpuAttentionBackend;
import io.ringmaster.kernels.cuda.CudaAttentionBackend;
import io.ringmaster.kernels.cuda.CudaProbe;
import java.util.Locale;

/**
 * Which attention backend a worker runs: {@code cpu}, {@code cuda}, or {@code auto} (cuda where the
 * probe finds it usable, else cpu with the probe's reason). The CPU backend's DJL classes are loaded
 * only when it is chosen, so a process without DJL on its class path can still run cuda.
 *
 * @param note one line on how the choice was made, for logs and {@code doctor}
 */
public record BackendSelection(AttentionBackend backend, String note) {
  public enum Choice {
    CPU,
    CUDA,
    AUTO;

    /** Parses cpu|cuda|auto; anything else is the user's mistake, named in the message. */
    public static Choice parse(String text) {
      try {
        return valueOf(text.trim().toUpperCase(Locale.ROOT));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("device must be cpu, cuda or auto, not '" + text + "'", e);
      }
    }
  }

  /** Opens the chosen backend; {@code gpu} is the CUDA device ordinal. */
  public static BackendSelection open(Choice choice, int gpu) {
    return switch (choice) {
      case CPU -> new BackendSelection(CpuAttentionBackend.create(), "cpu as asked");
      case CUDA -> cuda(gpu);
      case AUTO -> auto(gpu);
    };
  }

  private static BackendSelection cuda(int gpu) {
    CudaProbe probe = CudaProbe.once();
    if (!probe.available()) throw new IllegalStateException("cuda backend unavailable: " + probe.reason());
    return new BackendSelection(CudaAttentionBackend.open(gpu), "cuda as asked");
  }

  private static BackendSelection auto(int gpu) {
    CudaProbe probe = CudaProbe.once();
    return probe.available()
        ? new BackendSelection(CudaAttentionBackend.open(gpu), "auto: cuda (GPU " + gpu + ")")
        : new BackendSelection(CpuAttentionBackend.create(), "auto: cpu, because " + probe.reason());
  }
}
