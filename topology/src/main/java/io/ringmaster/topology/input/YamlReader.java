package io.ringmaster.topology.input;

import java.io.IOException;
import java.io.InputStream;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.error.YAMLException;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;
import org.yaml.snakeyaml.nodes.Tag;

/**
 * Reads YAML (and JSON, which SnakeYAML reads as YAML) into {@link YamlValue}s that carry their
 * positions. Only the node tree is composed; no Java objects are constructed from the document.
 */
public final class YamlReader {
  private YamlReader() {}

  /**
   * A file that {@code namedBy} names (a path given as an option, or in another file): a missing file is
   * reported there, where the user typed it; errors inside the file name the file.
   */
  public static YamlValue readFile(Path file, YamlValue.Scalar namedBy) {
    String source = file.toString();
    if (!Files.isRegularFile(file)) {
      throw InputError.at(namedBy, "no such file " + source);
    }
    try {
      return read(Files.readString(file, StandardCharsets.UTF_8), source);
    } catch (IOException e) {
      throw new InputError(Origin.of(source), "", "cannot read: " + e.getMessage());
    }
  }

  /** A document packaged with the application (a preset); {@code source} names it in errors. */
  public static YamlValue readResource(Class<?> anchor, String resource, String source) {
    try (InputStream in = anchor.getResourceAsStream(resource)) {
      if (in == null) {
        throw new IllegalStateException("missing resource " + resource);
      }
      return read(new String(in.readAllBytes(), StandardCharsets.UTF_8), source);
    } catch (IOException e) {
      throw new IllegalStateException("cannot read resource " + resource, e);
    }
  }

  public static YamlValue read(String text, String source) {
    Node root;
    try {
      root = new Yaml(new SafeConstructor(new LoaderOptions())).compose(new StringReader(text));
    } catch (MarkedYAMLException e) {
      Mark mark = e.getProblemMark() != null ? e.getProblemMark() : e.getContextMark();
      Origin origin = mark == null ? Origin.of(source) : new Origin(source, mark.getLine() + 1, mark.getColumn() + 1);
      String problem = e.getProblem() != null ? e.getProblem() : e.getMessage();
      throw new InputError(origin, "YAML syntax", oneLine(problem));
    } catch (YAMLException e) {
      throw new InputError(Origin.of(source), "YAML syntax", oneLine(e.getMessage()));
    }
    if (root == null) {
      throw new InputError(Origin.of(source), "", "the document is empty");
    }
    return convert(root, source, "");
  }

  private static YamlValue convert(Node node, String source, String path) {
    Origin origin = new Origin(source, node.getStartMark().getLine() + 1, node.getStartMark().getColumn() + 1);
    if (node instanceof ScalarNode scalar) {
      return new YamlValue.Scalar(scalar.getValue(), origin, path);
    }
    if (node instanceof SequenceNode sequence) {
      List<YamlValue> items = new ArrayList<>();
      for (Node item : sequence.getValue()) {
        items.add(convert(item, source, path + "[" + items.size() + "]"));
      }
      return new YamlValue.Sequence(items, origin, path);
    }
    MappingNode mapping = (MappingNode) node;
    Map<String, YamlValue> fields = new LinkedHashMap<>();
    for (NodeTuple tuple : mapping.getValue()) {
      YamlValue key = convert(tuple.getKeyNode(), source, path);
      String name = key.asScalar().text();
      String childPath = YamlValue.childPath(path, name);
      if (fields.containsKey(name)) {
        throw new InputError(key.origin(), childPath, "appears twice");
      }
      if (tuple.getValueNode() instanceof ScalarNode value && Tag.NULL.equals(value.getTag())) {
        continue; // "field:" or "field: null" (JSON) leaves the field unset
      }
      fields.put(name, convert(tuple.getValueNode(), source, childPath));
    }
    return new YamlValue.Mapping(fields, origin, path);
  }

  private static String oneLine(String text) {
    return text == null ? "malformed document" : text.replaceAll("\\s+", " ").trim();
  }
}
