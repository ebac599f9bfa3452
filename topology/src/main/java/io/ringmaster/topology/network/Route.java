package io.ringmaster.topology.network;

/** The directed links a transfer crosses, in order. An empty route is a copy within one device. */
public record Route(int[] linkIds) {
  public static final Route LOCAL = new Route(new int[0]);

  public int hops() {
    return linkIds.length;
  }
}
