package io.ringmaster.actors.gpu;

import org.apache.pekko.actor.typed.ActorRef;

/**
 * Moves blocks around a ring. An exchange is one NCCL-style send/receive group: {@code outgoing} to
 * the next rank and the block with the same layer, pass, step and content from the previous rank.
 * The sender learns its send is done from a {@link GpuActor.SendCompleted}; the receiver gets the
 * block as a {@link GpuActor.KvBlock}. Exchanges of one rank complete in the order they were posted.
 */
public interface RingTransport {
  /** The rank this GPU sends its blocks to in the shard just assigned (sim routes by the ring instead). */
  default void connect(ActorRef<GpuActor.Command> nextRank) {}

  void exchange(GpuActor.KvBlock outgoing);

  /** A block from the previous rank was taken into the current pass: a live transport keeps its payload. */
  default void received(GpuActor.KvBlock block) {}
}
