package io.ringmaster.actors.live;

import io.ringmaster.actors.cluster.MemberLossWatch;
import io.ringmaster.actors.protocol.BlockReport;
import io.ringmaster.actors.protocol.Pass;
import io.ringmaster.actors.protocol.ShardSpec;
import io.ringmaster.actors.protocol.StageReport;
import io.ringmaster.actors.protocol.StepOp;
import io.ringmaster.actors.protocol.StepProgram;
import io.ringmaster.actors.stage.StageDirector;
import io.ringmaster.actors.stage.StepLauncher;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.Props;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;

/**
 * Runs one live stage on GPU actors of other nodes and answers once: with the {@link StageReport}, or
 * with what went wrong. It drives a {@link StageDirector} (block reports on, so it always knows how far
 * every GPU got) and watches the cluster ({@link MemberLossWatch}): a worker that leaves or becomes
 * unreachable fails the stage with the rank it hosted and the layer, pass and ring step that GPU was
 * at; so does a stage that runs past its time limit. Stopping the workers is the caller's part.
 */
public final class StageSupervisor extends AbstractBehavior<StageSupervisor.Command> {
  private static final Duration PROGRESS_INTERVAL = Duration.ofSeconds(5);
  private static final AtomicLong RUNS = new AtomicLong();

  public sealed interface Command {}

  private record Reported(StageReport report) implements Command {}

  private record Lost(MemberLossWatch.MemberLost lost) implements Command {}

  private record ProgressAt(StageDirector.Progress progress) implements Command {}

  private enum Tick implements Command { PROGRESS, OVERDUE }

  /** A stage to run: the GPUs' assignments, the steps, and how long it may take at most. */
  public record Run(String stage, List<StageDirector.Assignment> assignments, int steps, Duration timeout) {
    public Run {
      assignments = List.copyOf(assignments);
    }
  }

  public sealed interface Outcome {}

  public record Completed(StageReport report) implements Outcome {}

  /** {@code reason}: one line per lost worker (or the time limit), naming rank, pass, layer and ring step. */
  public record Failed(String reason) implements Outcome {}

  private final Run run;
  private final ActorRef<Outcome> replyTo;
  private final Consumer<StageDirector.Progress> onProgress;
  private final ActorRef<StageDirector.Command> director;
  private final List<String> failures = new ArrayList<>();
  private final List<ShardSpec> lostShards = new ArrayList<>();
  private boolean failing;

  private StageSupervisor(ActorContext<Command> context, TimerScheduler<Command> timers, Run run,
      ActorRef<Outcome> replyTo, Consumer<StageDirector.Progress> onProgress) {
    super(context);
    this.run = run;
    this.replyTo = replyTo;
    this.onProgress = onProgress;
    ActorRef<MemberLossWatch.Command> watch = context.spawn(
        MemberLossWatch.create(context.messageAdapter(MemberLossWatch.MemberLost.class, Lost::new)), "member-loss");
    watch.tell(new MemberLossWatch.Track(run.assignments().stream().map(StageDirector.Assignment::gpu).toList()));
    director = context.spawn(StageDirector.create(StepLauncher.live(context.getSystem())), "director");
    director.tell(new StageDirector.StartStage(run.stage(), run.assignments(), run.steps(), true,
        context.messageAdapter(StageReport.class, Reported::new)));
    timers.startSingleTimer(Tick.OVERDUE, run.timeout());
    timers.startTimerWithFixedDelay(Tick.PROGRESS, PROGRESS_INTERVAL);
  }

  public static Behavior<Command> create(Run run, ActorRef<Outcome> replyTo,
      Consumer<StageDirector.Progress> onProgress) {
    return Behaviors.setup(context -> Behaviors.withTimers(
        timers -> new StageSupervisor(context, timers, run, replyTo, onProgress)));
  }

  /** Runs the stage from {@code system} and blocks until it is done or failed (the run's timeout and a margin). */
  public static Outcome await(ActorSystem<?> system, Run run, Consumer<StageDirector.Progress> onProgress) {
    CompletableFuture<Outcome> outcome = new CompletableFuture<>();
    String name = "ringmaster-stage-" + RUNS.incrementAndGet();
    ActorRef<Outcome> completer = system.systemActorOf(Behaviors.receiveMessage(reply -> {
      outcome.complete(reply);
      return Behaviors.stopped();
    }), name + "-outcome", Props.empty());
    system.systemActorOf(create(run, completer, onProgress), name, Props.empty());
    try {
      return outcome.get(run.timeout().toSeconds() + 60, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return new Failed("interrupted while running stage " + run.stage());
    } catch (ExecutionException | TimeoutException e) {
      return new Failed("stage " + run.stage() + " did not answer: " + e);
    }
  }

  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder()
        .onMessage(Reported.class, this::onReported)
        .onMessage(Lost.class, this::onLost)
        .onMessage(ProgressAt.class, this::onProgressAt)
        .onMessageEquals(Tick.PROGRESS, this::askProgress)
        .onMessageEquals(Tick.OVERDUE, this::onOverdue)
        .build();
  }

  private Behavior<Command> onReported(Reported reported) {
    replyTo.tell(new Completed(reported.report()));
    return Behaviors.stopped();
  }

  private Behavior<Command> onLost(Lost lost) {
    MemberLossWatch.MemberLost member = lost.lost();
    List<ShardSpec> hosted = run.assignments().stream()
        .filter(assignment -> member.members().contains(assignment.gpu()))
        .map(StageDirector.Assignment::shard)
        .toList();
    failures.add(String.format(Locale.ROOT, "worker %s %s; it hosted %s", member.address(),
        member.cause().name().toLowerCase(Locale.ROOT), hosted.isEmpty() ? "no GPU of this stage"
            : String.join(", ", hosted.stream().map(StageSupervisor::describe).toList())));
    lostShards.addAll(hosted);
    failing = true;
    return askProgress();
  }

  private Behavior<Command> onOverdue() {
    failures.add("stage " + run.stage() + " did not finish within " + run.timeout().toSeconds() + " s");
    failing = true;
    return askProgress();
  }

  private Behavior<Command> askProgress() {
    director.tell(new StageDirector.ReportProgress(getContext().messageAdapter(StageDirector.Progress.class,
        ProgressAt::new)));
    return this;
  }

  private Behavior<Command> onProgressAt(ProgressAt at) {
    StageDirector.Progress progress = at.progress();
    if (!failing) {
      onProgress.accept(progress);
      return this;
    }
    List<String> lines = new ArrayList<>(failures);
    List<ShardSpec> where = lostShards.isEmpty()
        ? run.assignments().stream().map(StageDirector.Assignment::shard).toList()
        : lostShards;
    for (ShardSpec shard : where) {
      lines.add("  " + describe(shard) + ": " + position(shard, progress));
    }
    replyTo.tell(new Failed(String.join("\n", lines)));
    return Behaviors.stopped();
  }

  private static String describe(ShardSpec shard) {
    return "GPU " + shard.gpu() + " (ring " + shard.ring() + ", rank " + shard.rank() + ")";
  }

  /** Where a GPU was in the step running: the block after the last one it reported, in program order. */
  private String position(ShardSpec shard, StageDirector.Progress progress) {
    List<String> blocks = new ArrayList<>();
    for (StepOp op : programOf(shard).ops()) {
      if (op instanceof StepOp.RingAttention ring) {
        for (int step = 0; step < shard.ringSize(); step++) {
          if (!shard.block(step).isEmpty()) {
            blocks.add(block(ring.pass(), ring.layer(), step));
          }
        }
      }
    }
    long done = progress.blocks().stream().filter(block -> block.gpu() == shard.gpu()).count();
    String last = progress.blocks().stream().filter(block -> block.gpu() == shard.gpu())
        .reduce((first, second) -> second).map(StageSupervisor::block).orElse("none");
    if (done >= blocks.size()) {
      return "lost in step " + progress.step() + " after all its " + blocks.size() + " blocks";
    }
    return "lost in step " + progress.step() + " at " + blocks.get((int) done) + " (blocks done in the step: " + done
        + " of " + blocks.size() + ", the last " + last + ")";
  }

  private StepProgram programOf(ShardSpec shard) {
    return run.assignments().stream().filter(assignment -> assignment.shard().equals(shard)).findFirst()
        .orElseThrow().program();
  }

  private static String block(BlockReport block) {
    return block(block.pass(), block.layer(), block.step());
  }

  private static String block(Pass pass, int layer, int step) {
    return pass.name().toLowerCase(Locale.ROOT) + " of layer " + layer + ", ring step " + step;
  }
}
