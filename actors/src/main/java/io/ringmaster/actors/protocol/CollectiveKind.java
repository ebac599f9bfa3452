package io.ringmaster.actors.protocol;

/** The data-parallel (ZeRO) collectives, run as NCCL runs them: rings over all GPUs of the job. */
public enum CollectiveKind {
  /** Every GPU ends with all shards: N-1 of N shares cross every ring edge. */
  ALL_GATHER,
  /** Every GPU ends with the sum of its own shard: N-1 of N shares cross every ring edge. */
  REDUCE_SCATTER,
  /** A reduce-scatter then an all-gather: 2(N-1) of N shares cross every ring edge. */
  ALL_REDUCE;

  /** How many times the full buffer, times (N-1)/N, crosses each edge of the ring. */
  public int passes() {
    return this == ALL_REDUCE ? 2 : 1;
  }
}
