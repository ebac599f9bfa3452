package io.ringmaster.kernels.cuda;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The PTX of our kernels, one module per {@code .cu} file, as the build put it into the jar under
 * {@code /ptx/} (listed in {@code /ptx/index.txt}). A directory named by {@code -Dringmaster.ptx.dir}
 * or {@code RINGMASTER_PTX_DIR} takes precedence: the GPU script points it at PTX rebuilt there.
 */
public record PtxModules(Map<String, byte[]> modules, String origin) {
  public static final String DIRECTORY_PROPERTY = "ringmaster.ptx.dir";
  public static final String DIRECTORY_VARIABLE = "RINGMASTER_PTX_DIR";
  private static final String RESOURCE_ROOT = "/ptx/";
  private static final Pattern ENTRY = Pattern.compile("\\.entry\\s+(\\w+)\\s*\\(");
  private static final Pattern TARGET = Pattern.compile("^\\.target\\s+(sm_\\w+)", Pattern.MULTILINE);

  public static PtxModules load() {
    String directory = System.getProperty(DIRECTORY_PROPERTY, System.getenv(DIRECTORY_VARIABLE));
    return directory == null || directory.isBlank() ? fromClasspath() : fromDirectory(Path.of(directory));
  }

  public boolean present() {
    return !modules.isEmpty();
  }

  /** The kernels ({@code .entry} names) of every module. */
  public Set<String> entries() {
    Set<String> names = new TreeSet<>();
    modules.keySet().forEach(module -> names.addAll(entries(module)));
    return names;
  }

  /** The kernels of one module. */
  Set<String> entries(String module) {
    Set<String> names = new TreeSet<>();
    Matcher entry = ENTRY.matcher(new String(modules.get(module), StandardCharsets.US_ASCII));
    while (entry.find()) names.add(entry.group(1));
    return names;
  }

  /** The GPU architecture a module was compiled for: "sm_80", or "sm_90a" for the Hopper-only kernels. */
  String target(String module) {
    Matcher target = TARGET.matcher(new String(modules.get(module), StandardCharsets.US_ASCII));
    if (!target.find()) throw new IllegalStateException("PTX module " + module + " names no .target");
    return target.group(1);
  }

  /**
   * Whether {@code device} loads every module the backend needs: all but those for one architecture
   * alone (sm_90a), which only widen the choice of kernels where they load.
   */
  boolean runsOn(CudaDeviceInfo device) {
    return portableTargets().stream().allMatch(device::runs);
  }

  /** The targets of the modules every GPU must load, e.g. "sm_80". */
  Set<String> portableTargets() {
    Set<String> targets = new TreeSet<>();
    for (String module : modules.keySet()) {
      String target = target(module);
      if (!target.endsWith("a")) targets.add(target);
    }
    return targets;
  }

  /** Why there is no PTX, for a probe's reason; empty when there is. */
  public String absence() {
    return present() ? "" : "no PTX in this build (" + origin + ")";
  }

  private static PtxModules fromClasspath() {
    try (InputStream index = PtxModules.class.getResourceAsStream(RESOURCE_ROOT + "index.txt")) {
      if (index == null) {
        return new PtxModules(Map.of(), "nvcc was not found when the kernels module was built");
      }
      Map<String, byte[]> modules = new LinkedHashMap<>();
      for (String name : moduleNames(index.readAllBytes())) {
        try (InputStream ptx = PtxModules.class.getResourceAsStream(RESOURCE_ROOT + name)) {
          if (ptx == null) throw new IllegalStateException("PTX index names a missing resource " + name);
          modules.put(name, ptx.readAllBytes());
        }
      }
      return new PtxModules(Map.copyOf(modules), "built into the kernels jar");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static PtxModules fromDirectory(Path directory) {
    Path index = directory.resolve("index.txt");
    if (!Files.isRegularFile(index)) {
      return new PtxModules(Map.of(), index + " does not exist");
    }
    try {
      Map<String, byte[]> modules = new LinkedHashMap<>();
      for (String name : moduleNames(Files.readAllBytes(index))) {
        modules.put(name, Files.readAllBytes(directory.resolve(name)));
      }
      return new PtxModules(Map.copyOf(modules), "from " + directory);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static String[] moduleNames(byte[] index) {
    return new String(index, StandardCharsets.UTF_8).lines().map(String::strip).filter(line -> !line.isEmpty())
        .toArray(String[]::new);
  }
}
