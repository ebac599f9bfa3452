package io.ringmaster.actors.protocol;

import java.util.List;

/**
 * One GPU's account of one training step, the same in sim (virtual seconds) and live (wall seconds).
 * Busy and waiting times add up to {@code finishSeconds - startSeconds}. {@code memoryAtPeak} is what
 * the device itself measured, by ledger entry, at its peak: real buffers in live mode, empty in sim
 * (where the program's memory ops, from the plan's ledger, give {@code peakMemoryBytes}).
 */
public record GpuStepReport(
    int gpu,
    int ring,
    int rank,
    int step,
    double startSeconds,
    double finishSeconds,
    double computeSeconds,
    double optimizerSeconds,
    double ringWaitSeconds,
    double collectiveWaitSeconds,
    double hostCopySeconds,
    long attentionBlocks,
    long ringBytesSent,
    long peakMemoryBytes,
    boolean outOfMemory,
    List<MemoryHeld> memoryAtPeak) {
  public GpuStepReport {
    memoryAtPeak = List.copyOf(memoryAtPeak);
  }
}
