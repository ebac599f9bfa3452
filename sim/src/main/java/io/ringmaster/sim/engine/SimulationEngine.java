package io.ringmaster.sim.engine;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Props;
import org.apache.pekko.actor.typed.SpawnProtocol;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

/**
 * Runs stage simulations on one actor system: each {@link #simulate} spawns a virtual-time coordinator
 * with its GPU and link actors, waits for the outcome and lets them stop. Reuse one engine for many
 * simulations (a curriculum, a what-if sweep); close it at the end.
 */
public final class SimulationEngine implements AutoCloseable {
  private static final Duration LIMIT = Duration.ofMinutes(30);
  private static final int DEFAULT_THREADS = 2;

  private final ActorSystem<SpawnProtocol.Command> system;
  private final int threads;
  private final AtomicInteger runs = new AtomicInteger();
  /** Submitted stages not yet started, and how many run now (at most {@link #threads}); guarded by this. */
  private final Queue<Submission> waiting = new ArrayDeque<>();
  private int running;

  /** {@code dispatcherThreads} threads run the actors; the results do not depend on it. */
  public SimulationEngine(int dispatcherThreads) {
    threads = dispatcherThreads;
    Config config = ConfigFactory.parseString(String.join("\n",
        "pekko.loglevel = WARNING",
        "pekko.stdout-loglevel = WARNING",
        "pekko.log-dead-letters = off",
        "pekko.log-dead-letters-during-shutdown = off",
        "pekko.actor.default-dispatcher.throughput = 100",
        "pekko.actor.default-dispatcher.fork-join-executor.parallelism-min = " + dispatcherThreads,
        "pekko.actor.default-dispatcher.fork-join-executor.parallelism-max = " + dispatcherThreads))
        .withFallback(ConfigFactory.load());
    system = ActorSystem.create(Behaviors.setup(context -> SpawnProtocol.create()), "ringmaster-sim", config);
  }

  public SimulationEngine() {
    this(DEFAULT_THREADS);
  }

  /** The threads the actors run on: how many stages run side by side. */
  public int threads() {
    return threads;
  }

  public StageOutcome simulate(StageSetup setup, SimOptions options) {
    return await(submit(setup, options, new StageProgress()), setup, Heartbeat.NONE);
  }

  /**
   * Starts simulating a stage and returns at once. Stages submitted together run side by side, each on
   * its own coordinator and actors, at most one per engine thread and the rest in the order submitted as
   * others finish: more at a time would only interleave them, since each stage's coordinator is one
   * actor and the GPU actors it waits for would queue behind the other stages' work. A curriculum's
   * stages are independent, so every outcome stays what {@link #simulate} gives. The stage's coordinator
   * publishes how far it has come to {@code progress}.
   */
  public CompletableFuture<StageOutcome> submit(StageSetup setup, SimOptions options, StageProgress progress) {
    Submission submission = new Submission(setup, options, progress, new CompletableFuture<>());
    synchronized (this) {
      waiting.add(submission);
    }
    startWhatFits();
    return submission.outcome();
  }

  private void startWhatFits() {
    while (true) {
      Submission next;
      synchronized (this) {
        if (running >= threads || waiting.isEmpty()) {
          return;
        }
        next = waiting.remove();
        running++;
      }
      next.outcome().whenComplete((outcome, failure) -> {
        synchronized (this) {
          running--;
        }
        startWhatFits();
      });
      system.tell(new SpawnProtocol.Spawn<>(
          VirtualTimeCoordinator.create(next.setup(), next.options(), next.outcome(), next.progress()),
          "stage-" + runs.incrementAndGet(), Props.empty(), system.ignoreRef()));
    }
  }

  private record Submission(StageSetup setup, SimOptions options, StageProgress progress,
      CompletableFuture<StageOutcome> outcome) {}

  /**
   * The outcome of a submitted stage (or what follows from it), waiting at most the engine's limit, with
   * {@code heartbeat} beating meanwhile.
   */
  public <T> T await(CompletableFuture<T> outcome, StageSetup setup, Heartbeat heartbeat) {
    try {
      return heartbeat.await(outcome, LIMIT);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while simulating stage " + setup.stage(), e);
    } catch (ExecutionException e) {
      throw new IllegalStateException(e.getCause().getMessage(), e.getCause());
    } catch (TimeoutException e) {
      throw new IllegalStateException("stage " + setup.stage() + " did not finish within " + LIMIT, e);
    }
  }

  @Override
  public void close() {
    system.terminate();
    try {
      system.getWhenTerminated().toCompletableFuture().get(1, TimeUnit.MINUTES);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (ExecutionException | TimeoutException e) {
      throw new IllegalStateException("the simulation actor system did not stop", e);
    }
  }
}
