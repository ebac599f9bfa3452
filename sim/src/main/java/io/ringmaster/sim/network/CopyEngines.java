package io.ringmaster.sim.network;

import io.ringmaster.actors.protocol.HostDirection;
import io.ringmaster.sim.clock.PeriodShift;
import io.ringmaster.sim.clock.StateEncoder;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.function.IntPredicate;

/**
 * Each GPU's two copy engines, one per direction, each running its host copies one after another in
 * order (as a CUDA copy stream does): parameter staging and optimizer results in, gradient draining
 * out. A copy crosses the GPU's links to the root complex, shared with the GPUs under its switch.
 */
final class CopyEngines {
  private final Fabric fabric;
  private final Routes.Path[] in;
  private final Routes.Path[] out;
  private final List<ArrayDeque<Copy>> inQueues = new ArrayList<>();
  private final List<ArrayDeque<Copy>> outQueues = new ArrayList<>();

  CopyEngines(Fabric fabric, Routes routes, int[] globalGpus) {
    this.fabric = fabric;
    int gpus = globalGpus.length;
    in = new Routes.Path[gpus];
    out = new Routes.Path[gpus];
    for (int g = 0; g < gpus; g++) {
      in[g] = routes.hostToGpu(globalGpus[g]);
      out[g] = routes.gpuToHost(globalGpus[g]);
      inQueues.add(new ArrayDeque<>());
      outQueues.add(new ArrayDeque<>());
    }
  }

  void enqueue(long now, int gpu, HostDirection direction, long bytes, int purpose, long ordinal) {
    ArrayDeque<Copy> queue = queue(direction, gpu);
    queue.add(new Copy(bytes, purpose, ordinal));
    if (queue.size() == 1) {
      startHead(now, gpu, direction);
    }
  }

  long latencyTicks(HostDirection direction, int gpu) {
    return path(direction, gpu).latencyTicks();
  }

  /** The head copy in {@code direction} has landed: start the next one. */
  void landed(long now, int gpu, HostDirection direction) {
    ArrayDeque<Copy> queue = queue(direction, gpu);
    queue.poll();
    if (!queue.isEmpty()) {
      startHead(now, gpu, direction);
    }
  }

  private void startHead(long now, int gpu, HostDirection direction) {
    Copy head = queue(direction, gpu).peek();
    fabric.startFlow(now, path(direction, gpu), head.bytes(), head.purpose(), gpu, head.ordinal());
  }

  void encode(StateEncoder encoder, IntPredicate ordinalIsCollective) {
    for (int gpu = 0; gpu < in.length; gpu++) {
      for (ArrayDeque<Copy> queue : List.of(inQueues.get(gpu), outQueues.get(gpu))) {
        encoder.value(queue.size());
        for (Copy copy : queue) {
          encoder.value(copy.bytes()).value(copy.purpose());
          if (ordinalIsCollective.test(copy.purpose())) {
            encoder.ordinal(copy.ordinal());
          } else {
            encoder.value(copy.ordinal());
          }
        }
      }
    }
  }

  void shift(PeriodShift shift, IntPredicate ordinalIsCollective) {
    for (int gpu = 0; gpu < in.length; gpu++) {
      for (ArrayDeque<Copy> queue : List.of(inQueues.get(gpu), outQueues.get(gpu))) {
        int size = queue.size();
        for (int i = 0; i < size; i++) {
          Copy copy = queue.poll();
          long ordinal = ordinalIsCollective.test(copy.purpose()) ? shift.ordinal((int) copy.ordinal()) : copy.ordinal();
          queue.add(new Copy(copy.bytes(), copy.purpose(), ordinal));
        }
      }
    }
  }

  private ArrayDeque<Copy> queue(HostDirection direction, int gpu) {
    return direction == HostDirection.HOST_TO_GPU ? inQueues.get(gpu) : outQueues.get(gpu);
  }

  private Routes.Path path(HostDirection direction, int gpu) {
    return direction == HostDirection.HOST_TO_GPU ? in[gpu] : out[gpu];
  }

  private record Copy(long bytes, int purpose, long ordinal) {}
}
