package io.ringmaster.sim.memory;

/**
 * Ring-attention buffers of one GPU while one layer's attention runs, in bytes, by phase. Forward
 * and backward never overlap within a layer, so the ledger charges the larger phase.
 *
 * @param kvBlocksBytes K,V blocks received from the previous rank: the one being computed on and the
 *     one arriving for the next step (double buffering)
 * @param outLseAccumulatorBytes forward: fp32 running output and log-sum-exp
 * @param blockOutputBytes forward: one block's output and LSE from the attention kernel
 * @param dkdvBytes backward: fp32 dK,dV travelling with their block, current and arriving
 * @param dqAccumulatorBytes backward: fp32 dQ accumulated locally
 * @param blockGradientBytes backward: one block's dQ, dK, dV from the attention kernel
 */
public record RingBuffers(
    long kvBlocksBytes,
    long outLseAccumulatorBytes,
    long blockOutputBytes,
    long dkdvBytes,
    long dqAccumulatorBytes,
    long blockGradientBytes) {

  public static final RingBuffers NONE = new RingBuffers(0, 0, 0, 0, 0, 0);

  public long forwardBytes() {
    return kvBlocksBytes + outLseAccumulatorBytes + blockOutputBytes;
  }

  public long backwardBytes() {
    return kvBlocksBytes + dkdvBytes + dqAccumulatorBytes + blockGradientBytes;
  }

  public long peakBytes() {
    return Math.max(forwardBytes(), backwardBytes());
  }
}
