package io.ringmaster.actors.protocol;

/** What a block passed around the ring carries. */
public enum BlockContent {
  /** A rank's K and V, in the training precision. */
  KEYS_VALUES,
  /** dK and dV accumulated so far for the K,V block they travel with (fp32, as in ring-flash-attention). */
  KEY_VALUE_GRADIENTS
}
