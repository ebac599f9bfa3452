package io.ringmaster.sim.network;

/** What a transfer is for, in reports. */
public enum Traffic {
  /** K,V and dK,dV blocks passed around a ring. */
  RING,
  /** ZeRO all-gathers and reduce-scatters over the data-parallel group. */
  COLLECTIVE,
  /** Copies between GPUs and host memory (parameter staging, gradient draining, optimizer results). */
  OFFLOAD
}
