package io.ringmaster.kernels.ring;

/** Checks that a rank sees every KV block of its ring exactly once in a pass. */
final class BlockTally {
  private final String pass;
  private final int rank;
  private final boolean[] seen;
  private int count;

  BlockTally(String pass, int rank, int ringSize) {
    this.pass = pass;
    this.rank = rank;
    this.seen = new boolean[ringSize];
  }

  void record(int ownerRank) {
    if (ownerRank < 0 || ownerRank >= seen.length) {
      throw new IllegalArgumentException(
          "rank " + rank + " got a block of rank " + ownerRank + " outside a ring of " + seen.length);
    }
    if (seen[ownerRank]) {
      throw new IllegalStateException(
          "rank " + rank + " got the block of rank " + ownerRank + " twice in " + pass);
    }
    seen[ownerRank] = true;
    count++;
  }

  void requireComplete() {
    if (count != seen.length) {
      throw new IllegalStateException(
          "rank " + rank + " has seen " + count + " of " + seen.length + " KV blocks in " + pass);
    }
  }
}
