package io.ringmaster.actors.wire;

import static org.assertj.core.api.Assertions.assertThat;

import com.typesafe.config.ConfigFactory;
import io.ringmaster.actors.bench.BenchSink;
import io.ringmaster.actors.cluster.RingRelay;
import io.ringmaster.kernels.HostTensor;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.serialization.Serialization;
import org.apache.pekko.serialization.SerializationExtension;
import org.apache.pekko.serialization.Serializers;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class WireSerializerTest {
  private static ActorTestKit testKit;
  private static Serialization serialization;

  @BeforeAll
  static void start() {
    testKit = ActorTestKit.create("wire-serializer", ConfigFactory.load());
    serialization = SerializationExtension.get(Adapter.toClassic(testKit.system()));
  }

  @AfterAll
  static void stop() {
    testKit.shutdownTestKit();
  }

  /** One sample per registered class; a registration added without a sample here fails the test below. */
  private static List<Object> samples() {
    ActorRef<WireSamples.Echo> echoRef = TestProbe.<WireSamples.Echo>create(testKit.system()).getRef();
    ActorRef<BulkOutbox.Command> outboxRef = TestProbe.<BulkOutbox.Command>create(testKit.system()).getRef();
    ActorRef<RingRelay.Command> relayRef = TestProbe.<RingRelay.Command>create(testKit.system()).getRef();
    WireSamples.Stamp stamp = new WireSamples.Stamp(3, WireSamples.Phase.BACKWARD);
    var tensor = WireSamples.tensorOfBytes(8192, 9);
    var tensorWithoutNaN = new HostTensor(1, 2, 3, new float[] {1, -2, 3.5f, 0, 1e-30f, 7});
    return List.of(
        new float[] {1.5f, -0f}, new int[] {1, -2}, new long[] {3L}, new double[] {0.25}, new byte[] {4, 5},
        new boolean[] {true}, new String[] {"a", "b"}, new ArrayList<>(List.of(1, 2)), List.of(1, 2, 3), List.of("x"),
        Map.of(), Map.of("k", 1L), echoRef, tensorWithoutNaN,
        new Parcel(echoRef, new WireSamples.Echo(tensorWithoutNaN, echoRef)),
        new BulkInbox.Chunk(outboxRef, 7, 1, 3, 100, new byte[] {1, 2, 3}, 0, 3),
        new BulkInbox.Whole(outboxRef, 8, new Parcel(echoRef, stamp)),
        new BulkOutbox.Ack(7),
        new WireSamples.Mixed("mixed", 1L << 40, 0.125, List.of(1, 2), List.of(stamp), Map.of("weights", 42L),
            new int[] {2, 3}, WireSamples.Phase.FORWARD, tensorWithoutNaN, echoRef),
        WireSamples.Phase.FORWARD, stamp, new WireSamples.Echo(tensor, echoRef),
        new RingRelay.Configure(relayRef, TestProbe.<RingRelay.Configured>create(testKit.system()).getRef()),
        new RingRelay.Configured(relayRef),
        new RingRelay.Hop(2, tensorWithoutNaN, List.of(11L, 12L), TestProbe.<RingRelay.Hop>create(testKit.system()).getRef(),
            TestProbe.<RingRelay.Forwarded>create(testKit.system()).getRef()),
        new RingRelay.Forwarded(11L, 2),
        new BenchSink.Block(4, tensorWithoutNaN, TestProbe.<BenchSink.BlockReceived>create(testKit.system()).getRef()),
        new BenchSink.BlockReceived(4, 24),
        new BenchSink.DescribeTcp(TestProbe.<BenchSink.TcpEndpoint>create(testKit.system()).getRef()),
        new BenchSink.TcpEndpoint(40_000));
  }

  @Test
  void everyRegisteredClassRoundTrips() {
    WireCodec codec = BulkMail.codecOf(testKit.system());
    List<Object> samples = samples();
    for (WireRegistration registration : codec.registry().registrations()) {
      assertThat(samples).as("a sample of %s", registration.type().getName())
          .anyMatch(sample -> registration.type().isInstance(sample));
    }
    for (Object sample : samples) {
      Object copy = codec.decode(codec.encode(sample), sample.getClass());
      if (sample instanceof BulkInbox.Chunk) {
        continue; // a slice by design: chunkCarriesOnlyItsSliceOfTheSharedParcel
      }
      assertWireEqual(copy, sample);
    }
  }

  @Test
  void chunkCarriesOnlyItsSliceOfTheSharedParcel() {
    WireCodec codec = BulkMail.codecOf(testKit.system());
    ActorRef<BulkOutbox.Command> outbox = TestProbe.<BulkOutbox.Command>create(testKit.system()).getRef();
    byte[] parcel = {10, 11, 12, 13, 14, 15, 16};
    BulkInbox.Chunk slice = new BulkInbox.Chunk(outbox, 3, 1, 2, parcel.length, parcel, 4, 3);
    BulkInbox.Chunk arrived = codec.decode(codec.encode(slice), BulkInbox.Chunk.class);
    assertThat(arrived.source()).containsExactly(14, 15, 16);
    assertThat(arrived.offset()).isZero();
    assertThat(arrived.length()).isEqualTo(3);
    assertThat(arrived).usingRecursiveComparison().ignoringFields("source", "offset").isEqualTo(slice);
  }

  @Test
  void wireMessagesGoThroughPekkoWithTheWireSerializer() {
    for (Object sample : samples()) {
      if (!(sample instanceof WireMessage) || sample instanceof BulkInbox.Chunk) {
        continue;
      }
      var serializer = serialization.findSerializerFor(sample);
      assertThat(serializer).isInstanceOf(WireSerializer.class);
      assertThat(serializer.identifier()).isEqualTo(WireSerializer.IDENTIFIER);
      byte[] bytes = serialization.serialize(sample).get();
      String manifest = Serializers.manifestFor(serializer, sample);
      Object copy = serialization.deserialize(bytes, serializer.identifier(), manifest).get();
      assertWireEqual(copy, sample);
    }
  }

  @Test
  void javaSerializationIsOff() {
    record Plain(int value) implements java.io.Serializable {}
    assertThat(serialization.serialize(new Plain(1)).isFailure()).isTrue();
    assertThat(testKit.system().settings().config().getBoolean("pekko.actor.allow-java-serialization")).isFalse();
  }

  @Test
  void messagesSurviveSerializeMessagesOn() {
    ActorTestKit strict = ActorTestKit.create("wire-strict",
        ConfigFactory.parseString("pekko.actor.serialize-messages = on").withFallback(ConfigFactory.load()));
    try {
      ActorRef<WireSamples.Echo> echo = strict.spawn(Behaviors.receiveMessage(message -> {
        message.replyTo().tell(new WireSamples.Echo(message.tensor(), null));
        return Behaviors.same();
      }));
      TestProbe<WireSamples.Echo> probe = strict.createTestProbe();
      var tensor = WireSamples.tensorOfBytes(64 * 1024, 5);
      echo.tell(new WireSamples.Echo(tensor, probe.getRef()));
      WireSamples.Echo back = probe.receiveMessage();
      assertThat(back.tensor()).isNotSameAs(tensor);
      assertThat(WireCodecTest.rawBits(back.tensor().values())).isEqualTo(WireCodecTest.rawBits(tensor.values()));
    } finally {
      strict.shutdownTestKit();
    }
  }

  private static void assertWireEqual(Object copy, Object sample) {
    if (sample.getClass().isArray()) {
      assertThat(Objects.deepEquals(copy, sample)).as("%s round trip", sample.getClass().getSimpleName()).isTrue();
    } else if (sample instanceof ActorRef<?> || sample instanceof Enum<?>) {
      assertThat(copy).isEqualTo(sample);
    } else {
      // bit-for-bit floats: AssertJ's default float comparison has a tolerance and fails on NaN
      assertThat(copy).usingRecursiveComparison()
          .withEqualsForType((a, b) -> Float.floatToRawIntBits(a) == Float.floatToRawIntBits(b), Float.class)
          .withEqualsForType((a, b) -> Double.doubleToRawLongBits(a) == Double.doubleToRawLongBits(b), Double.class)
          .isEqualTo(sample);
    }
  }
}
