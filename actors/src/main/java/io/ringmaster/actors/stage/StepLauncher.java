package io.ringmaster.actors.stage;

import io.ringmaster.actors.gpu.GpuActor;
import io.ringmaster.actors.wire.BulkMail;
import java.util.List;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;

/**
 * How a director reaches its GPU actors: live, by telling each one (assignments, which may carry
 * megabytes of rows, through bulk mail); in sim, steps start through the virtual-time coordinator,
 * which delivers them at the current virtual instant.
 */
public interface StepLauncher {
  void launch(int step, boolean reportBlocks, List<ActorRef<GpuActor.Command>> gpus);

  /** Hands a GPU its shard. */
  default void assign(ActorRef<GpuActor.Command> gpu, GpuActor.AssignShard assignment) {
    gpu.tell(assignment);
  }

  /** Live: a {@link GpuActor.RunStep} to every GPU actor, assignments through the node's bulk mail. */
  static StepLauncher live(ActorSystem<?> system) {
    BulkMail mail = BulkMail.get(system);
    return new StepLauncher() {
      @Override
      public void launch(int step, boolean reportBlocks, List<ActorRef<GpuActor.Command>> gpus) {
        gpus.forEach(gpu -> gpu.tell(new GpuActor.RunStep(step, reportBlocks)));
      }

      @Override
      public void assign(ActorRef<GpuActor.Command> gpu, GpuActor.AssignShard assignment) {
        mail.send(gpu, assignment);
      }
    };
  }
}
