package io.ringmaster.topology.plan;

import io.ringmaster.topology.input.Labelled;

/** What ZeRO-Offload / ZeRO-Infinity keeps in host memory instead of on the GPU. */
public enum Offload implements Labelled {
  NONE("none"),
  OPTIMIZER("optimizer"),
  OPTIMIZER_AND_PARAMETERS("optimizer+parameters");

  private final String label;

  Offload(String label) {
    this.label = label;
  }

  @Override
  public String label() {
    return label;
  }

  public boolean optimizer() {
    return this != NONE;
  }

  public boolean parameters() {
    return this == OPTIMIZER_AND_PARAMETERS;
  }
}
