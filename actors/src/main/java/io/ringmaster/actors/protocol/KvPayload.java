package io.ringmaster.actors.protocol;

/**
 * What a {@code KvBlock} carries: in sim only its size ({@link PayloadSize}), in live the tensors
 * themselves (a live payload type implements this interface).
 */
public interface KvPayload {
  long bytes();
}
