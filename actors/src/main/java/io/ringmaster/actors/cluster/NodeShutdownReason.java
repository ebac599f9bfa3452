package io.ringmaster.actors.cluster;

import org.apache.pekko.actor.CoordinatedShutdown;

/** Why a Ringmaster node shut itself down, and the exit code {@link ClusterNode#awaitTermination} gives for it. */
public enum NodeShutdownReason implements CoordinatedShutdown.Reason {
  /** A worker's director left the cluster: the run is over. */
  DIRECTOR_LEFT(0),
  /** A worker's director became unreachable and stayed so. */
  DIRECTOR_LOST(1),
  /** One of the actors a worker hosts stopped. */
  HOSTED_ACTOR_STOPPED(1),
  /** The process that started this node is gone. */
  PARENT_GONE(1);

  private final int exitCode;

  NodeShutdownReason(int exitCode) {
    this.exitCode = exitCode;
  }

  public int exitCode() {
    return exitCode;
  }
}
