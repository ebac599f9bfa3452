package io.ringmaster.actors.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.Address;
import org.apache.pekko.actor.CoordinatedShutdown;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Props;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.receptionist.ServiceKey;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.typed.Cluster;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Director and workers as actor systems in this JVM (the same code paths as separate processes, minus the JVMs). */
class ClusterNodeTest {
  private static final ServiceKey<String> KEY = ServiceKey.create(String.class, "test-gpu");
  private static final Duration UP_WITHIN = Duration.ofSeconds(30);
  private final List<ActorSystem<?>> systems = new ArrayList<>();

  @AfterEach
  void terminateAll() {
    systems.forEach(ActorSystem::terminate);
    systems.forEach(system -> system.getWhenTerminated().toCompletableFuture().join());
  }

  @Test
  void seedIsHostColonPort() {
    assertThat(Seed.parse("127.0.0.1:2552")).isEqualTo(new Seed.At("127.0.0.1", 2552));
    assertThat(Seed.parse("node-7.example:25520").address())
        .isEqualTo(new Address("pekko", "ringmaster", "node-7.example", 25520));
    for (String bad : List.of("127.0.0.1", ":2552", "host:0", "host:65536", "host:port", "")) {
      assertThatThrownBy(() -> Seed.parse(bad)).hasMessage("expected HOST:PORT with PORT in 1..65535, got '" + bad + "'");
    }
  }

  @Test
  void settingsBecomeClusterConfig() {
    Config config = new NodeSettings(NodeRole.WORKER, "127.0.0.2", 25521, Seed.parse("127.0.0.1:25520")).toConfig();
    assertThat(config.getString("pekko.actor.provider")).isEqualTo("cluster");
    assertThat(config.getString("pekko.remote.artery.canonical.hostname")).isEqualTo("127.0.0.2");
    assertThat(config.getInt("pekko.remote.artery.canonical.port")).isEqualTo(25521);
    assertThat(config.getStringList("pekko.cluster.roles")).containsExactly("worker");
    assertThat(config.getDuration("pekko.cluster.failure-detector.acceptable-heartbeat-pause")).hasSeconds(2);
    assertThatThrownBy(() -> NodeSettings.director().withPort(70_000)).hasMessageContaining("0..65535");
  }

  @Test
  void directorDiscoversHostedActorsInOrderAndLearnsWhenTheirNodeLeaves() {
    ActorSystem<Void> director = started(ClusterNode.start(NodeSettings.director(), Behaviors.empty()));
    ActorSystem<Void> worker = started(ClusterNode.start(NodeSettings.worker(seedOf(director)),
        ServiceHost.create(KEY, 3, index -> Behaviors.ignore(), "gpu")));

    List<ActorRef<String>> found = ServiceDiscovery.await(director, KEY, 3, UP_WITHIN);
    assertThat(found).extracting(ref -> ref.path().name()).containsExactly("gpu-0", "gpu-1", "gpu-2");
    assertThat(found).allMatch(ref -> ref.path().address().equals(addressOf(worker)));
    assertThatThrownBy(() -> ServiceDiscovery.await(director, KEY, 4, Duration.ofSeconds(1)))
        .hasMessageContaining("found 3 of 4 'test-gpu' actors");

    TestProbe<MemberLossWatch.MemberLost> losses = TestProbe.create(director);
    director.systemActorOf(MemberLossWatch.create(losses.getRef()), "loss-watch", Props.empty())
        .tell(new MemberLossWatch.Track(found));
    worker.terminate();

    MemberLossWatch.MemberLost lost = losses.expectMessageClass(MemberLossWatch.MemberLost.class, UP_WITHIN);
    assertThat(lost.address()).isEqualTo(addressOf(worker));
    assertThat(lost.cause()).isEqualTo(MemberLossWatch.Cause.LEFT);
    assertThat(lost.members()).containsExactlyElementsOf(found);
    assertThat(ClusterNode.awaitTermination(worker)).isZero();
  }

  /** A director that gives up joining its seed shuts down; discovery must not wait out its whole timeout. */
  @Test
  void discoveryStopsWaitingWhenItsNodeStops() {
    ActorSystem<Void> director = started(ClusterNode.start(NodeSettings.director(), Behaviors.empty()));
    CompletableFuture<Throwable> failure = CompletableFuture.supplyAsync(() -> catchThrowable(
        () -> ServiceDiscovery.await(director, KEY, 1, Duration.ofMinutes(10))));
    long startNanos = System.nanoTime();

    director.terminate();

    assertThat(failure.orTimeout(30, TimeUnit.SECONDS).join()).isInstanceOf(IllegalStateException.class)
        .hasMessage("this node stopped (" + director.address() + ") before 1 'test-gpu' actors were found");
    assertThat(Duration.ofNanos(System.nanoTime() - startNanos)).isLessThan(Duration.ofSeconds(30));
  }

  @Test
  void workerLeavesWhenItsDirectorFinishes() {
    ActorSystem<Void> director = started(ClusterNode.start(NodeSettings.director(), Behaviors.empty()));
    ActorSystem<Void> worker = started(ClusterNode.start(NodeSettings.worker(seedOf(director)), Behaviors.empty()));
    awaitUp(director, worker);

    director.terminate();

    awaitTerminated(worker);
    assertThat(CoordinatedShutdown.get(worker).getShutdownReason()).contains(NodeShutdownReason.DIRECTOR_LEFT);
    assertThat(ClusterNode.awaitTermination(worker)).isZero();
  }

  @Test
  void workerShutsDownWhenItsDirectorVanishes() {
    // a director that stops without leaving the cluster looks, to its workers, like a killed process
    System.setProperty("pekko.coordinated-shutdown.run-by-actor-system-terminate", "off");
    ConfigFactory.invalidateCaches();
    ActorSystem<Void> director;
    try {
      director = started(ClusterNode.start(NodeSettings.director(), Behaviors.empty()));
    } finally {
      System.clearProperty("pekko.coordinated-shutdown.run-by-actor-system-terminate");
      ConfigFactory.invalidateCaches();
    }
    ActorSystem<Void> worker = started(ClusterNode.start(NodeSettings.worker(seedOf(director)), Behaviors.empty()));
    awaitUp(director, worker);

    director.terminate();

    awaitTerminated(worker);
    assertThat(CoordinatedShutdown.get(worker).getShutdownReason()).contains(NodeShutdownReason.DIRECTOR_LOST);
    assertThat(ClusterNode.awaitTermination(worker)).isEqualTo(1);
  }

  @Test
  void nodeShutsDownWhenAHostedActorStops() {
    ActorSystem<Void> director = started(ClusterNode.start(NodeSettings.director(), Behaviors.empty()));
    ActorSystem<Void> worker = started(ClusterNode.start(NodeSettings.worker(seedOf(director)),
        ServiceHost.create(KEY, 2, index -> Behaviors.receiveMessage(message -> Behaviors.stopped()), "gpu")));
    List<ActorRef<String>> found = ServiceDiscovery.await(director, KEY, 2, UP_WITHIN);

    found.get(1).tell("stop");

    awaitTerminated(worker);
    assertThat(CoordinatedShutdown.get(worker).getShutdownReason()).contains(NodeShutdownReason.HOSTED_ACTOR_STOPPED);
    assertThat(ClusterNode.awaitTermination(worker)).isEqualTo(1);
  }

  private <T> ActorSystem<T> started(ActorSystem<T> system) {
    systems.add(system);
    return system;
  }

  private static Seed.At seedOf(ActorSystem<?> director) {
    Address address = addressOf(director);
    return new Seed.At(address.getHost().orElseThrow(), address.getPort().orElseThrow());
  }

  private static Address addressOf(ActorSystem<?> system) {
    return Cluster.get(system).selfMember().address();
  }

  private static void awaitUp(ActorSystem<?> director, ActorSystem<?> worker) {
    long deadline = System.nanoTime() + UP_WITHIN.toNanos();
    while (Cluster.get(director).state().members().size() < 2
        || Cluster.get(worker).selfMember().status() != MemberStatus.up()) {
      assertThat(System.nanoTime()).as("both nodes up within %s", UP_WITHIN).isLessThan(deadline);
      sleep();
    }
  }

  private static void awaitTerminated(ActorSystem<?> system) {
    try {
      system.getWhenTerminated().toCompletableFuture().get(60, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new AssertionError(system.name() + " did not shut itself down within 60 s", e);
    }
  }

  private static void sleep() {
    try {
      Thread.sleep(50);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }
}
