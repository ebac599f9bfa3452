package io.ringmaster.actors.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.ringmaster.actors.process.WorkerLaunch;
import io.ringmaster.actors.process.WorkerProcess;
import io.ringmaster.actors.process.WorkerProcesses;
import io.ringmaster.actors.wire.BulkMail;
import io.ringmaster.kernels.HostTensor;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Props;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.typed.Cluster;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * Real worker JVMs on loopback, joined to a director in this JVM. Starting JVMs is the slow part on
 * two shared cores, so the tests share one cluster: the ring exchange runs first, the test that
 * kills a worker last.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class LoopbackClusterTest {
  private static final int WORKERS = 3;
  private static final Duration JOIN_TIMEOUT = Duration.ofSeconds(90);
  private static final Duration DISCOVERY_TIMEOUT = Duration.ofSeconds(30);
  /** heartbeat 0.5 s + acceptable pause 2 s + phi margin + gossip: about 3-4 s; generous for 2 shared cores */
  private static final Duration LOSS_NOTICED_WITHIN = Duration.ofSeconds(20);

  @TempDir
  static Path logs;
  private ActorSystem<Void> director;
  private WorkerProcesses workers;

  @BeforeAll
  void startCluster() throws Exception {
    director = ClusterNode.start(NodeSettings.director(), Behaviors.empty());
    int seedPort = Cluster.get(director).selfMember().address().getPort().orElseThrow();
    workers = WorkerProcesses.start(new WorkerLaunch(WORKERS, RingRelayWorker.class.getName(),
        index -> List.of("127.0.0.1:" + seedPort, "1"),
        List.of("-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1"), logs.resolve("workers.log"), "worker"));
    workers.awaitJoined(director, JOIN_TIMEOUT);
  }

  @AfterAll
  void stopCluster() {
    if (workers != null) {
      List<WorkerProcess> killed = workers.stop(WorkerProcesses.DEFAULT_STOP_GRACE);
      assertThat(killed).as("workers that ignored SIGTERM").isEmpty();
      assertThat(workers.workers()).noneMatch(WorkerProcess::isAlive);
    }
    director.terminate();
    director.getWhenTerminated().toCompletableFuture().join();
  }

  @Test
  @Order(1)
  void multiMegabyteTensorGoesRoundTheRingAndBackBitForBit() {
    List<ActorRef<RingRelay.Command>> relays = discoverAndLinkRing();
    // larger than one frame, so every hop goes in chunks (the kill test below sends whole messages)
    HostTensor payload = randomTensor(12 * 1024 * 1024, 42);
    TestProbe<RingRelay.Hop> home = TestProbe.create(director);
    TestProbe<RingRelay.Forwarded> observer = TestProbe.create(director);

    BulkMail.get(director).send(relays.get(0),
        new RingRelay.Hop(relays.size() - 1, payload, List.of(), home.getRef(), observer.getRef()));

    RingRelay.Hop back = home.expectMessageClass(RingRelay.Hop.class, Duration.ofSeconds(60));
    assertThat(back.payload()).isNotSameAs(payload);
    assertThat(back.payload().tokens()).isEqualTo(payload.tokens());
    assertThat(rawBits(back.payload().values())).isEqualTo(rawBits(payload.values()));
    List<Long> ringPids = relays.stream().map(this::pidOf).toList();
    assertThat(back.pids()).containsExactlyElementsOf(ringPids).doesNotHaveDuplicates()
        .doesNotContain(ProcessHandle.current().pid());
  }

  @Test
  @Order(2)
  void killedWorkerIsReportedWithTheActorsItHosted() {
    List<ActorRef<RingRelay.Command>> relays = discoverAndLinkRing();
    TestProbe<MemberLossWatch.MemberLost> losses = TestProbe.create(director);
    ActorRef<MemberLossWatch.Command> watch = director.systemActorOf(MemberLossWatch.create(losses.getRef()),
        "loss-watch", Props.empty());
    watch.tell(new MemberLossWatch.Track(relays));
    TestProbe<RingRelay.Hop> home = TestProbe.create(director);
    TestProbe<RingRelay.Forwarded> observer = TestProbe.create(director);
    BulkMail.get(director).send(relays.get(0), new RingRelay.Hop(10_000, randomTensor(2 * 1024 * 1024, 7),
        List.of(), home.getRef(), observer.getRef()));
    for (int hop = 0; hop < 2 * WORKERS; hop++) {
      observer.expectMessageClass(RingRelay.Forwarded.class, Duration.ofSeconds(30));
    }

    WorkerProcess victim = workers.worker(1);
    long killedAtNanos = System.nanoTime();
    workers.kill(1);

    MemberLossWatch.MemberLost lost = losses.expectMessageClass(MemberLossWatch.MemberLost.class, LOSS_NOTICED_WITHIN);
    Duration noticedAfter = Duration.ofNanos(System.nanoTime() - killedAtNanos);
    System.out.println("killed worker noticed after " + noticedAfter.toMillis() + " ms");
    assertThat(lost.address()).isEqualTo(victim.address().orElseThrow());
    assertThat(lost.cause()).isEqualTo(MemberLossWatch.Cause.UNREACHABLE);
    assertThat(lost.members()).containsExactlyElementsOf(
        relays.stream().filter(relay -> relay.path().address().equals(lost.address())).toList()).hasSize(1);
    assertThat(victim.isAlive()).isFalse();
    home.expectNoMessage(Duration.ofMillis(200));
  }

  private List<ActorRef<RingRelay.Command>> discoverAndLinkRing() {
    List<ActorRef<RingRelay.Command>> relays = ServiceDiscovery.await(director, RingRelay.KEY, WORKERS, DISCOVERY_TIMEOUT);
    assertThat(relays).hasSize(WORKERS);
    TestProbe<RingRelay.Configured> configured = TestProbe.create(director);
    for (int rank = 0; rank < relays.size(); rank++) {
      relays.get(rank).tell(new RingRelay.Configure(relays.get((rank + 1) % relays.size()), configured.getRef()));
    }
    List<ActorRef<RingRelay.Command>> confirmed = new ArrayList<>();
    for (int rank = 0; rank < relays.size(); rank++) {
      confirmed.add(configured.expectMessageClass(RingRelay.Configured.class, Duration.ofSeconds(10)).relay());
    }
    assertThat(confirmed).containsExactlyInAnyOrderElementsOf(relays);
    return relays;
  }

  private long pidOf(ActorRef<?> relay) {
    return workers.workers().stream()
        .filter(worker -> worker.address().orElseThrow().equals(relay.path().address()))
        .findFirst().orElseThrow().pid();
  }

  static HostTensor randomTensor(int bytes, long seed) {
    int heads = 8;
    int headDim = 128;
    HostTensor tensor = HostTensor.zeros(bytes / (Float.BYTES * heads * headDim), heads, headDim);
    Random random = new Random(seed);
    float[] values = tensor.values();
    for (int i = 0; i < values.length; i++) {
      values[i] = random.nextFloat() * 2 - 1;
    }
    return tensor;
  }

  static int[] rawBits(float[] values) {
    int[] bits = new int[values.length];
    for (int i = 0; i < values.length; i++) {
      bits[i] = Float.floatToRawIntBits(values[i]);
    }
    return bits;
  }
}
