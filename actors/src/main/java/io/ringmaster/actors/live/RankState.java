package io.ringmaster.actors.live;

import io.ringmaster.actors.live.MemoryMeter.Entry;
import io.ringmaster.actors.protocol.KvTensors;
import io.ringmaster.actors.protocol.LayerResult;
import io.ringmaster.actors.protocol.ShardData;
import io.ringmaster.actors.protocol.ShardSpec;
import io.ringmaster.actors.wire.BulkMail;
import io.ringmaster.kernels.AttentionBackend;
import io.ringmaster.kernels.HostTensor;
import io.ringmaster.kernels.RotaryEmbedding;
import io.ringmaster.kernels.Tensor;
import io.ringmaster.kernels.layout.ShardLayout;
import io.ringmaster.kernels.layout.Sharding;
import io.ringmaster.kernels.ring.KvBlock;
import io.ringmaster.kernels.ring.RankBackward;
import io.ringmaster.kernels.ring.RankGradients;
import io.ringmaster.kernels.ring.RingRank;
import io.ringmaster.kernels.ring.RingSetup;
import io.ringmaster.kernels.ring.TravellingGradients;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * One live rank's tensors for one shard, on its GPU's compute stream: each layer's {@link RingRank}
 * from its forward to its backward, the blocks uploaded and the gradients this rank adds while a pass
 * runs. The ring-step logic is the kernels' ({@link RingRank}, {@link RankBackward}); this class only
 * feeds it the blocks that arrive over the wire and hands back what must travel on.
 */
final class RankState implements AutoCloseable {
  private static final int FP32_BYTES = 4;

  private final AttentionBackend backend;
  private final ShardSpec shard;
  private final RingSetup setup;
  private final List<ShardData.LayerRows> rows;
  private final ShardData data;
  private final MemoryMeter memory;
  private final BulkMail mail;
  private final Map<Integer, Layer> layers = new HashMap<>();

  /** A layer from its forward to the end of its backward. */
  private static final class Layer {
    final RingRank rank;
    final KvTensors own;
    final long activationBytes;
    RankBackward backward;
    long backwardBytes;
    final Map<Integer, TravellingGradients> contributions = new HashMap<>();
    final Map<Integer, KvBlock> uploaded = new HashMap<>();

    Layer(RingRank rank, KvTensors own, long activationBytes) {
      this.rank = rank;
      this.own = own;
      this.activationBytes = activationBytes;
    }
  }

  RankState(AttentionBackend backend, ShardSpec shard, ShardData data, MemoryMeter memory, BulkMail mail) {
    if (shard.elementBytes() != FP32_BYTES) {
      throw new IllegalArgumentException("live mode computes and sends fp32 (4-byte) elements; the shard of GPU "
          + shard.gpu() + " asks for " + shard.elementBytes() + "-byte ones");
    }
    this.backend = backend;
    this.shard = shard;
    this.data = data;
    this.memory = memory;
    this.mail = mail;
    Sharding sharding = new Sharding(ShardLayout.valueOf(shard.layout().name()), shard.ringSize(),
        Math.toIntExact(shard.tokensPerRank() * shard.ringSize()));
    if (data instanceof ShardData.Seeded seeded) {
      this.setup = new RingSetup(sharding, shard.masking(), new RotaryEmbedding(seeded.ropeTheta()));
      this.rows = SeededRows.draw(seeded.seed(), seeded.layers(), shard);
    } else if (data instanceof ShardData.Given given) {
      this.setup = new RingSetup(sharding, shard.masking(), new RotaryEmbedding(given.ropeTheta()));
      this.rows = given.layers();
    } else {
      throw new IllegalArgumentException("a live GPU needs rows to compute on; GPU " + shard.gpu() + " got " + data);
    }
  }

  /** Uploads the layer's rows and applies RoPE; keeps the rotated K and V for the ring. */
  void prepareLayer(int layer) {
    if (layer >= rows.size()) {
      throw new IllegalArgumentException("GPU " + shard.gpu() + " has rows for " + rows.size() + " layers, not layer "
          + layer);
    }
    ShardData.LayerRows layerRows = rows.get(layer);
    RingRank rank = RingRank.start(backend, setup, shard.rank(), layerRows.q(), layerRows.k(), layerRows.v());
    KvTensors own = new KvTensors(rank.ownBlock().k().toHost(), layerRows.v());
    // Q (the same shape as the output), own K and V, the running output and LSE, and K, V on the host
    long bytes = 2 * rank.attention().out().bytes() + rank.attention().lse().bytes() + rank.ownBlock().k().bytes()
        + rank.ownBlock().v().bytes() + own.bytes();
    memory.hold(Entry.ACTIVATIONS, bytes);
    layers.put(layer, new Layer(rank, own, bytes));
  }

  KvTensors ownBlock(int layer) {
    return layer(layer).own;
  }

  void forwardBlock(int layer, int step, KvTensors received) {
    RingRank rank = layer(layer).rank;
    if (step == 0) {
      rank.forwardStep(rank.ownBlock());
    } else {
      KvBlock block = upload(step, received);
      try {
        rank.forwardStep(block);
      } finally {
        free(block);
      }
    }
    for (int next = step + 1; next < shard.ringSize() && shard.block(next).isEmpty(); next++) {
      rank.skipMaskedBlock(owner(next));
    }
  }

  void backwardBlock(int layer, int step, KvTensors received) {
    Layer state = layer(layer);
    if (state.backward == null) {
      HostTensor dOut = rows.get(layer).dOut();
      state.backward = state.rank.startBackward(dOut);
      // the output gradient and the fp32 dQ accumulator, both shaped like Q
      state.backwardBytes = (long) FP32_BYTES * dOut.values().length;
      memory.hold(Entry.WORKING_SET, state.backwardBytes);
      memory.hold(Entry.RING_BUFFERS, state.backwardBytes);
    }
    KvBlock block = step == 0 ? state.rank.ownBlock() : upload(step, received);
    if (step > 0) {
      state.uploaded.put(step, block);
    }
    TravellingGradients contribution = state.backward.contribute(block);
    memory.hold(Entry.RING_BUFFERS, contribution.dk().bytes() + contribution.dv().bytes());
    state.contributions.put(step, contribution);
    for (int next = step + 1; next < shard.ringSize() && shard.block(next).isEmpty(); next++) {
      state.backward.skipMaskedBlock(owner(next));
    }
  }

  /**
   * The dK,dV to send on at {@code step}: the ones that came from the previous rank ({@code null} at
   * step 0) plus this rank's contribution (none when the block was fully masked here).
   */
  KvTensors gradientsToPass(int layer, int step, KvTensors travelling) {
    Layer state = layer(layer);
    TravellingGradients contribution = state.contributions.remove(step);
    KvBlock block = state.uploaded.remove(step);
    if (travelling != null) {
      memory.release(Entry.RING_BUFFERS, travelling.bytes());
    }
    if (contribution == null) {
      return travelling;
    }
    memory.release(Entry.RING_BUFFERS, contribution.dk().bytes() + contribution.dv().bytes());
    try (TravellingGradients sum = travelling == null ? contribution : state.backward.accumulate(
        new TravellingGradients(contribution.block(), backend.upload(travelling.keys()),
            backend.upload(travelling.values())), contribution)) {
      return new KvTensors(sum.dk().toHost(), sum.dv().toHost());
    } finally {
      if (block != null) {
        free(block);
      }
    }
  }

  /**
   * Takes the rank's own dK,dV home ({@code null} in a ring of one, where they never left), applies the
   * RoPE gradient, sends the layer's results where the data asks for them, and frees the layer.
   */
  void finishLayer(int layer, KvTensors home) {
    Layer state = layers.remove(layer);
    if (state == null || state.backward == null) {
      throw new IllegalStateException("GPU " + shard.gpu() + " finishes layer " + layer + " before its backward");
    }
    TravellingGradients own;
    if (home == null) {
      own = state.contributions.remove(0);
      memory.release(Entry.RING_BUFFERS, own.dk().bytes() + own.dv().bytes());
    } else {
      memory.release(Entry.RING_BUFFERS, home.bytes());
      own = new TravellingGradients(state.rank.ownBlock(), backend.upload(home.keys()), backend.upload(home.values()));
    }
    RankGradients gradients = state.backward.finish(own);
    if (data instanceof ShardData.Given given) {
      mail.send(given.resultsTo(), new LayerResult(shard.ring(), shard.rank(), layer,
          state.rank.attention().out().toHost(), state.rank.attention().lse().toHost(), gradients.dq(),
          gradients.dk(), gradients.dv()));
    }
    close(state);
  }

  @Override
  public void close() {
    layers.values().forEach(this::close);
    layers.clear();
  }

  private void close(Layer state) {
    state.contributions.values().forEach(contribution -> {
      memory.release(Entry.RING_BUFFERS, contribution.dk().bytes() + contribution.dv().bytes());
      contribution.close();
    });
    state.uploaded.values().forEach(this::free);
    if (state.backward != null) {
      state.backward.close();
      memory.release(Entry.WORKING_SET, state.backwardBytes);
      memory.release(Entry.RING_BUFFERS, state.backwardBytes);
    }
    state.rank.close();
    memory.release(Entry.ACTIVATIONS, state.activationBytes);
  }

  private Layer layer(int layer) {
    Layer state = layers.get(layer);
    if (state == null) {
      throw new IllegalStateException("GPU " + shard.gpu() + " has no state for layer " + layer
          + " (its RoPE work comes first)");
    }
    return state;
  }

  /** The block held at {@code step}, received over the wire, on the device; its host copy is freed. */
  private KvBlock upload(int step, KvTensors received) {
    int owner = owner(step);
    Tensor k = backend.upload(received.keys());
    Tensor v = backend.upload(received.values());
    memory.release(Entry.RING_BUFFERS, received.bytes());
    memory.hold(Entry.RING_BUFFERS, k.bytes() + v.bytes());
    return new KvBlock(owner, setup.sharding().positions(owner), k, v);
  }

  private void free(KvBlock block) {
    memory.release(Entry.RING_BUFFERS, block.k().bytes() + block.v().bytes());
    block.k().close();
    block.v().close();
  }

  /** At ring step s rank r holds the block of rank r - s. */
  private int owner(int step) {
    return Math.floorMod(shard.rank() - step, shard.ringSize());
  }
}
