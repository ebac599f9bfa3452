package io.ringmaster.actors.process;

import io.ringmaster.actors.cluster.NodeShutdownReason;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.apache.pekko.actor.Address;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

/** Test-only programs that {@link WorkerProcessesTest} runs as child JVMs. */
final class ProcessTestMains {
  static final Address ANNOUNCED = new Address("pekko", "ringmaster", "127.0.0.1", 4711);

  private ProcessTestMains() {}

  /** Prints a line and an announcement, then waits for its stdin to close. */
  static final class Chatty {
    public static void main(String[] args) throws IOException {
      System.out.println("hello from " + args[0]);
      NodeAnnouncement.announce(ANNOUNCED);
      while (System.in.read() >= 0) {
        // wait for the parent
      }
    }
  }

  /** Ignores SIGTERM for a minute: its shutdown hook does not finish. */
  static final class Stubborn {
    public static void main(String[] args) throws Exception {
      Runtime.getRuntime().addShutdownHook(new Thread(() -> sleep(Duration.ofMinutes(1))));
      System.out.println("stubborn and ready");
      sleep(Duration.ofMinutes(1));
    }
  }

  /** An actor system started the way {@code ClusterNode} starts one, with the parent watch. */
  static final class WatchedNode {
    public static void main(String[] args) {
      ActorSystem<Void> system = ActorSystem.create(Behaviors.empty(), "watched");
      ParentWatch.startIfRequested(system, NodeShutdownReason.PARENT_GONE);
      System.out.println("watched node up");
      system.getWhenTerminated().toCompletableFuture().join();
      System.exit(0);
    }
  }

  /** Starts one {@link WatchedNode} child, prints its pid, and waits to be killed. */
  static final class Parent {
    public static void main(String[] args) throws Exception {
      WorkerProcesses child = WorkerProcesses.start(WorkerLaunch.of(1, WatchedNode.class.getName(), List.of(),
          List.of("-Xmx64m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1"), Path.of(args[0])));
      System.out.println("child-pid=" + child.worker(0).pid());
      sleep(Duration.ofMinutes(2));
    }
  }

  static void sleep(Duration duration) {
    try {
      Thread.sleep(duration.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
