package io.ringmaster.sim.network;

import io.ringmaster.actors.gpu.GpuActor;
import io.ringmaster.actors.protocol.StepOp;
import io.ringmaster.sim.clock.PeriodShift;
import io.ringmaster.sim.clock.StateEncoder;
import java.util.Arrays;

/**
 * The data-parallel group of a stage: all its GPUs, in GPU order, as NCCL builds its ring. Every GPU
 * posts the same collectives in the same order; the group runs them one at a time, each once every GPU
 * has joined it. A ring collective is pipelined: every edge of the ring carries its (N-1)/N share of
 * the buffer at the same time, each edge a transfer over its real route sharing links with whatever
 * else crosses them; the collective is done when its slowest edge is, and lands after N-1 pipeline
 * steps of the slowest edge's latency.
 *
 * <p>Each edge runs at its own max-min share, where NCCL's chunks would hold every edge to the pace of
 * the slowest: the completion time is the same (the slowest edge carries the same bytes at the same
 * share), but a fast edge frees its links earlier than it would. Edges as separate transfers keep
 * every max-min recomputation local to the links that changed instead of spanning the whole job.
 */
final class ZeroGroup {
  private final Fabric fabric;
  private final int members;
  private final Routes.Path[] edges;
  private final long landingTicks;
  private int edgesRunning;
  private int[] joined = new int[64];
  private StepOp.PostCollective[] collectives = new StepOp.PostCollective[64];
  private int nextToRun = 1;
  private boolean running;

  ZeroGroup(Fabric fabric, Routes routes, int[] globalGpus) {
    this.fabric = fabric;
    this.members = globalGpus.length;
    this.edges = new Routes.Path[members > 1 ? members : 0];
    long slowestEdge = 0;
    for (int i = 0; i < edges.length; i++) {
      edges[i] = routes.between(globalGpus[i], globalGpus[(i + 1) % members]);
      slowestEdge = Math.max(slowestEdge, edges[i].latencyTicks());
    }
    this.landingTicks = (members - 1) * slowestEdge;
  }

  /** A new step numbers its collectives from 1 again. */
  void beginStep() {
    if (running) {
      throw new IllegalStateException("a collective is still running at the start of a step");
    }
    Arrays.fill(joined, 0);
    Arrays.fill(collectives, null);
    nextToRun = 1;
  }

  /** {@code gpu} has joined its {@code ordinal}-th collective (after any staging copy). */
  void join(long now, int gpu, int ordinal, StepOp.PostCollective collective) {
    if (ordinal >= joined.length) {
      joined = Arrays.copyOf(joined, ordinal * 2);
      collectives = Arrays.copyOf(collectives, ordinal * 2);
    }
    if (collectives[ordinal] == null) {
      collectives[ordinal] = collective;
    } else if (!collectives[ordinal].shape().equals(collective.shape())) {
      throw new IllegalStateException("GPU " + gpu + " posted " + collective + " as collective " + ordinal
          + " where others posted " + collectives[ordinal]);
    }
    joined[ordinal]++;
    runNext(now);
  }

  long landingTicks() {
    return landingTicks;
  }

  /** One edge of the running collective is done; true when it was the last. */
  boolean edgeDone() {
    return --edgesRunning == 0;
  }

  /** Collective {@code ordinal} has landed everywhere. */
  void landed(long tick, int ordinal) {
    running = false;
    StepOp.PostCollective collective = collectives[ordinal];
    for (int gpu = 0; gpu < members; gpu++) {
      if (collective.drainBytes() > 0) {
        fabric.drain(tick, gpu, collective.drainBytes(), ordinal);
      } else {
        fabric.deliver(tick, gpu, new GpuActor.CollectiveCompleted(ordinal));
      }
    }
    nextToRun = ordinal + 1;
    runNext(tick);
  }

  private void runNext(long now) {
    if (running || nextToRun >= joined.length || joined[nextToRun] < members) {
      return;
    }
    running = true;
    StepOp.PostCollective collective = collectives[nextToRun];
    if (members == 1) {
      edgesRunning = 1;
      fabric.startFlow(now, Routes.Path.LOCAL, 0, Fabric.COLLECTIVE, 0, nextToRun);
      return;
    }
    long bytes = (long) Math.ceil((double) collective.bytes() * collective.kind().passes() * (members - 1) / members);
    edgesRunning = members;
    for (Routes.Path edge : edges) {
      fabric.startFlow(now, edge, bytes, Fabric.COLLECTIVE, 0, nextToRun);
    }
  }

  void encode(StateEncoder encoder) {
    encoder.ordinal(nextToRun).flag(running).value(edgesRunning);
    for (int ordinal = nextToRun; ordinal < joined.length; ordinal++) {
      if (joined[ordinal] > 0) {
        encoder.ordinal(ordinal).value(joined[ordinal]);
        encodeCollective(encoder, collectives[ordinal]);
      }
    }
    encoder.value(-1);
  }

  void shift(PeriodShift shift) {
    int[] shiftedJoined = new int[Math.max(joined.length, shift.ordinal(joined.length) + 1)];
    StepOp.PostCollective[] shiftedCollectives = new StepOp.PostCollective[shiftedJoined.length];
    for (int ordinal = nextToRun; ordinal < joined.length; ordinal++) {
      shiftedJoined[shift.ordinal(ordinal)] = joined[ordinal];
      shiftedCollectives[shift.ordinal(ordinal)] = collectives[ordinal];
    }
    joined = shiftedJoined;
    collectives = shiftedCollectives;
    nextToRun = shift.ordinal(nextToRun);
  }

  static void encodeCollective(StateEncoder encoder, StepOp.PostCollective collective) {
    encoder.value(collective.kind().ordinal()).value(collective.bytes()).value(collective.stagingBytes())
        .value(collective.drainBytes());
  }

  /** Nothing running and no collective joined by some GPUs but not all. */
  boolean idle() {
    for (int ordinal = nextToRun; ordinal < joined.length; ordinal++) {
      if (joined[ordinal] > 0) {
        return false;
      }
    }
    return !running;
  }
}
