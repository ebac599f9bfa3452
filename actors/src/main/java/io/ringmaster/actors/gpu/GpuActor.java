package io.ringmaster.actors.gpu;

import io.ringmaster.actors.protocol.BlockContent;
import io.ringmaster.actors.protocol.BlockReport;
import io.ringmaster.actors.protocol.GpuStepReport;
import io.ringmaster.actors.protocol.KvPayload;
import io.ringmaster.actors.protocol.Pass;
import io.ringmaster.actors.protocol.ShardData;
import io.ringmaster.actors.protocol.ShardSpec;
import io.ringmaster.actors.protocol.StepProgram;
import io.ringmaster.actors.stage.StageDirector;
import io.ringmaster.actors.wire.WireMessage;
import java.util.function.Function;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.PostStop;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.apache.pekko.actor.typed.receptionist.ServiceKey;

/**
 * One GPU of a ring. The same behaviour drives a simulated GPU (cost-model device, link actors, virtual
 * time) and a live one (real kernels, Pekko remoting, wall clock): only its {@link GpuWiring} differs.
 * It runs its {@link StepProgram} with a {@link ProgramRunner} and reports to the stage director.
 */
public final class GpuActor extends AbstractBehavior<GpuActor.Command> {
  /** Live workers register their GPU actors with the Receptionist under this key. */
  public static final ServiceKey<Command> KEY = ServiceKey.create(Command.class, "gpu");

  /** Everything a GPU actor understands. */
  public sealed interface Command
      permits AssignShard, RunStep, KvBlock, SendCompleted, WorkCompleted, CollectiveCompleted,
          HostCopyCompleted, VirtualInstant, DeviceFailed {}

  /**
   * Director to GPU: its place in a ring (with the next rank, which it sends its blocks to), its program,
   * and what it computes on; answered by {@code StageDirector.ShardAssigned}.
   */
  public record AssignShard(ShardSpec shard, StepProgram program, ActorRef<StageDirector.Command> director,
      ActorRef<Command> nextRank, ShardData data) implements Command, WireMessage {}

  /** Director to GPU: run one training step of the program. */
  public record RunStep(int step, boolean reportBlocks) implements Command, WireMessage {}

  /**
   * A block passed from rank {@code fromRank} to the next rank of ring {@code ring}, posted at ring
   * step {@code step} of {@code pass} of {@code layer}. Backward passes dK,dV with the same identity.
   */
  public record KvBlock(int ring, int fromRank, int layer, int step, Pass pass, BlockContent content,
      KvPayload payload) implements Command, WireMessage {
    public KvBlock withLayer(int newLayer) {
      return new KvBlock(ring, fromRank, newLayer, step, pass, content, payload);
    }

    public KvBlock withPayload(KvPayload newPayload) {
      return new KvBlock(ring, fromRank, layer, step, pass, content, newPayload);
    }
  }

  /** Transport to the sender: the exchange posted at this step has delivered its block. */
  public record SendCompleted(int layer, int step, Pass pass, BlockContent content) implements Command {
    public static SendCompleted of(KvBlock block) {
      return new SendCompleted(block.layer(), block.step(), block.pass(), block.content());
    }

    public SendCompleted withLayer(int newLayer) {
      return new SendCompleted(newLayer, step, pass, content);
    }
  }

  /** Device to GPU actor: the running work is done. */
  public record WorkCompleted() implements Command {
    public static final WorkCompleted INSTANCE = new WorkCompleted();
  }

  /** Collectives to GPU actor: the collective this GPU posted as its {@code ordinal}-th is done here. */
  public record CollectiveCompleted(int ordinal) implements Command {
    public CollectiveCompleted withOrdinal(int newOrdinal) {
      return new CollectiveCompleted(newOrdinal);
    }
  }

  /** Collectives to GPU actor: the host copy is done. */
  public record HostCopyCompleted() implements Command {
    public static final HostCopyCompleted INSTANCE = new HostCopyCompleted();
  }

  /**
   * Live device to GPU actor: the device failed (a kernel error, a block out of protocol); the actor
   * stops, and with it the stage, whose director learns it from the actor's node.
   */
  public record DeviceFailed(String reason) implements Command {}

  /**
   * Sim only: every command due at one virtual instant, in order ({@code commands[0..count)}), so a
   * simulated GPU handles an instant in one message and answers its coordinator once.
   */
  public record VirtualInstant(long tick, Command[] commands, int count) implements Command {}

  private final GpuWiring wiring;
  private ProgramRunner runner;
  private ActorRef<StageDirector.Command> director;

  private GpuActor(ActorContext<Command> context, GpuWiring wiring) {
    super(context);
    this.wiring = wiring;
  }

  /** {@code wiring} builds the device, transport and collectives of this actor from its context. */
  public static Behavior<Command> create(Function<ActorContext<Command>, GpuWiring> wiring) {
    return Behaviors.setup(context -> new GpuActor(context, wiring.apply(context)));
  }

  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder()
        .onMessage(VirtualInstant.class, this::onVirtualInstant)
        .onMessage(DeviceFailed.class, failed -> {
          getContext().getLog().error("device failed: {}", failed.reason());
          return Behaviors.stopped();
        })
        .onMessage(Command.class, this::onCommand)
        .onSignal(PostStop.class, stop -> {
          wiring.device().close();
          return this;
        })
        .build();
  }

  private Behavior<Command> onVirtualInstant(VirtualInstant instant) {
    wiring.virtualTime().enter(instant.tick());
    for (int i = 0; i < instant.count(); i++) {
      handle(instant.commands()[i]);
    }
    wiring.virtualTime().processed(runner);
    return this;
  }

  private Behavior<Command> onCommand(Command command) {
    handle(command);
    return this;
  }

  private void handle(Command command) {
    if (command instanceof AssignShard assign) {
      assign(assign);
    } else {
      runner.handle(command);
    }
  }

  private void assign(AssignShard assign) {
    director = assign.director();
    wiring.device().assign(assign.shard(), assign.data());
    wiring.transport().connect(assign.nextRank());
    runner = new ProgramRunner(assign.shard(), assign.program(), wiring, new Reports());
    director.tell(new StageDirector.ShardAssigned(assign.shard().gpu(), getContext().getSelf()));
  }

  /** Forwards the runner's reports to the director. */
  private final class Reports implements ProgramRunner.Listener {
    @Override
    public void blockDone(BlockReport block) {
      director.tell(new StageDirector.BlockDone(block));
    }

    @Override
    public void stepDone(GpuStepReport report) {
      director.tell(new StageDirector.StepDone(report));
    }
  }
}
