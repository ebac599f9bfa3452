package io.ringmaster.actors.gpu;

import io.ringmaster.actors.protocol.HostDirection;
import io.ringmaster.actors.protocol.StepOp;

/**
 * The data-parallel group (ZeRO's all-gathers and reduce-scatters over all GPUs of the job) and the
 * copies to and from host memory. A collective ends with a {@link GpuActor.CollectiveCompleted}
 * carrying its ordinal (1 for the first this GPU posted in the step); a copy ends with a
 * {@link GpuActor.HostCopyCompleted}.
 */
public interface Collectives {
  void post(StepOp.PostCollective collective, int ordinal);

  void hostCopy(HostDirection direction, long bytes);
}
