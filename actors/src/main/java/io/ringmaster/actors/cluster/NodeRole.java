package io.ringmaster.actors.cluster;

import java.util.Locale;

/** What a node does in the cluster; the role name is the Pekko Cluster role. */
public enum NodeRole {
  /** Hosts GPU actors. */
  WORKER,
  /** Discovers workers, forms rings and drives stages; the seed and the downing authority. */
  DIRECTOR;

  public String roleName() {
    return name().toLowerCase(Locale.ROOT);
  }
}
