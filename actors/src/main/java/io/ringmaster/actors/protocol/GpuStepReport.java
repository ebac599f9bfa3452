package io.ringmaster.actors.protocol;

/**
 * One GPU's account of one training step, the same in sim (virtual seconds) and live (wall seconds).
 * Busy and waiting times add up to {@code finishSeconds - startSeconds}.
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
    boolean outOfMemory) {}
