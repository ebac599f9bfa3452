package io.ringmaster.actors.wire;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import io.ringmaster.kernels.HostTensor;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorRefResolver;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Two remoting actor systems in this JVM, talking over loopback TCP. */
class BulkMailTest {
  private static final Duration DELIVERY_TIMEOUT = Duration.ofSeconds(30);
  private static ActorSystem<Void> sender;
  private static ActorSystem<Void> receiver;

  @BeforeAll
  static void start() {
    sender = remoteSystem("bulk-sender");
    receiver = remoteSystem("bulk-receiver");
  }

  @AfterAll
  static void stop() {
    sender.terminate();
    receiver.terminate();
    sender.getWhenTerminated().toCompletableFuture().join();
    receiver.getWhenTerminated().toCompletableFuture().join();
  }

  static ActorSystem<Void> remoteSystem(String name) {
    Config config = ConfigFactory.parseString("""
        pekko.actor.provider = remote
        pekko.remote.artery.canonical.hostname = 127.0.0.1
        pekko.remote.artery.canonical.port = 0
        ringmaster.wire.bulk.ack-timeout = 3 s
        """).withFallback(ConfigFactory.load());
    ActorSystem<Void> system = ActorSystem.create(Behaviors.empty(), name, config);
    BulkMail.get(system);
    return system;
  }

  @Test
  void tensorLargerThanAFrameArrivesBitForBitInBoundedChunks() {
    TestProbe<WireSamples.Echo> target = TestProbe.create(receiver);
    TestProbe<BulkOutbox.Delivery> deliveries = TestProbe.create(sender);
    int chunkBytes = BulkSettings.fromConfig(sender.settings().config()).chunkBytes();
    long tensorBytes = (chunkBytes * 5L / 2) / 4096 * 4096; // two and a half chunks
    HostTensor tensor = WireSamples.tensorOfBytes(tensorBytes, 11);

    BulkMail.get(sender).send(remote(target.getRef()), new WireSamples.Echo(tensor, remote(target.getRef())),
        deliveries.getRef());

    WireSamples.Echo received = target.expectMessageClass(WireSamples.Echo.class, DELIVERY_TIMEOUT);
    assertThat(WireCodecTest.rawBits(received.tensor().values())).isEqualTo(WireCodecTest.rawBits(tensor.values()));
    BulkOutbox.Delivered delivered = (BulkOutbox.Delivered) deliveries.receiveMessage(DELIVERY_TIMEOUT);
    assertThat(delivered.bytes()).isGreaterThan(tensorBytes);
    assertThat(delivered.pieces()).isEqualTo(3);
  }

  @Test
  void messageThatFitsAFrameGoesWhole() {
    TestProbe<WireSamples.Echo> target = TestProbe.create(receiver);
    TestProbe<BulkOutbox.Delivery> deliveries = TestProbe.create(sender);
    HostTensor tensor = WireSamples.tensorOfBytes(1024 * 1024, 12);

    BulkMail.get(sender).send(remote(target.getRef()), new WireSamples.Echo(tensor, remote(target.getRef())),
        deliveries.getRef());

    WireSamples.Echo received = target.expectMessageClass(WireSamples.Echo.class, DELIVERY_TIMEOUT);
    assertThat(WireCodecTest.rawBits(received.tensor().values())).isEqualTo(WireCodecTest.rawBits(tensor.values()));
    BulkOutbox.Delivered delivered = (BulkOutbox.Delivered) deliveries.receiveMessage(DELIVERY_TIMEOUT);
    assertThat(delivered.pieces()).isEqualTo(1);
    assertThat(delivered.bytes()).isBetween(1024L * 1024, 1024L * 1024 + 1024);
  }

  @Test
  void bulkMessagesToOneNodeArriveInTheOrderSent() {
    TestProbe<WireSamples.Mixed> target = TestProbe.create(receiver);
    ActorRef<WireSamples.Mixed> remoteTarget = remote(target.getRef());
    long[] sizes = {3L << 20, 4096, 2L << 20, 8192, 1L << 20};
    for (int i = 0; i < sizes.length; i++) {
      BulkMail.get(sender).send(remoteTarget, mixed("m" + i, WireSamples.tensorOfBytes(sizes[i], i)));
    }
    List<String> names = new ArrayList<>();
    for (long ignored : sizes) {
      names.add(target.expectMessageClass(WireSamples.Mixed.class, DELIVERY_TIMEOUT).name());
    }
    assertThat(names).containsExactly("m0", "m1", "m2", "m3", "m4");
  }

  @Test
  void targetOnThisNodeGetsTheObjectItself() {
    TestProbe<WireSamples.Echo> target = TestProbe.create(sender);
    TestProbe<BulkOutbox.Delivery> deliveries = TestProbe.create(sender);
    WireSamples.Echo echo = new WireSamples.Echo(WireSamples.tensorOfBytes(4096, 1), target.getRef());
    BulkMail.get(sender).send(target.getRef(), echo, deliveries.getRef());
    assertThat(target.receiveMessage(DELIVERY_TIMEOUT)).isSameAs(echo);
    assertThat(deliveries.receiveMessage(DELIVERY_TIMEOUT)).isEqualTo(new BulkOutbox.Delivered(target.getRef(), 0, 0));
  }

  @Test
  void unregisteredMessageIsReportedUndelivered() {
    record Stray(int value) {}
    TestProbe<Object> target = TestProbe.create(receiver);
    TestProbe<BulkOutbox.Delivery> deliveries = TestProbe.create(sender);
    BulkMail.get(sender).send(remote(target.getRef()), new Stray(1), deliveries.getRef());
    BulkOutbox.Undelivered undelivered = (BulkOutbox.Undelivered) deliveries.receiveMessage(DELIVERY_TIMEOUT);
    assertThat(undelivered.reason()).contains(Stray.class.getName(), "ringmaster.wire.registrations");
    target.expectNoMessage(Duration.ofMillis(300));
  }

  @Test
  void transferToAVanishedNodeIsGivenUpAfterTheAckTimeout() {
    ActorSystem<Void> doomed = remoteSystem("bulk-doomed");
    TestProbe<WireSamples.Echo> target = TestProbe.create(doomed);
    ActorRef<WireSamples.Echo> remoteTarget = remote(target.getRef(), doomed);
    doomed.terminate();
    doomed.getWhenTerminated().toCompletableFuture().join();
    TestProbe<BulkOutbox.Delivery> deliveries = TestProbe.create(sender);

    BulkMail.get(sender).send(remoteTarget, new WireSamples.Echo(WireSamples.tensorOfBytes(2 << 20, 3), null),
        deliveries.getRef());

    BulkOutbox.Undelivered undelivered = (BulkOutbox.Undelivered) deliveries.receiveMessage(Duration.ofSeconds(15));
    assertThat(undelivered.reason()).contains("no acknowledgement");
  }

  @Test
  void chunkThatCannotFitItsLaneIsRefusedAtStart() {
    long frameBytes = ConfigFactory.load().getBytes("pekko.remote.artery.advanced.maximum-large-frame-size");
    Config tooBig = ConfigFactory.parseString("ringmaster.wire.bulk.chunk-bytes = " + (frameBytes - 16 * 1024 + 1))
        .withFallback(ConfigFactory.load());
    assertThatThrownBy(() -> BulkSettings.fromConfig(tooBig))
        .isInstanceOf(ConfigException.BadValue.class).hasMessageContaining("chunk-bytes");
    Config ordinaryLane = ConfigFactory.parseString("""
        pekko.remote.artery.large-message-destinations = []
        ringmaster.wire.bulk.chunk-bytes = 250 KiB
        """).withFallback(ConfigFactory.load());
    assertThatThrownBy(() -> BulkSettings.fromConfig(ordinaryLane)).hasMessageContaining("262144");
  }

  private static WireSamples.Mixed mixed(String name, HostTensor tensor) {
    return new WireSamples.Mixed(name, 0, 0, List.of(), List.of(), java.util.Map.of(), new int[0],
        WireSamples.Phase.FORWARD, tensor, null);
  }

  /** The ref as the sender's node sees it: through its full address, as it would arrive in a message. */
  private static <T> ActorRef<T> remote(ActorRef<T> ref) {
    return remote(ref, receiver);
  }

  private static <T> ActorRef<T> remote(ActorRef<T> ref, ActorSystem<?> home) {
    String path = ActorRefResolver.get(home).toSerializationFormat(ref);
    return ActorRefResolver.get(sender).resolveActorRef(path);
  }
}
