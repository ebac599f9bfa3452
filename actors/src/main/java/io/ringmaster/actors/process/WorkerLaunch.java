package io.ringmaster.actors.process;

import java.nio.file.Path;
import java.util.List;
import java.util.function.IntFunction;

/**
 * What {@link WorkerProcesses} starts: {@code count} JVMs running {@code mainClass} with the current
 * JVM's java binary and classpath.
 *
 * @param argumentsOf program arguments of the worker with the given index (0-based)
 * @param jvmOptions  options before the main class, e.g. {@code -Xmx512m}
 * @param logFile     where every worker's output goes, each line prefixed with {@code [<namePrefix>-<index>]}
 */
public record WorkerLaunch(int count, String mainClass, IntFunction<List<String>> argumentsOf, List<String> jvmOptions,
                           Path logFile, String namePrefix) {
  public WorkerLaunch {
    if (count < 1) {
      throw new IllegalArgumentException("expected at least 1 worker, got " + count);
    }
    jvmOptions = List.copyOf(jvmOptions);
  }

  /** Every worker gets the same arguments. */
  public static WorkerLaunch of(int count, String mainClass, List<String> arguments, List<String> jvmOptions,
                                Path logFile) {
    List<String> shared = List.copyOf(arguments);
    return new WorkerLaunch(count, mainClass, index -> shared, jvmOptions, logFile, "worker");
  }
}
