package io.ringmaster.actors.process;

import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import java.util.stream.StreamSupport;
import org.apache.pekko.actor.Address;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.cluster.Member;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.typed.Cluster;

/**
 * Worker JVMs on this machine, started with the current JVM's java binary and classpath, each on a
 * free port it announces ({@link NodeAnnouncement}). Their output goes to one log file, each line
 * prefixed with the worker's name. They never outlive this JVM: {@link #stop} ends them (SIGTERM,
 * so each leaves the cluster, then SIGKILL after a grace period), a shutdown hook does the same
 * if this JVM exits first, and each child exits by itself when its stdin closes ({@link ParentWatch}),
 * which covers a parent killed with SIGKILL.
 */
public final class WorkerProcesses implements AutoCloseable {
  public static final Duration DEFAULT_STOP_GRACE = Duration.ofSeconds(15);
  private static final Duration FORCED_EXIT_WAIT = Duration.ofSeconds(5);
  private static final Duration PUMP_DRAIN_WAIT = Duration.ofSeconds(2);
  private static final long POLL_MILLIS = 50;
  private static final Duration JOIN_PROGRESS_EVERY = Duration.ofSeconds(5);

  private final WorkerLaunch launch;
  private final List<WorkerProcess> workers = new ArrayList<>();
  private final List<Thread> pumps = new ArrayList<>();
  private final Writer log;
  private final Thread shutdownHook;

  private WorkerProcesses(WorkerLaunch launch, Writer log) {
    this.launch = launch;
    this.log = log;
    this.shutdownHook = new Thread(() -> terminate(FORCED_EXIT_WAIT), "ringmaster-worker-reaper");
  }

  public static WorkerProcesses start(WorkerLaunch launch) throws IOException {
    Path parent = launch.logFile().toAbsolutePath().getParent();
    if (parent != null) {
      Files.createDirectories(parent);
    }
    Writer log = Files.newBufferedWriter(launch.logFile(), StandardCharsets.UTF_8,
        StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    WorkerProcesses processes = new WorkerProcesses(launch, log);
    Runtime.getRuntime().addShutdownHook(processes.shutdownHook);
    try {
      for (int index = 0; index < launch.count(); index++) {
        processes.startWorker(index);
      }
    } catch (IOException | RuntimeException e) {
      processes.close();
      throw e;
    }
    return processes;
  }

  private void startWorker(int index) throws IOException {
    String name = launch.namePrefix() + "-" + index;
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(launch.jvmOptions());
    command.add("-D" + ParentWatch.PROPERTY + "=true");
    command.add("-cp");
    command.add(System.getProperty("java.class.path"));
    command.add(launch.mainClass());
    command.addAll(launch.argumentsOf().apply(index));
    // stdin stays a pipe whose write end only this JVM holds: its closing tells the child we are gone
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    WorkerProcess worker = new WorkerProcess(index, name, process);
    workers.add(worker);
    Thread pump = new Thread(() -> pumpOutput(worker), "ringmaster-output-" + name);
    pump.setDaemon(true);
    pump.start();
    pumps.add(pump);
  }

  private void pumpOutput(WorkerProcess worker) {
    try (BufferedReader lines = new BufferedReader(
        new InputStreamReader(worker.process().getInputStream(), StandardCharsets.UTF_8))) {
      String line;
      while ((line = lines.readLine()) != null) {
        NodeAnnouncement.parse(line).ifPresent(worker::announced);
        writeLog("[" + worker.name() + "] " + line);
      }
    } catch (IOException e) {
      writeLog("[" + worker.name() + "] output lost: " + e.getMessage());
    }
  }

  private void writeLog(String line) {
    synchronized (log) {
      try {
        log.write(line);
        log.write('\n');
        log.flush();
      } catch (IOException e) {
        // the log is closed once the workers are stopped; late lines have nowhere to go
      }
    }
  }

  public List<WorkerProcess> workers() {
    return List.copyOf(workers);
  }

  public WorkerProcess worker(int index) {
    return workers.get(index);
  }

  public Path logFile() {
    return launch.logFile();
  }

  /** How far the workers are while {@link #awaitJoined} waits: those up in the cluster, of all, after {@code seconds}. */
  public record JoinProgress(int up, int workers, double seconds) {}

  /**
   * Waits until every worker has announced its address and is {@code Up} in {@code system}'s cluster.
   *
   * @throws IllegalStateException if a worker exits first or {@code timeout} passes
   */
  public void awaitJoined(ActorSystem<?> system, Duration timeout) {
    awaitJoined(system, timeout, progress -> { });
  }

  /**
   * {@link #awaitJoined(ActorSystem, Duration)}, telling {@code onProgress} how far the workers are every
   * {@link #JOIN_PROGRESS_EVERY} while it waits (starting JVMs that load PyTorch takes tens of seconds).
   */
  public void awaitJoined(ActorSystem<?> system, Duration timeout, Consumer<JoinProgress> onProgress) {
    long startNanos = System.nanoTime();
    long deadline = startNanos + timeout.toNanos();
    long nextProgress = startNanos + JOIN_PROGRESS_EVERY.toNanos();
    Cluster cluster = Cluster.get(system);
    while (true) {
      for (WorkerProcess worker : workers) {
        if (!worker.isAlive()) {
          throw new IllegalStateException(worker + " exited with code " + worker.process().exitValue()
              + " before joining; its output is in " + launch.logFile());
        }
      }
      Set<Address> up = StreamSupport.stream(cluster.state().getMembers().spliterator(), false)
          .filter(member -> member.status() == MemberStatus.up())
          .map(Member::address)
          .collect(Collectors.toSet());
      long upCount = workers.stream().filter(worker -> worker.address().filter(up::contains).isPresent()).count();
      if (upCount == workers.size()) {
        return;
      }
      if (System.nanoTime() > nextProgress) {
        onProgress.accept(new JoinProgress((int) upCount, workers.size(), (System.nanoTime() - startNanos) / 1e9));
        nextProgress += JOIN_PROGRESS_EVERY.toNanos();
      }
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("workers not all up within " + timeout.toSeconds() + " s: " + workers
            + "; their output is in " + launch.logFile());
      }
      sleepPoll();
    }
  }

  /** Kills one worker at once (SIGKILL), as a crash would, and waits until it is gone. */
  public void kill(int index) {
    destroyTree(workers.get(index));
    waitForExit(List.of(workers.get(index)), FORCED_EXIT_WAIT);
  }

  /**
   * Asks every worker to stop (SIGTERM: Pekko's shutdown hook makes it leave the cluster), kills
   * those still running after {@code grace} together with their child processes, and closes the log.
   *
   * @return the workers that had to be killed
   */
  public List<WorkerProcess> stop(Duration grace) {
    try {
      Runtime.getRuntime().removeShutdownHook(shutdownHook);
    } catch (IllegalStateException e) {
      // already shutting down: the hook is running or has run
    }
    List<WorkerProcess> killed = terminate(grace);
    workers.forEach(WorkerProcess::closeStdin);
    for (Thread pump : pumps) {
      try {
        pump.join(PUMP_DRAIN_WAIT.toMillis());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    synchronized (log) {
      try {
        log.close();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    return killed;
  }

  @Override
  public void close() {
    stop(DEFAULT_STOP_GRACE);
  }

  private List<WorkerProcess> terminate(Duration grace) {
    // through the ProcessHandle: Process.destroy() would also close our ends of the pipes, cutting off
    // the worker's last log lines and looking to it like a dead parent
    workers.stream().filter(WorkerProcess::isAlive).forEach(worker -> worker.process().toHandle().destroy());
    waitForExit(workers, grace);
    List<WorkerProcess> survivors = workers.stream().filter(WorkerProcess::isAlive).toList();
    for (WorkerProcess survivor : survivors) {
      writeLog("[" + survivor.name() + "] still running " + grace.toSeconds() + " s after SIGTERM; killing it");
      destroyTree(survivor);
    }
    waitForExit(survivors, FORCED_EXIT_WAIT);
    return survivors;
  }

  private static void destroyTree(WorkerProcess worker) {
    ProcessHandle handle = worker.process().toHandle();
    handle.descendants().forEach(ProcessHandle::destroyForcibly);
    handle.destroyForcibly();
  }

  private static void waitForExit(List<WorkerProcess> processes, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (processes.stream().anyMatch(WorkerProcess::isAlive) && System.nanoTime() < deadline) {
      sleepPoll();
    }
  }

  private static void sleepPoll() {
    try {
      Thread.sleep(POLL_MILLIS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while waiting for worker processes", e);
    }
  }
}
