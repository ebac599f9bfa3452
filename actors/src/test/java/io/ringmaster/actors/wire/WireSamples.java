package io.ringmaster.actors.wire;

import io.ringmaster.kernels.HostTensor;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.pekko.actor.typed.ActorRef;

/** Test-only wire types (registered in src/test/resources/application.conf) and sample tensors. */
final class WireSamples {
  enum Phase { FORWARD, BACKWARD }

  record Stamp(int step, Phase phase) {}

  /** Every kind of field a protocol message is likely to have. */
  record Mixed(String name, long bytes, double seconds, List<Integer> ranks, List<Stamp> stamps, Map<String, Long> ledger,
               int[] shape, Phase phase, HostTensor tensor, ActorRef<Echo> replyTo) implements WireMessage {}

  record Echo(HostTensor tensor, ActorRef<Echo> replyTo) implements WireMessage {}

  private WireSamples() {}

  /** A tensor of {@code bytes} (a multiple of 4 KiB) with random values plus the awkward floats. */
  static HostTensor tensorOfBytes(long bytes, long seed) {
    int headDim = 128;
    int heads = 8;
    int tokens = Math.toIntExact(bytes / (Float.BYTES * heads * headDim));
    HostTensor tensor = HostTensor.zeros(tokens, heads, headDim);
    Random random = new Random(seed);
    float[] values = tensor.values();
    for (int i = 0; i < values.length; i++) {
      values[i] = (float) random.nextGaussian();
    }
    float[] awkward = {Float.NaN, Float.intBitsToFloat(0x7fc00123), -0.0f, Float.MIN_VALUE, Float.MAX_VALUE,
        Float.NEGATIVE_INFINITY, Float.POSITIVE_INFINITY};
    System.arraycopy(awkward, 0, values, 0, Math.min(awkward.length, values.length));
    return tensor;
  }
}
