package io.ringmaster.topology.input;

/**
 * Where a value came from, so that an error can point at it: a position in a file (1-based line and
 * column) or a source without positions such as the command line.
 */
public record Origin(String source, int line, int column) {
  public static Origin commandLine() {
    return new Origin("command line", 0, 0);
  }

  public static Origin of(String source) {
    return new Origin(source, 0, 0);
  }

  public String describe() {
    return line > 0 ? source + ":" + line + ":" + column : source;
  }
}
