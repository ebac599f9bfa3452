package io.ringmaster.actors.protocol;

/**
 * The three times a training step runs a layer's attention: forward, the forward again under
 * activation checkpointing (recompute, just before the layer's backward), and backward.
 */
public enum Pass {
  FORWARD,
  RECOMPUTE,
  BACKWARD
}
