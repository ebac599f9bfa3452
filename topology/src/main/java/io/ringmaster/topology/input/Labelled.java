package io.ringmaster.topology.input;

/** A choice that users write as a word (an enum constant's label in YAML and on the command line). */
public interface Labelled {
  String label();
}
