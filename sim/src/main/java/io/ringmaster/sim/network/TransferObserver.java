package io.ringmaster.sim.network;

/**
 * Watches the transfers of a simulated fabric, for traces: each transfer from its start to its last
 * byte (before the route's latency), with the links it occupies. Called on the coordinator's thread, in
 * virtual-time order.
 */
public interface TransferObserver {
  TransferObserver NONE = new TransferObserver() {};

  /**
   * A transfer started. {@code transfer} identifies it until {@link #transferFinished} (ids are reused
   * afterwards); {@code links} are the link ids of its route (not to be modified).
   */
  default void transferStarted(long tick, int transfer, int[] links, long bytes, Traffic traffic) {}

  /** The last byte of {@code transfer} left its route's last link at {@code tick}. */
  default void transferFinished(long tick, int transfer) {}
}
