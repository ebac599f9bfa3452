package io.ringmaster.actors.process;

import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.pekko.actor.CoordinatedShutdown;
import org.apache.pekko.actor.typed.ActorSystem;

/**
 * Makes a child node die with its parent. {@link WorkerProcesses} keeps the write end of each
 * child's stdin; when the parent exits in any way (SIGKILL included, which runs no shutdown hook)
 * the child reads end-of-file, shuts down, and halts if shutting down takes longer than
 * {@link #HALT_AFTER}.
 */
public final class ParentWatch {
  /** System property, set by {@link WorkerProcesses} on the children it starts. */
  public static final String PROPERTY = "ringmaster.exit-with-parent";
  static final Duration HALT_AFTER = Duration.ofSeconds(20);
  private static final int HALT_EXIT_CODE = 3;

  private ParentWatch() {}

  /** Shuts {@code system} down for {@code reason} when the parent is gone, if {@link #PROPERTY} is set. */
  public static void startIfRequested(ActorSystem<?> system, CoordinatedShutdown.Reason reason) {
    if (!Boolean.getBoolean(PROPERTY)) {
      return;
    }
    Thread watcher = new Thread(() -> {
      drainUntilEndOfFile(System.in);
      system.log().error("parent process gone (stdin closed); shutting down");
      CoordinatedShutdown.get(system).runAll(reason);
      haltIfStillAliveAfter(system);
    }, "ringmaster-parent-watch");
    watcher.setDaemon(true);
    watcher.start();
  }

  private static void drainUntilEndOfFile(InputStream in) {
    byte[] ignored = new byte[256];
    try {
      while (in.read(ignored) >= 0) {
        // the parent never writes; any byte is ignored
      }
    } catch (IOException e) {
      // a broken pipe means the same as end-of-file: the parent is gone
    }
  }

  private static void haltIfStillAliveAfter(ActorSystem<?> system) {
    try {
      system.getWhenTerminated().toCompletableFuture().get(HALT_AFTER.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException | ExecutionException | TimeoutException e) {
      Runtime.getRuntime().halt(HALT_EXIT_CODE);
    }
  }
}
