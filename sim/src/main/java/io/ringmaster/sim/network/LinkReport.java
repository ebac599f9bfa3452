package io.ringmaster.sim.network;

import io.ringmaster.topology.network.LinkKind;

/**
 * One link's account of a simulated stage.
 *
 * @param utilisation bytes carried over what the link could have carried in the simulated time
 * @param peakUtilisation the highest total rate of the transfers sharing it, over its bandwidth
 */
public record LinkReport(
    int link,
    String name,
    LinkKind kind,
    double bytesPerSecond,
    double busySeconds,
    long bytesCarried,
    double utilisation,
    double peakUtilisation) {

  /** Max-min sharing never gives a link more than it has; a little slack for rounding. */
  public static final double CAPACITY_TOLERANCE = 1e-9;

  public boolean overCapacity() {
    return peakUtilisation > 1 + CAPACITY_TOLERANCE;
  }
}
