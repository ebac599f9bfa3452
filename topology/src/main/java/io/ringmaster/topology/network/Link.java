package io.ringmaster.topology.network;

/**
 * One direction of a physical link: full-duplex hardware is two {@code Link}s, one per direction,
 * because traffic in one direction does not slow the other. Transfers crossing it share
 * {@code bytesPerSecond} fairly; each crossing adds {@code latencySeconds}.
 */
public record Link(int id, String name, LinkKind kind, double bytesPerSecond, double latencySeconds) {
  public Link {
    if (bytesPerSecond <= 0) {
      throw new IllegalArgumentException("link " + name + ": bytesPerSecond must be positive");
    }
    if (latencySeconds < 0) {
      throw new IllegalArgumentException("link " + name + ": latencySeconds must not be negative");
    }
  }
}
