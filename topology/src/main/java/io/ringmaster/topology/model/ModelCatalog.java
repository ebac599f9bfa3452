package io.ringmaster.topology.model;

import io.ringmaster.topology.input.InputError;
import io.ringmaster.topology.input.YamlReader;
import io.ringmaster.topology.input.YamlValue;
import io.ringmaster.topology.input.YamlValue.Mapping;
import io.ringmaster.topology.input.YamlValue.Scalar;
import io.ringmaster.topology.preset.PresetKind;
import io.ringmaster.topology.preset.Presets;
import java.nio.file.Path;

/**
 * Resolves a model: a preset name ({@code llama-3-8b}) or the path of a Hugging Face
 * {@code config.json}. Presets are stored with the same field names, so both are read alike. Fields
 * a config may leave out take the Hugging Face {@code LlamaConfig} defaults.
 */
public final class ModelCatalog {
  /** Hugging Face LlamaConfig defaults for optional fields. */
  private static final String DEFAULT_ROPE_THETA = "10000.0";
  private static final String DEFAULT_CONTEXT = "2048";

  private ModelCatalog() {}

  public static ModelSpec resolve(Scalar reference, Path baseDirectory) {
    String name = reference.asString();
    if (PresetKind.MODEL.has(name)) {
      return read(name, Presets.read(PresetKind.MODEL, name, reference).asMapping());
    }
    if (name.endsWith(".json") || name.endsWith(".yaml") || name.endsWith(".yml")) {
      Mapping config = YamlReader.readFile(baseDirectory.resolve(name), reference).asMapping();
      String modelName = config.optionalScalar("_name_or_path").map(Scalar::text).filter(s -> !s.isBlank()).orElse(name);
      return read(modelName, config);
    }
    throw Presets.unknown(PresetKind.MODEL, reference, " (or the path of a Hugging Face config.json)");
  }

  /** Unknown fields are allowed: a real config.json has many that do not matter here. */
  static ModelSpec read(String name, Mapping config) {
    int heads = config.scalar("num_attention_heads").asPositiveInt();
    Scalar kvHeadsValue = config.scalarOr("num_key_value_heads", String.valueOf(heads));
    int kvHeads = kvHeadsValue.asPositiveInt();
    if (heads % kvHeads != 0) {
      throw InputError.at(kvHeadsValue, "expected a divisor of num_attention_heads (" + heads + "), got " + kvHeads);
    }
    Scalar hiddenValue = config.scalar("hidden_size");
    int hidden = hiddenValue.asPositiveInt();
    int headDim = config.optionalScalar("head_dim").map(Scalar::asPositiveInt).orElseGet(() -> {
      if (hidden % heads != 0) {
        throw InputError.at(hiddenValue, "expected a multiple of num_attention_heads (" + heads + ") or a head_dim field");
      }
      return hidden / heads;
    });
    return new ModelSpec(
        name,
        config.scalar("num_hidden_layers").asPositiveInt(),
        hidden,
        heads,
        kvHeads,
        headDim,
        config.scalar("intermediate_size").asPositiveInt(),
        config.scalar("vocab_size").asPositiveInt(),
        config.scalarOr("rope_theta", DEFAULT_ROPE_THETA).asPositiveDouble(),
        config.scalarOr("max_position_embeddings", DEFAULT_CONTEXT).asPositiveInt(),
        config.scalarOr("tie_word_embeddings", "false").asBoolean());
  }
}
