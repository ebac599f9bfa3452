package io.ringmaster.sim.engine;

import io.ringmaster.actors.gpu.GpuActor;
import io.ringmaster.actors.gpu.ProgramRunner;
import io.ringmaster.actors.protocol.ShardSpec;
import io.ringmaster.actors.protocol.StageReport;
import io.ringmaster.actors.stage.StageDirector;
import io.ringmaster.sim.clock.PeriodShift;
import io.ringmaster.sim.clock.Ticks;
import io.ringmaster.sim.clock.TimedQueue;
import io.ringmaster.sim.network.DeliverySink;
import io.ringmaster.sim.network.Fabric;
import io.ringmaster.sim.network.LinkActor;
import io.ringmaster.sim.network.LinkReport;
import io.ringmaster.sim.network.Traffic;
import io.ringmaster.topology.network.LinkKind;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.Terminated;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;

/**
 * Virtual time for one simulated stage. It owns the calendar of commands due to GPU actors, ordered by
 * (tick, sequence number), and the {@link Fabric} that moves transfers; it spawns the GPU actors, the
 * link actors and the stage director.
 *
 * <p>One virtual instant at a time: the fabric completes and lands what is due, then every GPU actor
 * with commands due gets all of them in one {@link GpuActor.VirtualInstant}. Once every one of them has
 * answered, what they started is read in GPU order (work completions into the calendar, transfers into
 * the fabric), the fabric settles its rates, and the next instant begins. The actors run in parallel
 * within an instant, but everything that orders the simulation happens here, in a fixed order, so the
 * result is the same whatever the threads did. Nothing reads the wall clock.
 */
public final class VirtualTimeCoordinator extends AbstractBehavior<VirtualTimeCoordinator.Command> {

  /** Everything the coordinator understands. */
  public sealed interface Command permits LaunchStep, InstantProcessed, StageReported, LinkReported, GpuStopped {}

  /** From the director's launcher: start a training step on every GPU now. */
  public record LaunchStep(int step, boolean reportBlocks) implements Command {}

  /** From a GPU's port: that GPU has processed the current instant. */
  public record InstantProcessed(int gpu) implements Command {}

  /** The director's report, once every step has run. */
  public record StageReported(StageReport report) implements Command {}

  /** A link actor's account. */
  public record LinkReported(LinkReport report) implements Command {}

  /** A GPU actor stopped (it failed a protocol check). */
  public record GpuStopped(int gpu) implements Command {}

  private final StageSetup setup;
  private final SimOptions options;
  private final CompletableFuture<StageOutcome> outcome;
  private final StageProgress progress;
  private final GpuPort[] ports;
  private final List<ActorRef<GpuActor.Command>> gpus = new ArrayList<>();
  private final List<ActorRef<LinkActor.Command>> links = new ArrayList<>();
  private final Fabric fabric;
  private final TimedQueue<GpuActor.Command> calendar = new TimedQueue<>();
  /** {@link #schedule} as the sink the GPU ports drain into: one object, not one per GPU and instant. */
  private final DeliverySink scheduler = this::schedule;
  private final GpuActor.Command[][] batches;
  private final int[] batchSizes;
  private final int[] activated;
  private int activatedCount;
  private int[] dueGpus = new int[64];
  private GpuActor.Command[] dueCommands = new GpuActor.Command[64];
  private int dueCount;
  private int awaiting;
  private long now;
  private long lastInstant = Long.MIN_VALUE;
  private long delivered;
  private long instants;
  private StageReport stageReport;
  /** Nothing due and no GPU actor awaited: between steps (and before the first). */
  private boolean quiescent = true;
  /**
   * A launch that came while an instant was still awaited. A GPU actor tells the director its step is done
   * before it tells this coordinator the instant is processed, so the director may launch the next step
   * first; the launch waits for quiescence, where it comes when the messages arrive in the other order.
   */
  private Optional<LaunchStep> deferredLaunch = Optional.empty();
  private final LinkReport[] linkReports;
  private final FastForward fastForward;
  private int linkReportsDue;

  private VirtualTimeCoordinator(ActorContext<Command> context, StageSetup setup, SimOptions options,
      CompletableFuture<StageOutcome> outcome, StageProgress progress) {
    super(context);
    this.setup = setup;
    this.options = options;
    this.outcome = outcome;
    this.progress = progress;
    int count = setup.gpus().size();
    ports = new GpuPort[count];
    batches = new GpuActor.Command[count][4];
    batchSizes = new int[count];
    activated = new int[count];
    fabric = new Fabric(setup.network(), clusterGpus(setup), nextInRing(setup), this::deliver, options.observer());
    linkReports = new LinkReport[setup.network().links().size()];
    fastForward = new FastForward(ports, calendar, fabric);
    spawnGpus(context);
    spawnLinks(context);
    startStage(context);
    progress.publish(new StageProgress.Snapshot(StageProgress.Phase.RUNNING, 0, 0, 0));
  }

  /** {@code progress} gets a snapshot now and then (see {@link StageProgress}); it does not change the outcome. */
  public static Behavior<Command> create(StageSetup setup, SimOptions options,
      CompletableFuture<StageOutcome> outcome, StageProgress progress) {
    return Behaviors.setup(context -> new VirtualTimeCoordinator(context, setup, options, outcome, progress));
  }

  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder()
        .onMessage(InstantProcessed.class, this::onInstantProcessed)
        .onMessage(LaunchStep.class, this::onLaunchStep)
        .onMessage(StageReported.class, this::onStageReported)
        .onMessage(LinkReported.class, this::onLinkReported)
        .onMessage(GpuStopped.class, stopped -> fail("GPU actor " + stopped.gpu() + " stopped"))
        .build();
  }

  private void spawnGpus(ActorContext<Command> context) {
    for (int g = 0; g < ports.length; g++) {
      GpuPort port = new GpuPort(g, setup.costs(), context.getSelf());
      ports[g] = port;
      ActorRef<GpuActor.Command> gpu = context.spawn(GpuActor.create(self -> port.wiring()), "gpu-" + g);
      context.watchWith(gpu, new GpuStopped(g));
      gpus.add(gpu);
    }
  }

  private void spawnLinks(ActorContext<Command> context) {
    for (int l = 0; l < linkReports.length; l++) {
      links.add(context.spawn(LinkActor.create(), "link-" + l));
    }
  }

  private void startStage(ActorContext<Command> context) {
    ActorRef<Command> self = context.getSelf();
    ActorRef<StageDirector.Command> director = context.spawn(StageDirector.create(
        (step, reportBlocks, targets) -> self.tell(new LaunchStep(step, reportBlocks))), "director");
    List<StageDirector.Assignment> assignments = new ArrayList<>();
    for (int g = 0; g < ports.length; g++) {
      GpuTask task = setup.gpus().get(g);
      assignments.add(new StageDirector.Assignment(gpus.get(g), task.shard(), task.program()));
    }
    ActorRef<StageReport> reports = context.messageAdapter(StageReport.class, StageReported::new);
    director.tell(new StageDirector.StartStage(setup.stage(), assignments, setup.steps(), options.reportBlocks(),
        reports));
  }

  private Behavior<Command> onLaunchStep(LaunchStep launch) {
    if (!quiescent) {
      deferredLaunch = Optional.of(launch);
      return this;
    }
    quiescent = false;
    fabric.beginStep();
    GpuActor.RunStep run = new GpuActor.RunStep(launch.step(), launch.reportBlocks());
    for (int g = 0; g < ports.length; g++) {
      schedule(now, g, run);
    }
    return run();
  }

  private Behavior<Command> onInstantProcessed(InstantProcessed processed) {
    if (--awaiting > 0) {
      return this;
    }
    collectStarted();
    tryFastForward();
    return run();
  }

  /** Processes instants until GPU actors must answer, or nothing is left to do. */
  private Behavior<Command> run() {
    while (true) {
      long tick = Math.min(calendar.peekTick(), fabric.nextTick());
      if (tick == Ticks.NEVER) {
        return stepQuiescent();
      }
      if (tick < lastInstant) {
        throw new IllegalStateException("virtual time went back from " + lastInstant + " to " + tick);
      }
      options.observer().instant(tick);
      lastInstant = tick;
      now = tick;
      if ((++instants & (StageProgress.INSTANTS_PER_SNAPSHOT - 1)) == 0) {
        publishProgress(StageProgress.Phase.RUNNING);
      }
      fabric.advance(tick);
      dispatch(tick);
      if (awaiting > 0) {
        return this;
      }
      collectStarted();
      tryFastForward();
    }
  }

  /**
   * Where GPU 0 is, read between instants (every GPU has answered the last one, so no actor is
   * changing its runner).
   */
  private void publishProgress(StageProgress.Phase phase) {
    ProgramRunner runner = ports[0].runner();
    if (runner == null) {
      return;
    }
    ProgramRunner.State state = runner.state();
    progress.publish(new StageProgress.Snapshot(phase, state.trainingStep(), state.pc(), now));
  }

  /**
   * Hands every GPU with commands due at {@code tick} all of them. A GPU inside a ring pass is parked
   * between instants and its next commands are blocks, exchanges and block completions: the
   * coordinator runs its handlers directly, in GPU order, instead of a mailbox round trip per block
   * (which made the engine about 30 times slower). Every other GPU gets a {@link GpuActor.VirtualInstant}
   * message and is awaited.
   */
  private void dispatch(long tick) {
    activatedCount = 0;
    while (calendar.peekTick() == tick) {
      batch(calendar.peekGpu(), calendar.peekPayload());
      calendar.pop();
    }
    for (int i = 0; i < dueCount; i++) {
      batch(dueGpus[i], dueCommands[i]);
      dueCommands[i] = null;
    }
    dueCount = 0;
    Arrays.sort(activated, 0, activatedCount);
    awaiting = 0;
    for (int i = 0; i < activatedCount; i++) {
      int gpu = activated[i];
      GpuPort port = ports[gpu];
      ProgramRunner runner = port.runner();
      if (runner != null && runner.inRingPass()) {
        port.enter(tick);
        for (int c = 0; c < batchSizes[gpu]; c++) {
          runner.handle(batches[gpu][c]);
        }
      } else {
        awaiting++;
        gpus.get(gpu).tell(new GpuActor.VirtualInstant(tick, batches[gpu], batchSizes[gpu]));
      }
    }
  }

  private void batch(int gpu, GpuActor.Command command) {
    delivered++;
    if (batchSizes[gpu] == 0) {
      activated[activatedCount++] = gpu;
    }
    if (batchSizes[gpu] == batches[gpu].length) {
      batches[gpu] = Arrays.copyOf(batches[gpu], batchSizes[gpu] * 2);
    }
    batches[gpu][batchSizes[gpu]++] = command;
  }

  private void tryFastForward() {
    if (!options.fastForward() || options.reportBlocks()) {
      return;
    }
    PeriodShift shift = fastForward.afterInstant(now, delivered + fabric.events());
    if (shift != null) {
      now = shift.tick(now);
      lastInstant = now;
      options.observer().fastForwarded(shift);
    }
  }

  /** Reads, in GPU order, what the actors of the instant just processed started. */
  private void collectStarted() {
    boolean watchActivities = options.observer().watchesActivities();
    for (int i = 0; i < activatedCount; i++) {
      int gpu = activated[i];
      Arrays.fill(batches[gpu], 0, batchSizes[gpu], null);
      batchSizes[gpu] = 0;
      ports[gpu].drain(gpu, scheduler, fabric, options.observer());
      if (watchActivities && ports[gpu].runner() != null) {
        ProgramRunner.State state = ports[gpu].runner().state();
        options.observer().activity(gpu, state.activity(), state.activitySinceTick());
      }
    }
    activatedCount = 0;
    fabric.settle(now);
  }

  private void schedule(long tick, int gpu, GpuActor.Command command) {
    calendar.add(tick, 0, gpu, 0, command);
  }

  /**
   * What the fabric lands at the instant being processed. Every command already in the calendar for
   * this tick was scheduled at an earlier instant, so it comes first; these follow in the order the
   * fabric landed them, without a round trip through the calendar.
   */
  private void deliver(long tick, int gpu, GpuActor.Command command) {
    if (command instanceof GpuActor.KvBlock block) {
      options.observer().received(tick, gpu, block);
    }
    if (tick != now) {
      calendar.add(tick, 0, gpu, 0, command);
      return;
    }
    if (dueCount == dueGpus.length) {
      dueGpus = Arrays.copyOf(dueGpus, dueCount * 2);
      dueCommands = Arrays.copyOf(dueCommands, dueCount * 2);
    }
    dueGpus[dueCount] = gpu;
    dueCommands[dueCount++] = command;
  }

  private Behavior<Command> stepQuiescent() {
    List<String> stuck = new ArrayList<>();
    for (int g = 0; g < ports.length; g++) {
      if (ports[g].runner() != null && ports[g].runner().running()) {
        stuck.add(String.valueOf(g));
      }
    }
    if (!stuck.isEmpty()) {
      return fail("deadlock at " + Ticks.seconds(now) + " s: GPUs " + String.join(", ", stuck)
          + " wait for something nothing will deliver");
    }
    if (!fabric.idle()) {
      return fail("the step ended with transfers posted that no GPU will ever match");
    }
    quiescent = true;
    if (deferredLaunch.isPresent()) {
      LaunchStep launch = deferredLaunch.get();
      deferredLaunch = Optional.empty();
      return onLaunchStep(launch);
    }
    return stageReport == null ? this : accountLinks();
  }

  private Behavior<Command> onStageReported(StageReported reported) {
    stageReport = reported.report();
    return quiescent ? accountLinks() : this;
  }

  /** The stage is over: every link actor gets its use and answers with its account. */
  private Behavior<Command> accountLinks() {
    linkReportsDue = links.size();
    ActorRef<LinkReport> replyTo = getContext().messageAdapter(LinkReport.class, LinkReported::new);
    double span = Ticks.seconds(now);
    List<io.ringmaster.sim.network.Fabric.LinkUsage> usage = fabric.linkUsage(now);
    for (int l = 0; l < links.size(); l++) {
      links.get(l).tell(new LinkActor.Account(usage.get(l), span, replyTo));
    }
    return linkReportsDue == 0 ? finish() : this;
  }

  private Behavior<Command> onLinkReported(LinkReported reported) {
    linkReports[reported.report().link()] = reported.report();
    return --linkReportsDue == 0 ? finish() : this;
  }

  private Behavior<Command> finish() {
    Map<Traffic, Map<LinkKind, Double>> bottlenecks = new EnumMap<>(Traffic.class);
    for (Traffic traffic : Traffic.values()) {
      Map<LinkKind, Double> byKind = new EnumMap<>(LinkKind.class);
      for (LinkKind kind : LinkKind.values()) {
        byKind.put(kind, fabric.bottleneckSeconds(traffic, kind));
      }
      bottlenecks.put(traffic, byKind);
    }
    long simulated = delivered + fabric.events();
    publishProgress(StageProgress.Phase.FINISHED);
    outcome.complete(new StageOutcome(stageReport, List.of(linkReports), bottlenecks,
        new StageOutcome.EngineStats(simulated + fastForward.skippedEvents(), simulated, instants,
            fastForward.jumps(), Ticks.seconds(now))));
    return Behaviors.stopped();
  }

  private Behavior<Command> fail(String reason) {
    outcome.completeExceptionally(new IllegalStateException("stage " + setup.stage() + ": " + reason));
    return Behaviors.stopped();
  }

  private static int[] clusterGpus(StageSetup setup) {
    return setup.gpus().stream().mapToInt(GpuTask::clusterGpu).toArray();
  }

  /** For each GPU, the job index of the next rank of its ring. */
  private static int[] nextInRing(StageSetup setup) {
    int count = setup.gpus().size();
    Map<Long, Integer> byRingAndRank = new java.util.HashMap<>();
    for (GpuTask task : setup.gpus()) {
      ShardSpec shard = task.shard();
      byRingAndRank.put(((long) shard.ring() << 32) | shard.rank(), shard.gpu());
    }
    int[] next = new int[count];
    for (GpuTask task : setup.gpus()) {
      ShardSpec shard = task.shard();
      Integer successor = byRingAndRank.get(((long) shard.ring() << 32) | ((shard.rank() + 1) % shard.ringSize()));
      if (successor == null) {
        throw new IllegalArgumentException("ring " + shard.ring() + " has no rank " + (shard.rank() + 1) % shard.ringSize());
      }
      next[shard.gpu()] = successor;
    }
    return next;
  }
}
