package io.ringmaster.topology.plan;

import io.ringmaster.topology.input.Labelled;

/** Activation checkpointing: none keeps every layer's activations; full keeps each layer's input and recomputes the rest. */
public enum Checkpointing implements Labelled {
  NONE("none"),
  FULL("full");

  private final String label;

  Checkpointing(String label) {
    this.label = label;
  }

  @Override
  public String label() {
    return label;
  }
}
