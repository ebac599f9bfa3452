package io.ringmaster.topology.preset;

import io.ringmaster.topology.input.InputError;
import io.ringmaster.topology.input.YamlReader;
import io.ringmaster.topology.input.YamlValue;

/** Opens packaged presets by kind and name. */
public final class Presets {
  private Presets() {}

  /** The preset's document; an unknown name is bad input at {@code reference}, listing the known names. */
  public static YamlValue read(PresetKind kind, String name, YamlValue.Scalar reference) {
    if (!kind.has(name)) {
      throw unknown(kind, reference, "");
    }
    return YamlReader.readResource(Presets.class, kind.resource(name), kind.source(name));
  }

  public static InputError unknown(PresetKind kind, YamlValue.Scalar reference, String alternative) {
    return InputError.at(reference, "unknown " + kind.name().toLowerCase(java.util.Locale.ROOT) + " '"
        + reference.text().trim() + "'; known: " + String.join(", ", kind.names()) + alternative);
  }
}
