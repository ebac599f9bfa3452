package io.ringmaster.topology.preset;

import java.util.List;

/**
 * The presets packaged with Ringmaster, one YAML resource each under
 * {@code io/ringmaster/topology/preset/<folder>/<name>.yaml}. Adding a preset is adding its file and
 * its name here.
 */
public enum PresetKind {
  GPU("gpu", List.of("l40s", "a100-80g-sxm", "a100-40g-sxm", "h100-sxm", "h200-sxm", "cpu")),
  CLUSTER("cluster", List.of("crusoe-l40s", "dgx-a100", "dgx-h100", "local-cpu")),
  MODEL("model", List.of("llama-3-8b", "llama-3-70b", "llama-2-7b", "llama-2-13b", "llama-mini-4l")),
  PLAN("plan", List.of("gradient-llama3-8b", "gradient-llama3-70b", "local-cpu"));

  private final String folder;
  private final List<String> names;

  PresetKind(String folder, List<String> names) {
    this.folder = folder;
    this.names = names;
  }

  public List<String> names() {
    return names;
  }

  public boolean has(String name) {
    return names.contains(name);
  }

  /** Where the preset lives inside the jar. */
  public String resource(String name) {
    return folder + "/" + name + ".yaml";
  }

  /** How errors name a preset file: "preset cluster/crusoe-l40s.yaml". */
  public String source(String name) {
    return "preset " + resource(name);
  }
}
