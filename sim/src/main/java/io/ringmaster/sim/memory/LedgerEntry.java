package io.ringmaster.sim.memory;

/** The named entries of a GPU's memory ledger, in report order. */
public enum LedgerEntry {
  WEIGHTS("weights", "weights"),
  GRADIENTS("gradients", "gradients"),
  OPTIMIZER("optimizer", "optimizer state"),
  ACTIVATIONS("activations", "saved activations"),
  RECOMPUTE_WORKING_SET("recomputeWorkingSet", "recompute working set"),
  RING_BUFFERS("ringBuffers", "ring buffers"),
  LOGITS("logits", "logits and loss"),
  WORKSPACE("workspace", "framework workspace");

  private final String jsonName;
  private final String label;

  LedgerEntry(String jsonName, String label) {
    this.jsonName = jsonName;
    this.label = label;
  }

  /** The field name in JSON reports. */
  public String jsonName() {
    return jsonName;
  }

  /** The name in tables. */
  public String label() {
    return label;
  }
}
