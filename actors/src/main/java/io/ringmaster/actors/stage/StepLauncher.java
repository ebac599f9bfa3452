package io.ringmaster.actors.stage;

import io.ringmaster.actors.gpu.GpuActor;
import java.util.List;

/**
 * How a director starts a training step on its GPU actors: live, by telling each one; in sim, through
 * the virtual-time coordinator, which delivers the start at the current virtual instant.
 */
public interface StepLauncher {
  void launch(int step, boolean reportBlocks, List<org.apache.pekko.actor.typed.ActorRef<GpuActor.Command>> gpus);

  /** Live: a {@link GpuActor.RunStep} to every GPU actor. */
  StepLauncher DIRECT = (step, reportBlocks, gpus) ->
      gpus.forEach(gpu -> gpu.tell(new GpuActor.RunStep(step, reportBlocks)));
}
