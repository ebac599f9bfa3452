package io.ringmaster.actors.protocol;

/** One attention block as a GPU ran it: for traces, and for comparing sim and live block by block. */
public record BlockReport(int gpu, Pass pass, int layer, int step, double startSeconds, double endSeconds) {}
