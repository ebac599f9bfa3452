package io.ringmaster.actors.gpu;

/**
 * Moves blocks around a ring. An exchange is one NCCL-style send/receive group: {@code outgoing} to
 * the next rank and the block with the same layer, pass, step and content from the previous rank.
 * The sender learns its send is done from a {@link GpuActor.SendCompleted}; the receiver gets the
 * block as a {@link GpuActor.KvBlock}. Exchanges of one rank complete in the order they were posted.
 */
public interface RingTransport {
  void exchange(GpuActor.KvBlock outgoing);
}
