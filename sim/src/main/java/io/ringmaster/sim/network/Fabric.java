package io.ringmaster.sim.network;

import io.ringmaster.actors.gpu.GpuActor;
import io.ringmaster.actors.protocol.HostDirection;
import io.ringmaster.actors.protocol.StepOp;
import io.ringmaster.sim.clock.PeriodShift;
import io.ringmaster.sim.clock.StateEncoder;
import io.ringmaster.sim.clock.TimedQueue;
import io.ringmaster.sim.clock.Ticks;
import io.ringmaster.topology.network.Link;
import io.ringmaster.topology.network.LinkKind;
import io.ringmaster.topology.network.Network;
import java.util.ArrayList;
import java.util.List;

/**
 * The network of one simulated stage in virtual time: every transfer the GPU actors start (ring
 * exchanges, ZeRO collectives, host copies) as a flow over the links of its route, sharing them
 * max-min fairly ({@link FlowNetwork}), landing after the route's latency, and delivered to the GPU
 * actors as commands at the landing tick.
 *
 * <p>GPUs are numbered 0..G-1 in the order of their global ids; {@code globalGpus[g]} names the
 * cluster GPU. The fabric is driven by the virtual-time coordinator: {@link #advance} completes and
 * lands what is due at a tick, {@link #settle} recomputes rates after the tick's changes.
 */
public final class Fabric {
  static final int EXCHANGE = 0;
  static final int COLLECTIVE = 1;
  static final int STAGING = 2;
  static final int DRAIN = 3;
  static final int COPY_IN = 4;
  static final int COPY_OUT = 5;
  private static final int PURPOSES = 6;
  private static final Traffic[] TRAFFIC_OF = {
      Traffic.RING, Traffic.COLLECTIVE, Traffic.OFFLOAD, Traffic.OFFLOAD, Traffic.OFFLOAD, Traffic.OFFLOAD};

  private final List<Link> links;
  private final FlowNetwork flows;
  private final TimedQueue<Void> landings = new TimedQueue<>();
  private final DeliverySink sink;
  private final RingExchanges exchanges;
  private final ZeroGroup zero;
  private final CopyEngines copies;
  private final StepOp.PostCollective[][] staged;
  private final TransferObserver observer;
  private long events;

  public Fabric(Network network, int[] globalGpus, int[] nextInRing, DeliverySink sink) {
    this(network, globalGpus, nextInRing, sink, TransferObserver.NONE);
  }

  public Fabric(Network network, int[] globalGpus, int[] nextInRing, DeliverySink sink, TransferObserver observer) {
    this.observer = observer;
    this.links = network.links();
    this.flows = new FlowNetwork(links, PURPOSES);
    this.sink = sink;
    Routes routes = new Routes(network);
    this.exchanges = new RingExchanges(this, routes, globalGpus, nextInRing);
    this.zero = new ZeroGroup(this, routes, globalGpus);
    this.copies = new CopyEngines(this, routes, globalGpus);
    this.staged = new StepOp.PostCollective[globalGpus.length][];
  }

  /** Resets the collectives' numbering; call when a training step starts. */
  public void beginStep() {
    zero.beginStep();
  }

  public void exchange(long now, int gpu, GpuActor.KvBlock block) {
    exchanges.post(now, gpu, block);
  }

  public void post(long now, int gpu, StepOp.PostCollective collective, int ordinal) {
    if (collective.stagingBytes() > 0) {
      rememberStaged(gpu, ordinal, collective);
      copies.enqueue(now, gpu, HostDirection.HOST_TO_GPU, collective.stagingBytes(), STAGING, ordinal);
    } else {
      zero.join(now, gpu, ordinal, collective);
    }
  }

  public void hostCopy(long now, int gpu, HostDirection direction, long bytes) {
    copies.enqueue(now, gpu, direction, bytes, direction == HostDirection.HOST_TO_GPU ? COPY_IN : COPY_OUT, 0);
  }

  /** The next tick at which a transfer completes or lands. */
  public long nextTick() {
    return Math.min(flows.nextCompletionTick(), landings.peekTick());
  }

  /** Completes and lands everything due at {@code tick}, delivering to the GPU actors. */
  public void advance(long tick) {
    while (true) {
      int f = flows.pollCompleted(tick);
      if (f >= 0) {
        events++;
        int purpose = flows.purpose(f);
        int owner = flows.owner(f);
        long ordinal = flows.ordinal(f);
        flows.finish(tick, f);
        observer.transferFinished(tick, f);
        if (purpose != COLLECTIVE || zero.edgeDone()) {
          landings.add(tick + latencyTicks(purpose, owner), purpose, owner, ordinal, null);
        }
      } else if (landings.peekTick() == tick) {
        events++;
        int purpose = landings.peekKind();
        int owner = landings.peekGpu();
        long ordinal = landings.peekOrdinal();
        landings.pop();
        land(tick, purpose, owner, (int) ordinal);
      } else {
        return;
      }
    }
  }

  /** Recomputes the shares of every transfer touched since the last call. */
  public void settle(long tick) {
    flows.settle(tick);
  }

  /** Transfers completed and landed so far (simulated, not counting fast-forwarded periods). */
  public long events() {
    return events;
  }

  /** Nothing in flight, and nothing posted that waits for a partner. */
  public boolean idle() {
    return flows.activeFlows() == 0 && landings.isEmpty() && exchanges.idle() && zero.idle();
  }

  /** Every link's use so far, for the link actors. */
  public List<LinkUsage> linkUsage(long now) {
    List<LinkUsage> usage = new ArrayList<>(links.size());
    for (Link link : links) {
      int id = link.id();
      usage.add(new LinkUsage(link, Ticks.seconds(flows.busyTicks(id, now)), flows.bytesCarried(id),
          flows.peakBytesPerSecond(id)));
    }
    return usage;
  }

  /** Seconds that transfers of {@code traffic} ran at a rate set by a link of {@code kind}. */
  public double bottleneckSeconds(Traffic traffic, LinkKind kind) {
    long ticks = 0;
    for (int purpose = 0; purpose < PURPOSES; purpose++) {
      if (TRAFFIC_OF[purpose] == traffic) {
        ticks += flows.bottleneckTicks(purpose, kind);
      }
    }
    return Ticks.seconds(ticks);
  }

  // --- fast-forward: state, accumulators, shift ---

  /** Writes everything in flight and queued, relative to the encoder's reference. */
  public void encode(StateEncoder encoder) {
    flows.encode(encoder, Fabric::ordinalIsCollective);
    landings.encode(encoder, (into, purpose, ordinal, nothing) -> {
      if (ordinalIsCollective(purpose)) {
        into.ordinal(ordinal);
      } else {
        into.value(ordinal);
      }
    });
    exchanges.encode(encoder);
    zero.encode(encoder);
    copies.encode(encoder, Fabric::ordinalIsCollective);
    for (int gpu = 0; gpu < staged.length; gpu++) {
      StepOp.PostCollective[] byOrdinal = staged[gpu];
      for (int ordinal = 0; byOrdinal != null && ordinal < byOrdinal.length; ordinal++) {
        if (byOrdinal[ordinal] != null) {
          encoder.value(gpu).ordinal(ordinal);
          ZeroGroup.encodeCollective(encoder, byOrdinal[ordinal]);
        }
      }
    }
    encoder.value(-1);
  }

  /** What only grows: link accounts and bottleneck ticks. */
  public long[] accumulators() {
    return flows.accumulators();
  }

  /** A ring block's identity and size in a state encoding, its layer relative to the reference. */
  public static void encodeBlock(StateEncoder encoder, GpuActor.KvBlock block) {
    RingExchanges.encodeBlock(encoder, block);
  }

  public void shift(PeriodShift shift, long[] perPeriod) {
    flows.shift(shift, perPeriod, Fabric::ordinalIsCollective);
    landings.shift(shift, new TimedQueue.EntryShifter<>() {
      @Override
      public long ordinal(int purpose, long ordinal) {
        return ordinalIsCollective(purpose) ? shift.ordinal((int) ordinal) : ordinal;
      }

      @Override
      public Void payload(Void payload) {
        return payload;
      }
    });
    exchanges.shift(shift);
    zero.shift(shift);
    copies.shift(shift, Fabric::ordinalIsCollective);
    for (int gpu = 0; gpu < staged.length; gpu++) {
      StepOp.PostCollective[] byOrdinal = staged[gpu];
      if (byOrdinal == null) {
        continue;
      }
      StepOp.PostCollective[] shifted = new StepOp.PostCollective[shift.ordinal(byOrdinal.length) + 1];
      for (int ordinal = 0; ordinal < byOrdinal.length; ordinal++) {
        if (byOrdinal[ordinal] != null) {
          shifted[shift.ordinal(ordinal)] = byOrdinal[ordinal];
        }
      }
      staged[gpu] = shifted;
    }
  }

  private static boolean ordinalIsCollective(int purpose) {
    return purpose == COLLECTIVE || purpose == STAGING || purpose == DRAIN;
  }

  // --- used by the parts ---

  void startFlow(long now, Routes.Path path, long bytes, int purpose, int owner, long ordinal) {
    int flow = flows.start(now, path.id(), path.links(), bytes, purpose, owner, ordinal);
    observer.transferStarted(now, flow, path.links(), bytes, TRAFFIC_OF[purpose]);
  }

  void drain(long now, int gpu, long bytes, int ordinal) {
    copies.enqueue(now, gpu, HostDirection.GPU_TO_HOST, bytes, DRAIN, ordinal);
  }

  void deliver(long tick, int gpu, GpuActor.Command command) {
    sink.deliver(tick, gpu, command);
  }

  private long latencyTicks(int purpose, int owner) {
    return switch (purpose) {
      case EXCHANGE -> exchanges.latencyTicks(owner);
      case COLLECTIVE -> zero.landingTicks();
      case STAGING, COPY_IN -> copies.latencyTicks(HostDirection.HOST_TO_GPU, owner);
      default -> copies.latencyTicks(HostDirection.GPU_TO_HOST, owner);
    };
  }

  private void land(long tick, int purpose, int gpu, int ordinal) {
    switch (purpose) {
      case EXCHANGE -> exchanges.landed(tick, gpu);
      case COLLECTIVE -> zero.landed(tick, ordinal);
      case STAGING -> {
        copies.landed(tick, gpu, HostDirection.HOST_TO_GPU);
        zero.join(tick, gpu, ordinal, takeStaged(gpu, ordinal));
      }
      case DRAIN -> {
        copies.landed(tick, gpu, HostDirection.GPU_TO_HOST);
        deliver(tick, gpu, new GpuActor.CollectiveCompleted(ordinal));
      }
      case COPY_IN -> {
        copies.landed(tick, gpu, HostDirection.HOST_TO_GPU);
        deliver(tick, gpu, GpuActor.HostCopyCompleted.INSTANCE);
      }
      case COPY_OUT -> {
        copies.landed(tick, gpu, HostDirection.GPU_TO_HOST);
        deliver(tick, gpu, GpuActor.HostCopyCompleted.INSTANCE);
      }
      default -> throw new IllegalStateException("unknown transfer purpose " + purpose);
    }
  }

  private void rememberStaged(int gpu, int ordinal, StepOp.PostCollective collective) {
    StepOp.PostCollective[] byOrdinal = staged[gpu];
    if (byOrdinal == null || ordinal >= byOrdinal.length) {
      byOrdinal = java.util.Arrays.copyOf(byOrdinal == null ? new StepOp.PostCollective[0] : byOrdinal,
          Math.max(64, ordinal * 2));
      staged[gpu] = byOrdinal;
    }
    byOrdinal[ordinal] = collective;
  }

  private StepOp.PostCollective takeStaged(int gpu, int ordinal) {
    StepOp.PostCollective collective = staged[gpu][ordinal];
    staged[gpu][ordinal] = null;
    return collective;
  }

  /** One link's use over the simulated steps. */
  public record LinkUsage(Link link, double busySeconds, long bytesCarried, double peakBytesPerSecond) {}
}
