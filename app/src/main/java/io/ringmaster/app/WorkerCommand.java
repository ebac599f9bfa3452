package io.ringmaster.app;

import io.ringmaster.actors.cluster.ClusterNode;
import io.ringmaster.actors.cluster.NodeSettings;
import io.ringmaster.actors.cluster.Seed;
import io.ringmaster.actors.cluster.ServiceHost;
import io.ringmaster.actors.gpu.GpuActor;
import io.ringmaster.actors.live.LiveGpu;
import io.ringmaster.kernels.AttentionBackend;
import io.ringmaster.kernels.BackendSelection;
import io.ringmaster.topology.input.InputError;
import io.ringmaster.topology.input.Origin;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import org.apache.pekko.actor.typed.ActorSystem;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code ringmaster worker}: a worker node that joins the cluster through a seed and hosts GPU actors
 * on real kernels, registered with the Receptionist for a director to find ({@code ringmaster run}).
 * It runs until its director has finished (exit 0) or is lost (exit 1).
 */
@Command(
    name = "worker",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    optionListHeading = "%nOptions:%n",
    description = {
      "A worker node hosting GPU actors on real attention kernels, for `ringmaster run` to drive.",
      "The first node started is the seed: give it --port equal to the seed's port. For example:",
      "  ringmaster worker --seed 127.0.0.1:2551 --port 2551"
    })
public final class WorkerCommand implements Callable<Integer> {
  /** DJL's PyTorch engine reads its intra-op thread count from this property when it starts. */
  private static final String TORCH_THREADS_PROPERTY = "ai.djl.pytorch.num_threads";

  @Spec private CommandSpec spec;

  @Option(names = "--seed", required = true, paramLabel = "HOST:PORT", description = "The node to join (a worker or the director).")
  private String seed;

  @Mixin private NodeAddress address;

  @Option(names = "--gpus", defaultValue = "1", paramLabel = "K", description = "GPU actors to host (default 1).")
  private int gpus;

  @Option(names = "--device", defaultValue = "cpu", paramLabel = "cpu|cuda|auto", description = "Attention backend (default cpu).")
  private String device;

  @Option(names = "--threads", defaultValue = "1", paramLabel = "T",
      description = "PyTorch threads per worker JVM (default 1: several workers sharing a few cores run fastest with one each).")
  private int threads;

  /** {@code --device}: cpu, cuda or auto; anything else is bad input. */
  static BackendSelection.Choice deviceChoice(String device) {
    try {
      return BackendSelection.Choice.parse(device);
    } catch (IllegalArgumentException e) {
      throw new InputError(Origin.commandLine(), "--device", e.getMessage());
    }
  }

  /** The backend of GPU actor {@code index}; a CUDA backend this machine cannot open is a one-line error. */
  private static BackendSelection select(BackendSelection.Choice choice, int index) {
    try {
      return BackendSelection.open(choice, index);
    } catch (IllegalStateException e) {
      throw new InputError(Origin.commandLine(), "--device", e.getMessage());
    }
  }

  @Override
  public Integer call() {
    // logging set up here, before Pekko's threads log at once (which makes SLF4J print a replay warning)
    LoggerFactory.getILoggerFactory();
    Seed.At seedAddress;
    NodeSettings settings;
    try {
      seedAddress = Seed.parse(seed);
      settings = NodeSettings.worker(seedAddress).withPort(address.port()).withHostname(address.host());
    } catch (IllegalArgumentException e) {
      throw new InputError(Origin.commandLine(), "--seed/--port", e.getMessage());
    }
    if (gpus < 1) {
      throw new InputError(Origin.commandLine(), "--gpus", "expected at least 1 GPU actor, got " + gpus);
    }
    if (threads < 1) {
      throw new InputError(Origin.commandLine(), "--threads", "expected at least 1 thread, got " + threads);
    }
    BackendSelection.Choice choice = deviceChoice(device);
    System.setProperty(TORCH_THREADS_PROPERTY, String.valueOf(threads));
    BackendSelection first = select(choice, 0);
    String backendName;
    try (AttentionBackend probe = first.backend()) {
      backendName = probe.name();
    }
    PrintWriter out = spec.commandLine().getOut();
    out.printf("ringmaster worker: %d GPU actor(s) on %s (%s), joining %s%n", gpus, backendName, first.note(),
        seedAddress);
    out.flush();
    // one backend per GPU actor: GPU actor i opens CUDA device i when the choice is cuda
    ActorSystem<Void> system = ClusterNode.start(settings, ServiceHost.create(GpuActor.KEY, gpus,
        index -> GpuActor.create(context -> LiveGpu.wiring(context, () -> BackendSelection.open(choice, index).backend())),
        "gpu"));
    return ClusterNode.awaitTermination(system);
  }
}
