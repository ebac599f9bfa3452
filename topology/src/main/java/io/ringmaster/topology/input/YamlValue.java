package io.ringmaster.topology.input;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * A parsed YAML (or JSON) value that remembers where it came from and its path in the document
 * ({@code stages[2].seq-len}), so that every validation error can name file, position and field.
 * Scalars keep their text; typed reading happens here, with one-line errors.
 */
public sealed interface YamlValue permits YamlValue.Scalar, YamlValue.Sequence, YamlValue.Mapping {
  Origin origin();

  String path();

  /** What kind of value this is, in words, for "expected a number, got a list". */
  String kind();

  default Scalar asScalar() {
    if (this instanceof Scalar scalar) {
      return scalar;
    }
    throw InputError.at(this, "expected a single value, got a " + kind());
  }

  default Mapping asMapping() {
    if (this instanceof Mapping mapping) {
      return mapping;
    }
    throw InputError.at(this, "expected a mapping of fields, got a " + kind());
  }

  default Sequence asSequence() {
    if (this instanceof Sequence sequence) {
      return sequence;
    }
    throw InputError.at(this, "expected a list, got a " + kind());
  }

  static String childPath(String parent, String key) {
    return parent.isEmpty() ? key : parent + "." + key;
  }

  /** A single value; {@code text} is exactly what the user wrote. */
  record Scalar(String text, Origin origin, String path) implements YamlValue {
    @Override
    public String kind() {
      return "value";
    }

    public String asString() {
      if (text.isBlank()) {
        throw InputError.at(this, "expected a non-empty value");
      }
      return text.trim();
    }

    public double asDouble() {
      return parseDouble("a number");
    }

    public double asPositiveDouble() {
      double value = parseDouble("a positive number");
      if (!(value > 0) || Double.isInfinite(value)) {
        throw InputError.at(this, "expected a positive number, got " + text);
      }
      return value;
    }

    public double asNonNegativeDouble() {
      double value = parseDouble("a number of 0 or more");
      if (!(value >= 0) || Double.isInfinite(value)) {
        throw InputError.at(this, "expected a number of 0 or more, got " + text);
      }
      return value;
    }

    public long asLong() {
      return parseLong("a whole number");
    }

    public long asPositiveLong() {
      long value = parseLong("a positive whole number");
      if (value <= 0) {
        throw InputError.at(this, "expected a positive whole number, got " + text);
      }
      return value;
    }

    public int asPositiveInt() {
      long value = asPositiveLong();
      if (value > Integer.MAX_VALUE) {
        throw InputError.at(this, "expected a whole number below 2^31, got " + text);
      }
      return (int) value;
    }

    /** A token count: a whole number, optionally with K (×1024) or M (×1024²), as in "64K". */
    public long asTokenCount() {
      String trimmed = withoutUnderscores();
      long multiplier = 1;
      if (trimmed.endsWith("K") || trimmed.endsWith("k")) {
        multiplier = 1024;
      } else if (trimmed.endsWith("M") || trimmed.endsWith("m")) {
        multiplier = 1024 * 1024;
      }
      String digits = multiplier == 1 ? trimmed : trimmed.substring(0, trimmed.length() - 1);
      try {
        long value = Math.multiplyExact(Long.parseLong(digits), multiplier);
        if (value <= 0) {
          throw InputError.at(this, "expected a positive token count, got " + text);
        }
        return value;
      } catch (NumberFormatException | ArithmeticException e) {
        throw InputError.at(this, "expected a token count such as 65536, 64K or 1M, got '" + text + "'");
      }
    }

    public boolean asBoolean() {
      return switch (text.trim().toLowerCase(java.util.Locale.ROOT)) {
        case "true", "yes", "on" -> true;
        case "false", "no", "off" -> false;
        default -> throw InputError.at(this, "expected true or false, got '" + text + "'");
      };
    }

    public <E extends Enum<E> & Labelled> E asChoice(Class<E> type) {
      String word = text.trim();
      for (E constant : type.getEnumConstants()) {
        if (constant.label().equals(word)) {
          return constant;
        }
      }
      List<String> labels = java.util.Arrays.stream(type.getEnumConstants()).map(Labelled::label).toList();
      throw InputError.at(this, "expected one of " + String.join(" | ", labels) + ", got '" + text + "'");
    }

    private double parseDouble(String expected) {
      try {
        return Double.parseDouble(withoutUnderscores());
      } catch (NumberFormatException e) {
        throw InputError.at(this, "expected " + expected + ", got '" + text + "'");
      }
    }

    private long parseLong(String expected) {
      try {
        return Long.parseLong(withoutUnderscores());
      } catch (NumberFormatException e) {
        throw InputError.at(this, "expected " + expected + ", got '" + text + "'");
      }
    }

    private String withoutUnderscores() {
      return text.trim().replace("_", "");
    }
  }

  /** A list of values. */
  record Sequence(List<YamlValue> items, Origin origin, String path) implements YamlValue {
    public Sequence {
      items = List.copyOf(items);
    }

    @Override
    public String kind() {
      return "list";
    }
  }

  /** A mapping of field names to values, in document order. */
  record Mapping(Map<String, YamlValue> fields, Origin origin, String path) implements YamlValue {
    public Mapping {
      fields = Collections.unmodifiableMap(new LinkedHashMap<>(fields));
    }

    @Override
    public String kind() {
      return "mapping";
    }

    public Optional<YamlValue> optional(String key) {
      return Optional.ofNullable(fields.get(key));
    }

    public Optional<Scalar> optionalScalar(String key) {
      return optional(key).map(YamlValue::asScalar);
    }

    public YamlValue require(String key) {
      YamlValue value = fields.get(key);
      if (value == null) {
        throw new InputError(origin, childPath(path, key), "missing; this field is required");
      }
      return value;
    }

    public Scalar scalar(String key) {
      return require(key).asScalar();
    }

    public YamlValue valueOr(String key, String defaultText) {
      return optional(key).orElseGet(() -> scalarOr(key, defaultText));
    }

    /** A stand-in scalar for a field that is absent and takes its default, so errors still name it. */
    public Scalar scalarOr(String key, String defaultText) {
      return optionalScalar(key).orElse(new Scalar(defaultText, origin, childPath(path, key) + " (default)"));
    }

    /** Fails on a field this document type does not have, which is almost always a typo. */
    public Mapping rejectUnknown(Set<String> known) {
      for (Map.Entry<String, YamlValue> field : fields.entrySet()) {
        if (!known.contains(field.getKey())) {
          throw InputError.at(field.getValue(),
              "unknown field; expected one of " + String.join(", ", new TreeSet<>(known)));
        }
      }
      return this;
    }

    /** This mapping with one field added or replaced, e.g. by a command-line override. */
    public Mapping with(String key, YamlValue value) {
      Map<String, YamlValue> copy = new LinkedHashMap<>(fields);
      copy.put(key, value);
      return new Mapping(copy, origin, path);
    }
  }
}
