package io.ringmaster.sim.planning;

/** What the capacity planner searched for, if anything, and how long the search took. */
public sealed interface Search permits Search.None, Search.MaxContext, Search.MinRing {
  /** A plain check of the stage as given. */
  record None() implements Search {}

  /**
   * The longest sequence that fits on the stage's ring size; 0 when not even the shortest the layout
   * can split fits.
   */
  record MaxContext(long maxSeqLen, int ledgers, double searchSeconds) implements Search {}

  /** The smallest ring that fits the stage's sequence length; 0 when no ring on the cluster does. */
  record MinRing(int minRing, int ledgers, double searchSeconds) implements Search {}
}
