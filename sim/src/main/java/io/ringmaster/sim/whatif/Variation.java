package io.ringmaster.sim.whatif;

import io.ringmaster.topology.input.InputError;
import io.ringmaster.topology.input.Origin;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;

/** One {@code --vary KEY=V1,V2,...}: a field and the values to try for it. */
public record Variation(String key, List<String> values) {
  public Variation {
    values = List.copyOf(values);
    if (values.isEmpty()) {
      throw new IllegalArgumentException("a variation needs at least one value: " + key);
    }
  }

  /** Reads {@code KEY=V1,V2,...}; the key must be one {@link PlanVariants} knows. */
  public static Variation parse(String text, String option) {
    int equals = text.indexOf('=');
    if (equals <= 0 || equals == text.length() - 1) {
      throw new InputError(Origin.commandLine(), option,
          "expected KEY=V1,V2,... such as nic-gbps=100,175,400, got '" + text + "'");
    }
    String key = text.substring(0, equals).trim();
    PlanVariants.checkKey(key, option);
    List<String> values = Arrays.stream(text.substring(equals + 1).split(",")).map(String::trim).toList();
    if (values.stream().anyMatch(String::isEmpty)) {
      throw new InputError(Origin.commandLine(), option + " " + key, "an empty value in '" + text + "'");
    }
    if (new LinkedHashSet<>(values).size() != values.size()) {
      throw new InputError(Origin.commandLine(), option + " " + key, "a value appears twice in '" + text + "'");
    }
    return new Variation(key, values);
  }
}
