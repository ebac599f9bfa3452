package io.ringmaster.sim.network;

import io.ringmaster.actors.gpu.GpuActor;
import io.ringmaster.sim.clock.PeriodShift;
import io.ringmaster.sim.clock.StateEncoder;
import java.util.ArrayDeque;
import java.util.Arrays;

/**
 * NCCL-style send/receive groups around the rings. Each GPU's exchanges queue in posting order (one
 * NCCL stream per rank); the head of the queue is active. A block moves from a sender to the next rank
 * once the sender's active exchange sends it and the receiver's active exchange expects it (the
 * rendezvous of large NCCL messages); an exchange is done when its send and its receive have landed,
 * and then the next one in the queue becomes active.
 */
final class RingExchanges {
  private static final long NO_EXCHANGE = -1;

  private final Fabric fabric;
  private final int[] next;
  private final int[] previous;
  private final Routes.Path[] toNext;
  private final ArrayDeque<GpuActor.KvBlock>[] queues;
  /**
   * Each GPU's active exchange as one number (see {@link #key}), {@link #NO_EXCHANGE} when none, and
   * the bytes it sends: the rendezvous is checked every ring step without reading either GPU's queue.
   */
  private final long[] activeKey;
  private final long[] activeBytes;
  private final boolean[] sendStarted;
  private final boolean[] sendLanded;
  private final boolean[] receiveLanded;

  @SuppressWarnings("unchecked")
  RingExchanges(Fabric fabric, Routes routes, int[] globalGpus, int[] nextInRing) {
    this.fabric = fabric;
    int gpus = globalGpus.length;
    next = nextInRing.clone();
    previous = new int[gpus];
    toNext = new Routes.Path[gpus];
    queues = new ArrayDeque[gpus];
    activeKey = new long[gpus];
    activeBytes = new long[gpus];
    Arrays.fill(activeKey, NO_EXCHANGE);
    for (int g = 0; g < gpus; g++) {
      previous[next[g]] = g;
      toNext[g] = routes.between(globalGpus[g], globalGpus[next[g]]);
      queues[g] = new ArrayDeque<>();
    }
    sendStarted = new boolean[gpus];
    sendLanded = new boolean[gpus];
    receiveLanded = new boolean[gpus];
  }

  void post(long now, int gpu, GpuActor.KvBlock block) {
    queues[gpu].add(block);
    if (queues[gpu].size() == 1) {
      activate(now, gpu);
    }
  }

  long latencyTicks(int sender) {
    return toNext[sender].latencyTicks();
  }

  /** The block the sender's active exchange sent has landed at the next rank. */
  void landed(long tick, int sender) {
    int receiver = next[sender];
    GpuActor.KvBlock block = queues[sender].peek();
    fabric.deliver(tick, receiver, block);
    fabric.deliver(tick, sender, GpuActor.SendCompleted.of(block));
    sendLanded[sender] = true;
    receiveLanded[receiver] = true;
    completeIfDone(tick, sender);
    if (receiver != sender) {
      completeIfDone(tick, receiver);
    }
  }

  private void completeIfDone(long now, int gpu) {
    if (sendLanded[gpu] && receiveLanded[gpu]) {
      queues[gpu].poll();
      if (queues[gpu].isEmpty()) {
        activeKey[gpu] = NO_EXCHANGE;
      } else {
        activate(now, gpu);
      }
    }
  }

  private void activate(long now, int gpu) {
    GpuActor.KvBlock head = queues[gpu].peek();
    activeKey[gpu] = key(head);
    activeBytes[gpu] = head.payload().bytes();
    sendStarted[gpu] = false;
    sendLanded[gpu] = false;
    receiveLanded[gpu] = false;
    tryTransfer(now, gpu);
    if (previous[gpu] != gpu) {
      tryTransfer(now, previous[gpu]);
    }
  }

  private void tryTransfer(long now, int sender) {
    long sending = activeKey[sender];
    // the receiver's active exchange is the same ring exchange as the sender's: it expects this block
    if (sending == NO_EXCHANGE || sendStarted[sender] || activeKey[next[sender]] != sending) {
      return;
    }
    sendStarted[sender] = true;
    fabric.startFlow(now, toNext[sender], activeBytes[sender], Fabric.EXCHANGE, sender, 0);
  }

  /** A ring exchange's identity: its layer, ring step, pass and content (ring steps are below 2^24). */
  private static long key(GpuActor.KvBlock block) {
    return (long) block.layer() << 32 | (long) block.step() << 8 | block.pass().ordinal() << 4
        | block.content().ordinal();
  }

  void encode(StateEncoder encoder) {
    for (int gpu = 0; gpu < queues.length; gpu++) {
      encoder.value(queues[gpu].size()).flag(sendStarted[gpu]).flag(sendLanded[gpu]).flag(receiveLanded[gpu]);
      for (GpuActor.KvBlock block : queues[gpu]) {
        encodeBlock(encoder, block);
      }
    }
  }

  void shift(PeriodShift shift) {
    for (int gpu = 0; gpu < queues.length; gpu++) {
      ArrayDeque<GpuActor.KvBlock> queue = queues[gpu];
      int size = queue.size();
      for (int i = 0; i < size; i++) {
        GpuActor.KvBlock block = queue.poll();
        queue.add(block.withLayer(shift.layer(block.layer())));
      }
      if (size > 0) {
        activeKey[gpu] = key(queue.peek());
      }
    }
  }

  /** A ring block's identity and size, its layer relative to the reference. */
  static void encodeBlock(StateEncoder encoder, GpuActor.KvBlock block) {
    encoder.value(block.ring()).value(block.fromRank()).layer(block.layer()).value(block.step())
        .value(block.pass().ordinal()).value(block.content().ordinal()).value(block.payload().bytes());
  }

  boolean idle() {
    for (ArrayDeque<GpuActor.KvBlock> queue : queues) {
      if (!queue.isEmpty()) {
        return false;
      }
    }
    return true;
  }
}
