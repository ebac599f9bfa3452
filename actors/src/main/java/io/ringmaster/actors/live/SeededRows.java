package io.ringmaster.actors.live;

import io.ringmaster.actors.protocol.ShardData;
import io.ringmaster.actors.protocol.ShardSpec;
import io.ringmaster.kernels.HeadLayout;
import io.ringmaster.kernels.HostTensor;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.random.RandomGenerator;

/**
 * Standard-normal rows for a live rank, the same for the same seed, layer and rank: the activations
 * that the dense layers will produce once they are real.
 */
public final class SeededRows {
  private SeededRows() {}

  static List<ShardData.LayerRows> draw(long seed, int layers, ShardSpec shard) {
    HeadLayout heads = shard.heads();
    int tokens = Math.toIntExact(shard.tokensPerRank());
    List<ShardData.LayerRows> rows = new ArrayList<>(layers);
    for (int layer = 0; layer < layers; layer++) {
      // one stream per (layer, ring, rank); SplittableRandom mixes its seed, so near seeds give unrelated streams
      SplittableRandom random = new SplittableRandom(seed * 1_000_003L + ((long) layer << 40)
          + ((long) shard.ring() << 20) + shard.rank());
      rows.add(new ShardData.LayerRows(
          normal(random, tokens, heads.queryHeads(), heads.headDim()),
          normal(random, tokens, heads.kvHeads(), heads.headDim()),
          normal(random, tokens, heads.kvHeads(), heads.headDim()),
          normal(random, tokens, heads.queryHeads(), heads.headDim())));
    }
    return rows;
  }

  /** A tensor of standard-normal fp32 values drawn from {@code random}, in order. */
  public static HostTensor normal(RandomGenerator random, int tokens, int heads, int headDim) {
    float[] values = new float[tokens * heads * headDim];
    for (int i = 0; i < values.length; i++) {
      values[i] = (float) random.nextGaussian();
    }
    return new HostTensor(tokens, heads, headDim, values);
  }
}
