package io.ringmaster.actors.wire;

import static org.assertj.core.api.Assertions.assertThat;

import com.typesafe.config.ConfigFactory;
import io.ringmaster.actors.bench.BenchSink;
import io.ringmaster.actors.cluster.RingRelay;
import io.ringmaster.actors.gpu.GpuActor;
import io.ringmaster.actors.protocol.BlockContent;
import io.ringmaster.actors.protocol.BlockReport;
import io.ringmaster.actors.protocol.BlockShape;
import io.ringmaster.actors.protocol.CollectiveKind;
import io.ringmaster.actors.protocol.DenseKind;
import io.ringmaster.actors.protocol.GpuStepReport;
import io.ringmaster.actors.protocol.HostDirection;
import io.ringmaster.actors.protocol.KvTensors;
import io.ringmaster.actors.protocol.LayerResult;
import io.ringmaster.actors.protocol.MemoryHeld;
import io.ringmaster.actors.protocol.Pass;
import io.ringmaster.actors.protocol.PayloadSize;
import io.ringmaster.actors.protocol.RingLayout;
import io.ringmaster.actors.protocol.ShardData;
import io.ringmaster.actors.protocol.ShardSpec;
import io.ringmaster.actors.protocol.StepOp;
import io.ringmaster.actors.protocol.StepProgram;
import io.ringmaster.actors.protocol.Work;
import io.ringmaster.actors.stage.StageDirector;
import io.ringmaster.kernels.HeadLayout;
import io.ringmaster.kernels.HostTensor;
import io.ringmaster.kernels.Masking;
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
    return List.of(List.of(
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
        new BenchSink.TcpEndpoint(40_000)),
        protocolSamples(tensorWithoutNaN)).stream().flatMap(List::stream).toList();
  }

  /** Every GPU-actor and stage-director message, and every value they carry. */
  private static List<Object> protocolSamples(HostTensor tensor) {
    ActorRef<GpuActor.Command> gpu = TestProbe.<GpuActor.Command>create(testKit.system()).getRef();
    ActorRef<StageDirector.Command> director = TestProbe.<StageDirector.Command>create(testKit.system()).getRef();
    ActorRef<LayerResult> results = TestProbe.<LayerResult>create(testKit.system()).getRef();
    HeadLayout heads = new HeadLayout(8, 2, 64);
    ShardSpec shard = new ShardSpec("8K", 3, 0, 3, 4, 2048, RingLayout.ZIGZAG, Masking.CAUSAL, heads, 4, 1L << 33);
    BlockShape shape = new BlockShape(2048, 1024, 2048L * 1024, false);
    StepProgram program = new StepProgram(List.of(
        new StepOp.Compute(new Work.Dense(DenseKind.ROPE, 1, Pass.FORWARD, 0, 3.5e6)),
        new StepOp.RingAttention(Pass.BACKWARD, 1),
        new StepOp.PostCollective(CollectiveKind.REDUCE_SCATTER, 1, 1L << 20, 0, 4096),
        new StepOp.AwaitCollective(1),
        new StepOp.AwaitAllCollectives(),
        new StepOp.HostCopy(HostDirection.GPU_TO_HOST, 1 << 16),
        new StepOp.Memory(-(1L << 20)),
        new StepOp.Compute(new Work.AttentionBlock(Pass.RECOMPUTE, 2, 3, shape)),
        new StepOp.Compute(new Work.OptimizerStep(1_000_000, true))));
    ShardData.LayerRows rows = new ShardData.LayerRows(tensor, tensor, tensor, tensor);
    GpuStepReport report = new GpuStepReport(3, 0, 3, 1, 1.7e9, 1.7e9 + 12.5, 9.0, 0, 3.5, 0, 0, 32, 1L << 28,
        1L << 30, false, List.of(new MemoryHeld("activations", 1L << 29), new MemoryHeld("ringBuffers", 1L << 24)));
    BlockReport block = new BlockReport(3, Pass.FORWARD, 0, 2, 1.7e9, 1.7e9 + 0.25);
    List<Object> samples = new ArrayList<>(program.ops());
    program.ops().stream().filter(StepOp.Compute.class::isInstance).map(op -> ((StepOp.Compute) op).work())
        .forEach(samples::add);
    samples.addAll(List.of(
        new GpuActor.AssignShard(shard, program, director, gpu, new ShardData.Given(500_000, List.of(rows), results)),
        new GpuActor.AssignShard(shard, program, director, gpu, new ShardData.Seeded(7, 4, 1e6)),
        new GpuActor.AssignShard(shard, program, director, gpu, ShardData.SIZES_ONLY),
        new GpuActor.RunStep(2, true),
        new GpuActor.KvBlock(0, 2, 1, 3, Pass.BACKWARD, BlockContent.KEY_VALUE_GRADIENTS, new KvTensors(tensor, tensor)),
        new GpuActor.KvBlock(0, 2, 1, 3, Pass.FORWARD, BlockContent.KEYS_VALUES, new PayloadSize(1L << 21)),
        new StageDirector.ShardAssigned(3, gpu),
        new StageDirector.StepDone(report),
        new StageDirector.BlockDone(block),
        shard, program, shape, Pass.RECOMPUTE, BlockContent.KEYS_VALUES, DenseKind.AFTER_ATTENTION,
        CollectiveKind.ALL_GATHER, HostDirection.HOST_TO_GPU, RingLayout.STRIPE, Masking.NONE, heads, report, block,
        new MemoryHeld("recomputeWorkingSet", 1024), new PayloadSize(8), new KvTensors(tensor, tensor),
        ShardData.SIZES_ONLY, new ShardData.Seeded(1, 2, 1e4), new ShardData.Given(1e4, List.of(rows), results), rows,
        new LayerResult(0, 3, 1, tensor, tensor, tensor, tensor, tensor)));
    return samples;
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
