package io.ringmaster.actors.protocol;

/** A payload known only by its size: what a simulated transfer moves. */
public record PayloadSize(long bytes) implements KvPayload {
  public PayloadSize {
    if (bytes < 0) {
      throw new IllegalArgumentException("payload bytes must not be negative: " + bytes);
    }
  }
}
