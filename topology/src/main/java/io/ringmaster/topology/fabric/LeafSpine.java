package io.ringmaster.topology.fabric;

/**
 * A two-level Clos fabric. All NICs of a node sit on one leaf, {@code nodesPerLeaf} nodes per leaf.
 * Each leaf has one uplink to every spine; together the uplinks carry the leaf's NIC bandwidth
 * divided by {@code oversubscription} (1 = non-blocking). Traffic between leaves takes one spine,
 * chosen by ECMP as a fixed function of the endpoints.
 */
public record LeafSpine(int nodesPerLeaf, int spines, double oversubscription, double latencySeconds)
    implements FabricSpec {
  @Override
  public String describe() {
    String ratio = oversubscription == Math.rint(oversubscription)
        ? String.valueOf((long) oversubscription)
        : String.valueOf(oversubscription);
    return "leaf-spine, " + nodesPerLeaf + " nodes per leaf, " + spines + " spines, oversubscription " + ratio + ":1";
  }

  public int leafOfNode(int node) {
    return node / nodesPerLeaf;
  }

  /** One direction of one leaf-to-spine link. */
  public double uplinkBytesPerSecond(int nicsPerNode, double nicBytesPerSecond) {
    return nodesPerLeaf * nicsPerNode * nicBytesPerSecond / (oversubscription * spines);
  }
}
