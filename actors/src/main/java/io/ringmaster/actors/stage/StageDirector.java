package io.ringmaster.actors.stage;

import io.ringmaster.actors.gpu.GpuActor;
import io.ringmaster.actors.protocol.BlockReport;
import io.ringmaster.actors.protocol.GpuStepReport;
import io.ringmaster.actors.protocol.ShardData;
import io.ringmaster.actors.protocol.ShardSpec;
import io.ringmaster.actors.protocol.StageReport;
import io.ringmaster.actors.protocol.StepProgram;
import io.ringmaster.actors.wire.WireMessage;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;

/**
 * Runs one stage on its GPU actors: assigns every GPU its shard and program, starts the steps one
 * after another through its {@link StepLauncher}, and answers with the {@link StageReport} once every
 * GPU has reported every step. The same director serves sim and live.
 */
public final class StageDirector extends AbstractBehavior<StageDirector.Command> {

  /** Everything a stage director understands. */
  public sealed interface Command permits StartStage, ShardAssigned, StepDone, BlockDone, ReportProgress {}

  /** Run {@code steps} training steps of a stage on these GPUs; the report goes to {@code replyTo}. */
  public record StartStage(String stage, List<Assignment> assignments, int steps, boolean reportBlocks,
      ActorRef<StageReport> replyTo) implements Command {
    public StartStage {
      assignments = List.copyOf(assignments);
    }
  }

  /** One GPU actor, what it is to run, and on what (live data, or sizes only in sim). */
  public record Assignment(ActorRef<GpuActor.Command> gpu, ShardSpec shard, StepProgram program, ShardData data) {
    /** A simulated GPU's assignment: its work is priced by size. */
    public Assignment(ActorRef<GpuActor.Command> gpu, ShardSpec shard, StepProgram program) {
      this(gpu, shard, program, ShardData.SIZES_ONLY);
    }
  }

  /** GPU to director: the shard is assigned, the GPU is ready for steps. */
  public record ShardAssigned(int gpu, ActorRef<GpuActor.Command> actor) implements Command, WireMessage {}

  /** GPU to director: its account of a step. */
  public record StepDone(GpuStepReport report) implements Command, WireMessage {}

  /** GPU to director: one attention block, when block reports were asked for. */
  public record BlockDone(BlockReport block) implements Command, WireMessage {}

  /** Where the stage is: for a live run that must say how far each GPU got when one is lost. */
  public record ReportProgress(ActorRef<Progress> replyTo) implements Command {}

  /**
   * The step running ({@code step}), the GPUs that have finished it, and the blocks reported in it so
   * far (when block reports were asked for).
   */
  public record Progress(int step, List<GpuStepReport> finished, List<BlockReport> blocks) {
    public Progress {
      finished = List.copyOf(finished);
      blocks = List.copyOf(blocks);
    }
  }

  private final StepLauncher launcher;
  private StartStage stage;
  private List<ActorRef<GpuActor.Command>> gpus = List.of();
  private int assigned;
  private int step;
  private final List<GpuStepReport> stepReports = new ArrayList<>();
  private final List<BlockReport> blockReports = new ArrayList<>();
  private final List<StageReport.StepReport> steps = new ArrayList<>();

  private StageDirector(ActorContext<Command> context, StepLauncher launcher) {
    super(context);
    this.launcher = launcher;
  }

  public static Behavior<Command> create(StepLauncher launcher) {
    return Behaviors.setup(context -> new StageDirector(context, launcher));
  }

  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder()
        .onMessage(StartStage.class, this::onStart)
        .onMessage(ShardAssigned.class, this::onAssigned)
        .onMessage(StepDone.class, this::onStepDone)
        .onMessage(BlockDone.class, done -> {
          blockReports.add(done.block());
          return this;
        })
        .onMessage(ReportProgress.class, query -> {
          query.replyTo().tell(new Progress(step, stepReports, blockReports));
          return this;
        })
        .build();
  }

  private Behavior<Command> onStart(StartStage start) {
    if (stage != null) {
      throw new IllegalStateException("stage " + stage.stage() + " is already running");
    }
    stage = start;
    gpus = start.assignments().stream().map(Assignment::gpu).toList();
    ActorRef<Command> self = getContext().getSelf();
    for (Assignment assignment : start.assignments()) {
      launcher.assign(assignment.gpu(), new GpuActor.AssignShard(assignment.shard(), assignment.program(), self,
          nextRank(start.assignments(), assignment.shard()), assignment.data()));
    }
    return this;
  }

  /** The GPU that holds rank r+1 of the same ring (the shard's own GPU in a ring of one). */
  private static ActorRef<GpuActor.Command> nextRank(List<Assignment> assignments, ShardSpec shard) {
    int next = (shard.rank() + 1) % shard.ringSize();
    return assignments.stream()
        .filter(other -> other.shard().ring() == shard.ring() && other.shard().rank() == next)
        .map(Assignment::gpu)
        .findFirst()
        .orElseThrow(() -> new IllegalArgumentException("ring " + shard.ring() + " has no rank " + next));
  }

  private Behavior<Command> onAssigned(ShardAssigned ready) {
    assigned++;
    if (assigned == gpus.size()) {
      launcher.launch(step, stage.reportBlocks(), gpus);
    }
    return this;
  }

  private Behavior<Command> onStepDone(StepDone done) {
    stepReports.add(done.report());
    if (stepReports.size() < gpus.size()) {
      return this;
    }
    stepReports.sort(Comparator.comparingInt(GpuStepReport::gpu));
    blockReports.sort(Comparator.comparingInt(BlockReport::gpu).thenComparingDouble(BlockReport::startSeconds));
    steps.add(new StageReport.StepReport(step, stepReports, blockReports));
    stepReports.clear();
    blockReports.clear();
    step++;
    if (step < stage.steps()) {
      launcher.launch(step, stage.reportBlocks(), gpus);
      return this;
    }
    stage.replyTo().tell(new StageReport(stage.stage(), steps));
    return Behaviors.stopped();
  }
}
