package io.ringmaster.sim.network;

import java.util.Arrays;

/**
 * The max-min rates of components already settled, keyed by the multiset of their flows' routes.
 *
 * <p>Progressive filling is canonical: the rates and bottlenecks of a component depend only on which
 * routes its flows take (capacities are fixed), not on the order of flows nor on their bytes. A ring
 * pass settles the same few components every ring step (a rank's K,V transfer and the transfers that
 * share its host bridge or NIC), so most settles find their answer here instead of filling again.
 * Flows on the same route always get the same rate and bottleneck, so a rate is kept per route.
 * Bounded: once {@link #CAPACITY} components are known, new ones are filled every time.
 */
final class RateMemo {
  /** Larger components are rarely seen twice; they are always filled. */
  static final int MAX_FLOWS = 32;
  private static final int CAPACITY = 1 << 16;

  private long[] hashes = new long[64];
  private int[][] routeKeys = new int[64][];
  private double[][] rates = new double[64][];
  private int[][] bottlenecks = new int[64][];
  private int size;
  private int found = -1;

  /**
   * Looks up the component whose routes, sorted, are {@code sortedRoutes[0..count)}; true if it is
   * known, and then {@link #rate} and {@link #bottleneck} answer for it.
   */
  boolean find(int[] sortedRoutes, int count, long hash) {
    for (int slot = slotOf(hash); routeKeys[slot] != null; slot = nextSlot(slot)) {
      if (hashes[slot] == hash && Arrays.equals(routeKeys[slot], 0, routeKeys[slot].length, sortedRoutes, 0, count)) {
        found = slot;
        return true;
      }
    }
    found = -1;
    return false;
  }

  /** The rate of the flows at {@code index} of the sorted routes of the component just found. */
  double rate(int index) {
    return rates[found][index];
  }

  int bottleneck(int index) {
    return bottlenecks[found][index];
  }

  void remember(int[] sortedRoutes, int count, long hash, double[] ratesByIndex, int[] bottlenecksByIndex) {
    if (size == CAPACITY) {
      return;
    }
    if (2 * (size + 1) > hashes.length) {
      grow();
    }
    place(hash, Arrays.copyOf(sortedRoutes, count), Arrays.copyOf(ratesByIndex, count),
        Arrays.copyOf(bottlenecksByIndex, count));
    size++;
  }

  private void place(long hash, int[] routes, double[] ratesByIndex, int[] bottlenecksByIndex) {
    int slot = slotOf(hash);
    while (routeKeys[slot] != null) {
      slot = nextSlot(slot);
    }
    hashes[slot] = hash;
    routeKeys[slot] = routes;
    rates[slot] = ratesByIndex;
    bottlenecks[slot] = bottlenecksByIndex;
  }

  private void grow() {
    long[] oldHashes = hashes;
    int[][] oldKeys = routeKeys;
    double[][] oldRates = rates;
    int[][] oldBottlenecks = bottlenecks;
    int slots = 2 * oldHashes.length;
    hashes = new long[slots];
    routeKeys = new int[slots][];
    rates = new double[slots][];
    bottlenecks = new int[slots][];
    for (int slot = 0; slot < oldHashes.length; slot++) {
      if (oldKeys[slot] != null) {
        place(oldHashes[slot], oldKeys[slot], oldRates[slot], oldBottlenecks[slot]);
      }
    }
  }

  /** A hash of sorted route ids (the SplitMix64 finaliser over a running mix). */
  static long hash(int[] sortedRoutes, int count) {
    long h = count;
    for (int i = 0; i < count; i++) {
      h = h * 0x9E3779B97F4A7C15L + sortedRoutes[i];
    }
    h = (h ^ (h >>> 30)) * 0xBF58476D1CE4E5B9L;
    h = (h ^ (h >>> 27)) * 0x94D049BB133111EBL;
    return h ^ (h >>> 31);
  }

  private int slotOf(long hash) {
    return (int) hash & (hashes.length - 1);
  }

  private int nextSlot(int slot) {
    return (slot + 1) & (hashes.length - 1);
  }
}
