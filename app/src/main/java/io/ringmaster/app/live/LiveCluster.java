package io.ringmaster.app.live;

import io.ringmaster.actors.cluster.ClusterNode;
import io.ringmaster.actors.cluster.NodeRole;
import io.ringmaster.actors.cluster.NodeSettings;
import io.ringmaster.actors.cluster.Seed;
import io.ringmaster.actors.cluster.ServiceDiscovery;
import io.ringmaster.actors.gpu.GpuActor;
import io.ringmaster.actors.process.WorkerLaunch;
import io.ringmaster.actors.process.WorkerProcess;
import io.ringmaster.actors.process.WorkerProcesses;
import io.ringmaster.app.Main;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.Address;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.typed.Cluster;

/**
 * The director's node and the workers it runs on: either worker JVMs it starts on 127.0.0.1 itself
 * ({@code --local N}, stopped again on {@link #close}) or workers that joined through a seed
 * ({@code --seed HOST:PORT}), which shut themselves down once the director has left.
 */
public final class LiveCluster implements AutoCloseable {
  public static final Duration DISCOVERY_TIMEOUT = Duration.ofSeconds(120);
  private static final String JOIN_GIVE_UP = "pekko.cluster.shutdown-after-unsuccessful-join-seed-nodes";
  private static final Duration STOP_GRACE = Duration.ofSeconds(15);
  private static final Duration DIRECTOR_STOP_WAIT = Duration.ofSeconds(30);
  /** Parallel GC as in TransportBench: under G1 every multi-megabyte KV block is a humongous object. */
  private static final List<String> WORKER_JVM = List.of("-Xmx2g", "-XX:+UseParallelGC");

  private final ActorSystem<Void> director;
  private final Optional<WorkerProcesses> workers;
  private final Optional<Seed.At> seed;

  private LiveCluster(ActorSystem<Void> director, Optional<WorkerProcesses> workers, Optional<Seed.At> seed) {
    this.director = director;
    this.workers = workers;
    this.seed = seed;
  }

  /** The workers a run needs did not start, or were not found in time; the cluster is closed again. */
  public static final class Unavailable extends RuntimeException {
    Unavailable(String message, Throwable cause) {
      super(message, cause);
    }
  }

  /**
   * A director on a free loopback port and {@code count} worker JVMs with one GPU actor each on
   * {@code device} (cpu | cuda | auto), all joined.
   */
  public static LiveCluster local(int count, String device, PrintWriter progress) throws IOException {
    ActorSystem<Void> director = ClusterNode.start(NodeSettings.director(), Behaviors.empty());
    Address self = Cluster.get(director).selfMember().address();
    String seed = self.getHost().orElseThrow() + ":" + self.getPort().orElseThrow();
    Path logFile = Files.createTempDirectory("ringmaster-run-").resolve("workers.log");
    progress.printf("ringmaster: starting %d worker JVMs on 127.0.0.1 (their output: %s)%n", count, logFile);
    progress.flush();
    WorkerProcesses workers;
    try {
      workers = WorkerProcesses.start(new WorkerLaunch(count, Main.class.getName(),
          index -> List.of("worker", "--seed", seed, "--gpus", "1", "--device", device), WORKER_JVM, logFile, "worker"));
    } catch (IOException | RuntimeException e) {
      terminate(director);
      throw e;
    }
    LiveCluster cluster = new LiveCluster(director, Optional.of(workers), Optional.empty());
    try {
      workers.awaitJoined(director, DISCOVERY_TIMEOUT, joining -> {
        progress.printf(Locale.ROOT, "ringmaster: %d of %d worker JVMs up in the cluster (%.0f s)%n", joining.up(),
            joining.workers(), joining.seconds());
        progress.flush();
      });
    } catch (RuntimeException e) {
      cluster.close();
      throw new Unavailable(e.getMessage(), e);
    }
    return cluster;
  }

  /** A director that joins the cluster of {@code seed}, where workers are or will be. */
  public static LiveCluster joining(Seed.At seed, String hostname, int port) {
    ActorSystem<Void> director = ClusterNode.start(
        new NodeSettings(NodeRole.DIRECTOR, hostname, port, seed), Behaviors.empty());
    return new LiveCluster(director, Optional.empty(), Optional.of(seed));
  }

  public ActorSystem<Void> system() {
    return director;
  }

  /** The worker JVMs this director started, if it started them. */
  public Optional<WorkerProcesses> workers() {
    return workers;
  }

  /**
   * Waits (bounded, with progress in the log) for {@code count} GPU actors and returns them in node order.
   *
   * @throws Unavailable when fewer are there in time, or the director could not join its seed
   */
  public List<ActorRef<GpuActor.Command>> discover(int count) {
    try {
      return ServiceDiscovery.await(director, GpuActor.KEY, count, DISCOVERY_TIMEOUT).subList(0, count);
    } catch (IllegalStateException e) {
      boolean directorStopped = director.whenTerminated().isCompleted();
      throw new Unavailable(seed.filter(at -> directorStopped)
          .map(at -> "no cluster answered at seed " + at + ": the director gave up joining it after "
              + director.settings().config().getDuration(JOIN_GIVE_UP).toSeconds() + " s"
              + " (start the seed worker first: ringmaster worker --seed " + at + " --port " + at.port() + ")")
          .orElse(e.getMessage()), e);
    }
  }

  /** The worker JVM at {@code address}, when this director started it. */
  public Optional<WorkerProcess> workerAt(Address address) {
    return workers().flatMap(processes -> processes.workers().stream()
        .filter(worker -> worker.address().filter(address::equals).isPresent()).findFirst());
  }

  /** Stops the workers it started (SIGTERM, then SIGKILL after a grace period), then leaves the cluster. */
  @Override
  public void close() {
    workers.ifPresent(processes -> processes.stop(STOP_GRACE));
    terminate(director);
  }

  private static void terminate(ActorSystem<?> system) {
    system.terminate();
    try {
      system.getWhenTerminated().toCompletableFuture().get(DIRECTOR_STOP_WAIT.toSeconds(), TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
      // the JVM exits soon after; nothing is left to save
    }
  }
}
