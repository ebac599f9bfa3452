package io.ringmaster.kernels;

/** Which key positions a query may attend to. */
public enum Masking {
  /** Every query sees every key (bidirectional). */
  NONE,
  /** A query at global position p sees keys at positions {@code <= p}. */
  CAUSAL
}
