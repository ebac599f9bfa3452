package io.ringmaster.app.live;

import io.ringmaster.kernels.AttentionBackend;
import io.ringmaster.kernels.cpu.CpuAttentionBackend;
import java.util.Locale;
import java.util.function.Supplier;

/**
 * Which attention backend a worker's GPU actors run: {@code cpu} (DJL's PyTorch engine), {@code cuda},
 * or {@code auto}. This build has no CUDA backend (it comes with the kernels-cuda work), so {@code cuda}
 * is refused with one line and {@code auto} picks cpu and says why.
 */
public enum BackendChoice {
  CPU,
  CUDA,
  AUTO;

  /** One line on how the choice was made, for the worker's start-up line. */
  public record Resolved(Supplier<AttentionBackend> backends, String note) {}

  /** Parses cpu|cuda|auto; {@link IllegalArgumentException} names what was expected. */
  public static BackendChoice parse(String text) {
    for (BackendChoice choice : values()) {
      if (choice.name().toLowerCase(Locale.ROOT).equals(text.trim())) {
        return choice;
      }
    }
    throw new IllegalArgumentException("expected cpu | cuda | auto, got '" + text + "'");
  }

  /**
   * The backend every GPU actor opens for itself (one instance per actor).
   *
   * @throws IllegalArgumentException for {@code cuda}, which this build cannot run
   */
  public Resolved resolve() {
    return switch (this) {
      case CPU -> new Resolved(CpuAttentionBackend::create, "cpu as asked");
      case CUDA -> throw new IllegalArgumentException("no CUDA backend in this build; use --device cpu");
      case AUTO -> new Resolved(CpuAttentionBackend::create, "auto: cpu, because this build has no CUDA backend");
    };
  }
}
