package io.ringmaster.topology.plan;

import io.ringmaster.topology.input.Labelled;

/** Training precision: bf16 is mixed precision (bf16 compute, fp32 master weights); fp32 is fp32 throughout. */
public enum Precision implements Labelled {
  BF16("bf16", 2),
  FP32("fp32", 4);

  private final String label;
  private final int bytesPerElement;

  Precision(String label, int bytesPerElement) {
    this.label = label;
    this.bytesPerElement = bytesPerElement;
  }

  @Override
  public String label() {
    return label;
  }

  /** Bytes of one weight, activation or gradient element in this precision. */
  public int bytesPerElement() {
    return bytesPerElement;
  }
}
