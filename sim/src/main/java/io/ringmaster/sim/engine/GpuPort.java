package io.ringmaster.sim.engine;

import io.ringmaster.actors.gpu.Collectives;
import io.ringmaster.actors.gpu.Device;
import io.ringmaster.actors.gpu.GpuActor;
import io.ringmaster.actors.gpu.GpuWiring;
import io.ringmaster.actors.gpu.ProgramRunner;
import io.ringmaster.actors.gpu.RingTransport;
import io.ringmaster.actors.gpu.VirtualTime;
import io.ringmaster.actors.protocol.HostDirection;
import io.ringmaster.actors.protocol.StepOp;
import io.ringmaster.actors.protocol.Work;
import io.ringmaster.sim.clock.Ticks;
import io.ringmaster.sim.cost.CostModel;
import io.ringmaster.sim.network.DeliverySink;
import io.ringmaster.sim.network.Fabric;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.pekko.actor.typed.ActorRef;

/**
 * Everything behind one simulated GPU actor: a device that prices work with the cost model and keeps
 * virtual time, a transport and collectives that hand transfers to the fabric. What the actor starts
 * during a virtual instant is collected here and read by the coordinator once the actor says the
 * instant is processed (the message hand-off orders the writes before the reads).
 */
final class GpuPort implements Device, RingTransport, Collectives, VirtualTime {
  private static final long NO_WORK = -1;

  private final CostModel costs;
  private final ActorRef<VirtualTimeCoordinator.Command> coordinator;
  private final VirtualTimeCoordinator.InstantProcessed processed;
  private long now;
  private long workTicks = NO_WORK;
  private Work work;
  /** An array, not a list: one object fewer to reach on every ring step of every GPU. */
  private GpuActor.KvBlock[] exchanges = new GpuActor.KvBlock[2];
  private int exchangeCount;
  private final List<StepOp.PostCollective> posts = new ArrayList<>(2);
  private final List<Integer> ordinals = new ArrayList<>(2);
  private final List<HostDirection> copyDirections = new ArrayList<>(1);
  private final List<Long> copyBytes = new ArrayList<>(1);
  private ProgramRunner runner;

  GpuPort(int gpu, CostModel costs, ActorRef<VirtualTimeCoordinator.Command> coordinator) {
    this.costs = costs;
    this.coordinator = coordinator;
    this.processed = new VirtualTimeCoordinator.InstantProcessed(gpu);
  }

  GpuWiring wiring() {
    return new GpuWiring(this, this, this, this);
  }

  @Override
  public void start(Work work) {
    if (workTicks != NO_WORK) {
      throw new IllegalStateException("a device runs one work at a time");
    }
    this.work = work;
    workTicks = Ticks.ofSeconds(costs.seconds(work));
  }

  @Override
  public long nowTicks() {
    return now;
  }

  @Override
  public double secondsPerTick() {
    return 1 / Ticks.PER_SECOND;
  }

  @Override
  public void exchange(GpuActor.KvBlock outgoing) {
    if (exchangeCount == exchanges.length) {
      exchanges = Arrays.copyOf(exchanges, 2 * exchangeCount);
    }
    exchanges[exchangeCount++] = outgoing;
  }

  @Override
  public void post(StepOp.PostCollective collective, int ordinal) {
    posts.add(collective);
    ordinals.add(ordinal);
  }

  @Override
  public void hostCopy(HostDirection direction, long bytes) {
    copyDirections.add(direction);
    copyBytes.add(bytes);
  }

  @Override
  public void enter(long tick) {
    now = tick;
  }

  @Override
  public void processed(ProgramRunner latest) {
    runner = latest;
    coordinator.tell(processed);
  }

  ProgramRunner runner() {
    return runner;
  }

  /**
   * Hands what the actor started in the instant just processed to the calendar and the fabric. Most
   * instants start one work or one exchange, so the empty lists are passed over, not cleared.
   */
  void drain(int gpu, DeliverySink calendar, Fabric fabric, SimulationObserver observer) {
    if (workTicks != NO_WORK) {
      observer.workStarted(gpu, work, now, now + workTicks);
      calendar.deliver(now + workTicks, gpu, GpuActor.WorkCompleted.INSTANCE);
      workTicks = NO_WORK;
      work = null;
    }
    if (exchangeCount > 0) {
      drainExchanges(gpu, fabric, observer);
    }
    if (!posts.isEmpty()) {
      drainPosts(gpu, fabric);
    }
    if (!copyDirections.isEmpty()) {
      drainCopies(gpu, fabric);
    }
  }

  private void drainExchanges(int gpu, Fabric fabric, SimulationObserver observer) {
    for (int i = 0; i < exchangeCount; i++) {
      GpuActor.KvBlock block = exchanges[i];
      exchanges[i] = null;
      observer.sent(gpu, block);
      fabric.exchange(now, gpu, block);
    }
    exchangeCount = 0;
  }

  private void drainPosts(int gpu, Fabric fabric) {
    for (int i = 0; i < posts.size(); i++) {
      fabric.post(now, gpu, posts.get(i), ordinals.get(i));
    }
    posts.clear();
    ordinals.clear();
  }

  private void drainCopies(int gpu, Fabric fabric) {
    for (int i = 0; i < copyDirections.size(); i++) {
      fabric.hostCopy(now, gpu, copyDirections.get(i), copyBytes.get(i));
    }
    copyDirections.clear();
    copyBytes.clear();
  }
}
