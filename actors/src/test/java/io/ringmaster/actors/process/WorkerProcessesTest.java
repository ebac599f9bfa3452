package io.ringmaster.actors.process;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.pekko.actor.Address;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WorkerProcessesTest {
  private static final List<String> SMALL_JVM = List.of("-Xmx64m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1");
  private static final Duration WITHIN = Duration.ofSeconds(60);

  @TempDir
  Path dir;

  @Test
  void announcementIsOneParsableLine() {
    Address address = new Address("pekko", "ringmaster", "127.0.0.1", 25520);
    String line = NodeAnnouncement.line(address);
    assertThat(line).doesNotContain("\n").contains("pid=" + ProcessHandle.current().pid());
    assertThat(NodeAnnouncement.parse(line)).contains(address);
    assertThat(NodeAnnouncement.parse("[INFO] something else")).isEmpty();
  }

  @Test
  void outputIsPrefixedAndAddressesAreLearnedFromTheAnnouncement() throws Exception {
    Path log = dir.resolve("chatty.log");
    WorkerProcesses processes = WorkerProcesses.start(new WorkerLaunch(2, ProcessTestMains.Chatty.class.getName(),
        index -> List.of("number-" + index), SMALL_JVM, log, "chatty"));
    awaitLogContains(log, "[chatty-0] hello from number-0");
    awaitLogContains(log, "[chatty-1] hello from number-1");
    awaitUntil(() -> processes.workers().stream().allMatch(worker -> worker.address().isPresent()));
    assertThat(processes.worker(1).address()).contains(ProcessTestMains.ANNOUNCED);

    List<WorkerProcess> killed = processes.stop(Duration.ofSeconds(20));

    assertThat(killed).isEmpty();
    assertThat(processes.workers()).noneMatch(WorkerProcess::isAlive);
  }

  @Test
  void workerThatIgnoresSigtermIsKilledAfterTheGracePeriod() throws Exception {
    Path log = dir.resolve("stubborn.log");
    WorkerProcesses processes = WorkerProcesses.start(
        WorkerLaunch.of(1, ProcessTestMains.Stubborn.class.getName(), List.of(), SMALL_JVM, log));
    awaitLogContains(log, "stubborn and ready");

    List<WorkerProcess> killed = processes.stop(Duration.ofSeconds(1));

    assertThat(killed).containsExactly(processes.worker(0));
    assertThat(processes.worker(0).isAlive()).isFalse();
    assertThat(Files.readString(log)).contains("still running 1 s after SIGTERM; killing it");
  }

  @Test
  void childExitsWhenItsParentIsKilledOutright() throws Exception {
    Path parentLog = dir.resolve("parent.log");
    Path childLog = dir.resolve("child.log");
    WorkerProcesses parents = WorkerProcesses.start(WorkerLaunch.of(1, ProcessTestMains.Parent.class.getName(),
        List.of(childLog.toString()), SMALL_JVM, parentLog));
    try {
      long childPid = awaitChildPid(parentLog);
      awaitLogContains(childLog, "watched node up");
      ProcessHandle child = ProcessHandle.of(childPid).orElseThrow();

      // SIGKILL to the parent alone: no shutdown hook runs there, only the child's watch can act
      ProcessHandle.of(parents.worker(0).pid()).orElseThrow().destroyForcibly();

      // its output went through the dead parent, so the exit itself is the evidence
      awaitUntil(() -> !child.isAlive());
    } finally {
      parents.stop(Duration.ofSeconds(5));
    }
  }

  private static long awaitChildPid(Path log) throws Exception {
    Pattern childPid = Pattern.compile("child-pid=(\\d+)");
    long deadline = System.nanoTime() + WITHIN.toNanos();
    while (System.nanoTime() < deadline) {
      Matcher matcher = childPid.matcher(read(log));
      if (matcher.find()) {
        return Long.parseLong(matcher.group(1));
      }
      Thread.sleep(50);
    }
    throw new AssertionError("no child pid in " + log);
  }

  private static void awaitLogContains(Path log, String text) throws Exception {
    awaitUntil(() -> read(log).contains(text));
  }

  private static void awaitUntil(CheckedCondition condition) throws Exception {
    long deadline = System.nanoTime() + WITHIN.toNanos();
    while (!condition.holds()) {
      assertThat(System.nanoTime()).as("condition within %s", WITHIN).isLessThan(deadline);
      Thread.sleep(50);
    }
  }

  private static String read(Path log) {
    try {
      return Files.exists(log) ? Files.readString(log) : "";
    } catch (IOException e) {
      return "";
    }
  }

  @FunctionalInterface
  private interface CheckedCondition {
    boolean holds() throws Exception;
  }
}
