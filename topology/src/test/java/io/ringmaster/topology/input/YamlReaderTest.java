package io.ringmaster.topology.input;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ringmaster.topology.plan.AttentionLayout;
import org.junit.jupiter.api.Test;

class YamlReaderTest {
  @Test
  void syntaxErrorNamesFileLineAndColumnOnOneLine() {
    assertThatThrownBy(() -> YamlReader.read("model: llama-3-8b\nstages:\n  - name: a\n   seq-len: 4\n", "p.yaml"))
        .isInstanceOf(InputError.class)
        .hasMessageStartingWith("p.yaml:4:")
        .hasMessageContaining("YAML syntax")
        .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"))
        .satisfies(e -> assertThat(e.getStackTrace()).isEmpty());
  }

  @Test
  void valuesKnowTheirPathAndPosition() {
    YamlValue.Mapping doc = YamlReader.read("a: 1\nstages:\n  - seq-len: 64K\n", "p.yaml").asMapping();
    YamlValue.Scalar seqLen = doc.require("stages").asSequence().items().get(0).asMapping().scalar("seq-len");
    assertThat(seqLen.path()).isEqualTo("stages[0].seq-len");
    assertThat(seqLen.origin().describe()).isEqualTo("p.yaml:3:14");
    assertThat(seqLen.asTokenCount()).isEqualTo(65_536);
  }

  @Test
  void duplicateKeysAreRejected() {
    assertThatThrownBy(() -> YamlReader.read("a: 1\na: 2\n", "p.yaml"))
        .hasMessage("p.yaml:2:1: a: appears twice");
  }

  @Test
  void nullFieldsAreAbsent() {
    YamlValue.Mapping doc = YamlReader.read("{\"a\": null, \"b\": 3}", "c.json").asMapping();
    assertThat(doc.optional("a")).isEmpty();
    assertThat(doc.scalar("b").asPositiveInt()).isEqualTo(3);
  }

  @Test
  void scalarsParseTheirTypesAndNameTheFieldWhenWrong() {
    YamlValue.Mapping doc = YamlReader.read("n: 1_048_576\nm: 1M\nk: 700K\nx: -3\nb: yes\nl: zigzag\nz: 0\n", "f").asMapping();
    assertThat(doc.scalar("n").asTokenCount()).isEqualTo(1_048_576);
    assertThat(doc.scalar("m").asTokenCount()).isEqualTo(1_048_576);
    assertThat(doc.scalar("k").asTokenCount()).isEqualTo(716_800);
    assertThat(doc.scalar("b").asBoolean()).isTrue();
    assertThat(doc.scalar("l").asChoice(AttentionLayout.class)).isEqualTo(AttentionLayout.ZIGZAG);
    assertThatThrownBy(() -> doc.scalar("x").asPositiveInt()).hasMessage("f:4:4: x: expected a positive whole number, got -3");
    assertThatThrownBy(() -> doc.scalar("z").asTokenCount()).hasMessage("f:7:4: z: expected a positive token count, got 0");
    assertThatThrownBy(() -> doc.scalar("l").asPositiveDouble()).hasMessage("f:6:4: l: expected a positive number, got 'zigzag'");
    assertThatThrownBy(() -> doc.scalar("n").asChoice(AttentionLayout.class))
        .hasMessageContaining("expected one of ring | zigzag | stripe");
  }

  @Test
  void missingAndUnknownFieldsAreNamed() {
    YamlValue.Mapping doc = YamlReader.read("a: 1\ntypo: 2\n", "f").asMapping();
    assertThatThrownBy(() -> doc.scalar("b")).hasMessage("f:1:1: b: missing; this field is required");
    assertThatThrownBy(() -> doc.rejectUnknown(java.util.Set.of("a")))
        .hasMessage("f:2:7: typo: unknown field; expected one of a");
  }

  @Test
  void emptyDocumentIsAnError() {
    assertThatThrownBy(() -> YamlReader.read("# nothing\n", "f")).hasMessage("f: the document is empty");
  }
}
