package io.ringmaster.actors.wire;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.esotericsoftware.kryo.Kryo;
import com.esotericsoftware.kryo.io.Output;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import io.ringmaster.kernels.HostTensor;
import java.io.ByteArrayOutputStream;
import java.nio.BufferOverflowException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.typed.ActorRefResolver;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class WireCodecTest {
  private static ActorTestKit testKit;
  private static WireCodec codec;

  @BeforeAll
  static void start() {
    testKit = ActorTestKit.create("wire-codec", ConfigFactory.load());
    codec = new WireCodec(WireRegistry.fromConfig(ConfigFactory.load(), WireCodecTest.class.getClassLoader()),
        () -> ActorRefResolver.get(testKit.system()));
  }

  @AfterAll
  static void stop() {
    testKit.shutdownTestKit();
  }

  @Test
  void tensorRoundTripKeepsEveryBit() {
    HostTensor tensor = WireSamples.tensorOfBytes(256 * 1024, 1);
    HostTensor copy = codec.decode(codec.encode(tensor), HostTensor.class);
    assertThat(copy.tokens()).isEqualTo(tensor.tokens());
    assertThat(copy.heads()).isEqualTo(8);
    assertThat(copy.headDim()).isEqualTo(128);
    assertThat(rawBits(copy.values())).isEqualTo(rawBits(tensor.values()));
  }

  @Test
  void bulkFloatsAreKryosOwnLittleEndianFormat() {
    // Kryo's per-element writer folds NaN payloads into one canonical NaN (floatToIntBits), so the two
    // agree on every other value; the bulk copy keeps NaN payloads too (tensorRoundTripKeepsEveryBit)
    float[] values = WireSamples.tensorOfBytes(4096, 2).values();
    values[1] = Float.NaN;
    Kryo stock = new Kryo();
    stock.register(float[].class, 10);
    Output stockOutput = new Output(64, -1);
    stock.writeObject(stockOutput, values);
    Kryo bulk = new Kryo();
    bulk.register(float[].class, 10);
    WireOutput bulkOutput = new WireOutput(ByteBuffer.allocate(values.length * Float.BYTES + 8));
    bulk.writeObject(bulkOutput, values);
    assertThat(bulkOutput.toBytes()).isEqualTo(stockOutput.toBytes());
  }

  @Test
  void encodesIntoAGivenBufferFromItsPosition() {
    HostTensor tensor = WireSamples.tensorOfBytes(4096, 3);
    ByteBuffer buffer = ByteBuffer.allocateDirect(64 * 1024).order(ByteOrder.LITTLE_ENDIAN);
    buffer.putLong(0x1122334455667788L);
    codec.encode(tensor, buffer);
    buffer.flip();
    assertThat(buffer.getLong()).isEqualTo(0x1122334455667788L);
    assertThat(rawBits(codec.decode(buffer, HostTensor.class).values())).isEqualTo(rawBits(tensor.values()));
    assertThat(buffer.remaining()).isZero();
  }

  @Test
  void tooSmallBufferIsTheOverflowArteryExpects() {
    HostTensor tensor = WireSamples.tensorOfBytes(64 * 1024, 4);
    assertThatThrownBy(() -> codec.encode(tensor, ByteBuffer.allocateDirect(32 * 1024)))
        .isInstanceOf(BufferOverflowException.class);
  }

  @Test
  void sizeIsCountedExactlyWithoutEncoding() {
    HostTensor tensor = WireSamples.tensorOfBytes(1024 * 1024, 5);
    WireSamples.Mixed mixed = new WireSamples.Mixed("sized", 7, 0.5, List.of(1, 2, 3), List.of(), java.util.Map.of("k", 9L),
        new int[] {4, 5}, WireSamples.Phase.BACKWARD, tensor, testKit.system().ignoreRef());
    for (Object message : List.of(tensor, mixed, new byte[300_000], "text")) {
      byte[] encoded = codec.encode(message);
      assertThat(codec.sizeOf(message)).as("size of %s", message.getClass().getSimpleName()).isEqualTo(encoded.length);
      ByteBuffer direct = ByteBuffer.allocateDirect(encoded.length + 8);
      codec.encode(message, direct);
      assertThat(direct.position()).isEqualTo(encoded.length);
    }
    assertThat(codec.sizeOf(tensor)).isBetween(1024L * 1024, 1024L * 1024 + 16);
  }

  @Test
  void unregisteredClassesAreRefusedByName() {
    record Stray(int value) {}
    assertThatThrownBy(() -> codec.encode(new Stray(1)))
        .hasMessageContaining(Stray.class.getName())
        .hasMessageContaining("ringmaster.wire.registrations");
    WireSamples.Stamp registered = new WireSamples.Stamp(1, WireSamples.Phase.FORWARD);
    assertThatThrownBy(() -> codec.encode(new Parcel(testKit.system().ignoreRef(), List.of(registered, new Stray(2)))))
        .hasMessageContaining(Stray.class.getName());
  }

  @Test
  void unknownWireIdNamesTheMismatch() {
    assertThatThrownBy(() -> codec.registry().classOf(4242))
        .hasMessageContaining("wire id 4242 is not registered");
  }

  @Test
  void registrationsAreValidated() {
    assertThatThrownBy(() -> registryOf("\"java.lang.Integer\" = 7"))
        .isInstanceOf(ConfigException.BadValue.class).hasMessageContaining("expected an id >= 100");
    assertThatThrownBy(() -> registryOf("\"java.lang.Integer\" = 300, \"java.lang.Long\" = 300"))
        .hasMessageContaining("id 300 is given to both");
    assertThatThrownBy(() -> registryOf("\"no.such.Type\" = 301"))
        .hasMessageContaining("no such class");
    assertThatThrownBy(() -> registryOf("\"java.lang.Integer\" = \"x\""))
        .hasMessageContaining("expected an integer wire id");
  }

  @Test
  void registryIsOrderedByIdAndMapsBothWays() {
    WireRegistry registry = registryOf("\"java.lang.Long\" = 301, \"java.lang.Integer\" = 300");
    List<Integer> ids = registry.registrations().stream().map(WireRegistration::id).toList();
    assertThat(ids).isSorted().contains(10, 30, 300, 301);
    assertThat(registry.classOf(300)).isEqualTo(Integer.class);
    assertThat(registry.idOf(Long.class)).isEqualTo(301);
  }

  private static WireRegistry registryOf(String registrations) {
    return WireRegistry.fromConfig(ConfigFactory.parseString("ringmaster.wire.registrations {" + registrations + "}"),
        WireCodecTest.class.getClassLoader());
  }

  static int[] rawBits(float[] values) {
    int[] bits = new int[values.length];
    for (int i = 0; i < values.length; i++) {
      bits[i] = Float.floatToRawIntBits(values[i]);
    }
    return bits;
  }
}
