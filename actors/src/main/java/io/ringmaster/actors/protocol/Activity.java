package io.ringmaster.actors.protocol;

/** What a GPU's compute stream is doing, for the time breakdown of a step. */
public enum Activity {
  /** Running a matrix product or an attention block. */
  COMPUTE,
  /** The optimizer step (on the GPU, or on the host CPU while the GPU waits). */
  OPTIMIZER,
  /** Waiting for a KV or dK/dV block that has not arrived: exposed ring communication. */
  RING_WAIT,
  /** Waiting for a ZeRO all-gather or reduce-scatter: exposed data-parallel communication. */
  COLLECTIVE_WAIT,
  /** Waiting for a copy between host and GPU memory (offload). */
  HOST_COPY,
  /** Not started, or finished and waiting for the rest of the job. */
  IDLE
}
