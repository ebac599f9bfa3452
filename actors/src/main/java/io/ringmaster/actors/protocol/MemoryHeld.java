package io.ringmaster.actors.protocol;

/**
 * Bytes one entry of the memory ledger held when a device's memory peaked in a step. {@code entry} is
 * the ledger entry's JSON name ({@code activations}, {@code ringBuffers}, ...).
 */
public record MemoryHeld(String entry, long bytes) {
  public MemoryHeld {
    if (bytes < 0) {
      throw new IllegalArgumentException("held bytes must not be negative: " + entry + " " + bytes);
    }
  }
}
