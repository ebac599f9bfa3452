package io.ringmaster.topology.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.ringmaster.topology.input.InputError;
import io.ringmaster.topology.input.Origin;
import io.ringmaster.topology.input.YamlValue.Scalar;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelCatalogTest {
  static ModelSpec model(String name) {
    return ModelCatalog.resolve(new Scalar(name, Origin.commandLine(), "--model"), Path.of(""));
  }

  @Test
  void parameterCountsMatchTheModelCards() {
    // reference/models.md: 8.03 B, 70.6 B, 6.74 B, 13.0 B
    assertThat(model("llama-3-8b").parameters() / 1e9).isCloseTo(8.03, within(0.01));
    assertThat(model("llama-3-70b").parameters() / 1e9).isCloseTo(70.6, within(0.05));
    assertThat(model("llama-2-7b").parameters() / 1e9).isCloseTo(6.74, within(0.01));
    assertThat(model("llama-2-13b").parameters() / 1e9).isCloseTo(13.0, within(0.05));
  }

  @Test
  void layerParametersByHand() {
    // Llama-3-8B: q 4096·4096 + k,v 2·4096·1024 + o 4096·4096 + MLP 3·4096·14336 + norms 2·4096
    ModelSpec m = model("llama-3-8b");
    assertThat(m.layerParameters()).isEqualTo(16_777_216L + 8_388_608L + 16_777_216L + 176_160_768L + 8_192L);
    assertThat(m.embeddingParameters()).isEqualTo(128_256L * 4096);
    assertThat(m.largestModuleParameters()).isEqualTo(m.embeddingParameters());
    assertThat(m.kvWidth()).isEqualTo(1024);
    assertThat(m.queryWidth()).isEqualTo(4096);
  }

  @Test
  void readsAHuggingFaceConfigJson(@TempDir Path dir) throws Exception {
    Path config = dir.resolve("config.json");
    Files.writeString(config, """
        {"_name_or_path": "tiny-llama", "architectures": ["LlamaForCausalLM"], "hidden_size": 256,
         "intermediate_size": 688, "num_attention_heads": 8, "num_hidden_layers": 4,
         "num_key_value_heads": 2, "rms_norm_eps": 1e-05, "vocab_size": 1000, "rope_scaling": null}
        """);
    ModelSpec m = ModelCatalog.resolve(new Scalar(config.toString(), Origin.commandLine(), "--model"), Path.of(""));
    assertThat(m.name()).isEqualTo("tiny-llama");
    assertThat(m.headDim()).isEqualTo(32);
    assertThat(m.kvHeads()).isEqualTo(2);
    assertThat(m.ropeTheta()).isEqualTo(10000.0); // LlamaConfig default
    assertThat(m.contextLength()).isEqualTo(2048); // LlamaConfig default
  }

  @Test
  void configWithMismatchedHeadsIsBadInput(@TempDir Path dir) throws Exception {
    Path config = dir.resolve("bad.json");
    Files.writeString(config, "{\"hidden_size\": 256, \"intermediate_size\": 688, \"num_attention_heads\": 8,"
        + " \"num_hidden_layers\": 4, \"num_key_value_heads\": 3, \"vocab_size\": 1000}");
    assertThatThrownBy(() -> ModelCatalog.resolve(new Scalar(config.toString(), Origin.commandLine(), "--model"), Path.of("")))
        .isInstanceOf(InputError.class)
        .hasMessageContaining("bad.json:1:")
        .hasMessageContaining("num_key_value_heads: expected a divisor of num_attention_heads (8), got 3");
  }

  @Test
  void unknownModelListsTheKnownOnes() {
    assertThatThrownBy(() -> model("llama-4"))
        .hasMessage("command line: --model: unknown model 'llama-4'; known: llama-3-8b, llama-3-70b, llama-2-7b,"
            + " llama-2-13b, llama-mini-4l (or the path of a Hugging Face config.json)");
  }

  @Test
  void missingConfigFileIsBadInput() {
    assertThatThrownBy(() -> model("no/such/config.json"))
        .hasMessage("command line: --model: no such file no/such/config.json");
  }
}
