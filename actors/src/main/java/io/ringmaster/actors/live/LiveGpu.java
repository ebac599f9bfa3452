package io.ringmaster.actors.live;

import io.ringmaster.actors.gpu.Collectives;
import io.ringmaster.actors.gpu.Device;
import io.ringmaster.actors.gpu.GpuActor;
import io.ringmaster.actors.gpu.GpuWiring;
import io.ringmaster.actors.gpu.RingTransport;
import io.ringmaster.actors.gpu.VirtualTime;
import io.ringmaster.actors.protocol.BlockContent;
import io.ringmaster.actors.protocol.DenseKind;
import io.ringmaster.actors.protocol.HostDirection;
import io.ringmaster.actors.protocol.KvTensors;
import io.ringmaster.actors.protocol.MemoryHeld;
import io.ringmaster.actors.protocol.Pass;
import io.ringmaster.actors.protocol.ShardData;
import io.ringmaster.actors.protocol.ShardSpec;
import io.ringmaster.actors.protocol.StepOp;
import io.ringmaster.actors.protocol.Work;
import io.ringmaster.actors.wire.BulkMail;
import io.ringmaster.actors.wire.BulkOutbox;
import io.ringmaster.kernels.AttentionBackend;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A live GPU actor's device and ring transport: real attention kernels on one {@link AttentionBackend}
 * of its own, real K,V (and dK,dV) bytes to the next rank through bulk mail, the wall clock.
 *
 * <p>Everything that touches tensors runs on one thread per GPU, its compute stream, in the order the
 * program runner asks for it: work, and the sends it posts between works (a send never waits behind a
 * block, since the runner posts exchanges only while no work runs). Work completes with a
 * {@link GpuActor.WorkCompleted}, a send with a {@link GpuActor.SendCompleted} once bulk mail has put
 * the block in the next rank's mailbox. The actor's thread keeps only the blocks received and not yet
 * used, keyed by pass, layer, step and content.
 */
public final class LiveGpu implements Device, RingTransport {
  private static final Logger LOG = LoggerFactory.getLogger(LiveGpu.class);
  private static final long CLOSE_WAIT_SECONDS = 30;

  /** Live programs post no data-parallel collectives or host copies until the dense layers are real. */
  private static final Collectives NO_COLLECTIVES = new Collectives() {
    @Override
    public void post(StepOp.PostCollective collective, int ordinal) {
      throw new UnsupportedOperationException("live mode runs no data-parallel collectives yet: " + collective);
    }

    @Override
    public void hostCopy(HostDirection direction, long bytes) {
      throw new UnsupportedOperationException("live mode runs no host copies yet: " + direction);
    }
  };

  private record BlockKey(Pass pass, int layer, int step, BlockContent content) {
    static BlockKey of(GpuActor.KvBlock block) {
      return new BlockKey(block.pass(), block.layer(), block.step(), block.content());
    }
  }

  private final ActorRef<GpuActor.Command> self;
  private final BulkMail mail;
  private final Queue<GpuActor.SendCompleted> sendsInFlight = new ConcurrentLinkedQueue<>();
  private final ActorRef<BulkOutbox.Delivery> receipts;
  private final ExecutorService stream;
  private final AttentionBackend backend;
  private final MemoryMeter memory = new MemoryMeter();
  private final Map<BlockKey, KvTensors> arrived = new HashMap<>();
  private ShardSpec shard;
  private ActorRef<GpuActor.Command> nextRank;
  /** Touched only on the stream. */
  private RankState state;

  private LiveGpu(ActorContext<GpuActor.Command> context, AttentionBackend backend) {
    this.self = context.getSelf();
    this.mail = BulkMail.get(context.getSystem());
    this.receipts = context.spawn(SendReceipts.create(self, sendsInFlight), "send-receipts");
    this.backend = backend;
    String name = context.getSelf().path().name();
    this.stream = Executors.newSingleThreadExecutor(runnable -> {
      Thread thread = new Thread(runnable, "ringmaster-stream-" + name);
      thread.setDaemon(true);
      return thread;
    });
  }

  /** The wiring of a live GPU actor: {@code GpuActor.create(context -> LiveGpu.wiring(context, backends))}. */
  public static GpuWiring wiring(ActorContext<GpuActor.Command> context, Supplier<AttentionBackend> backends) {
    LiveGpu gpu = new LiveGpu(context, backends.get());
    return new GpuWiring(gpu, gpu, NO_COLLECTIVES, VirtualTime.NONE);
  }

  @Override
  public void assign(ShardSpec newShard, ShardData data) {
    shard = newShard;
    arrived.values().forEach(payload -> memory.release(MemoryMeter.Entry.RING_BUFFERS, payload.bytes()));
    arrived.clear();
    // rows are drawn before the step starts, so that no work's time includes them
    awaitOnStream(() -> {
      if (state != null) {
        state.close();
      }
      state = new RankState(backend, newShard, data, memory, mail);
    });
  }

  @Override
  public void connect(ActorRef<GpuActor.Command> next) {
    nextRank = next;
  }

  @Override
  public void start(Work work) {
    if (work instanceof Work.AttentionBlock block) {
      startBlock(block);
    } else if (work instanceof Work.Dense dense && dense.kind() == DenseKind.ROPE) {
      startRope(dense);
    } else {
      self.tell(new GpuActor.DeviceFailed("live mode cannot run " + work + " yet (only RoPE and ring attention)"));
    }
  }

  private void startRope(Work.Dense rope) {
    int layer = rope.layer();
    if (rope.pass() == Pass.FORWARD) {
      startOnStream(() -> state.prepareLayer(layer));
    } else {
      KvTensors home = shard.ringSize() == 1 ? null : take(Pass.BACKWARD, layer, shard.ringSize() - 1,
          BlockContent.KEY_VALUE_GRADIENTS);
      startOnStream(() -> state.finishLayer(layer, home));
    }
  }

  private void startBlock(Work.AttentionBlock work) {
    int step = work.step();
    KvTensors received = step == 0 ? null : take(work.pass(), work.layer(), step - 1, BlockContent.KEYS_VALUES);
    if (work.pass() == Pass.BACKWARD) {
      startOnStream(() -> state.backwardBlock(work.layer(), step, received));
    } else if (work.pass() == Pass.FORWARD) {
      startOnStream(() -> state.forwardBlock(work.layer(), step, received));
    } else {
      self.tell(new GpuActor.DeviceFailed("live mode keeps each layer's attention state from forward to backward;"
          + " its programs have no " + work.pass() + " pass"));
    }
  }

  @Override
  public long nowTicks() {
    return LiveClock.nowTicks();
  }

  @Override
  public double secondsPerTick() {
    return LiveClock.SECONDS_PER_TICK;
  }

  @Override
  public void exchange(GpuActor.KvBlock outgoing) {
    int step = outgoing.step();
    int layer = outgoing.layer();
    if (outgoing.content() == BlockContent.KEYS_VALUES) {
      if (step == 0) {
        onStream(() -> send(outgoing.withPayload(state.ownBlock(layer)), 0));
        return;
      }
      // later steps pass on the block received at the step before; the block's work takes it, unless
      // the block is fully masked here and has no work
      BlockKey held = new BlockKey(outgoing.pass(), layer, step - 1, BlockContent.KEYS_VALUES);
      boolean computed = !shard.block(step).isEmpty();
      KvTensors passedOn = computed ? peek(held) : take(held);
      onStream(() -> send(outgoing.withPayload(passedOn), computed ? 0 : passedOn.bytes()));
    } else {
      KvTensors travelling = step == 0 ? null : take(Pass.BACKWARD, layer, step - 1, BlockContent.KEY_VALUE_GRADIENTS);
      onStream(() -> send(outgoing.withPayload(state.gradientsToPass(layer, step, travelling)), 0));
    }
  }

  @Override
  public void received(GpuActor.KvBlock block) {
    if (!(block.payload() instanceof KvTensors payload)) {
      self.tell(new GpuActor.DeviceFailed("a live GPU got a block without tensors: " + block));
      return;
    }
    int usedAt = block.step() + 1;
    boolean unused = block.content() == BlockContent.KEYS_VALUES && usedAt == shard.ringSize() - 1
        && shard.block(usedAt).isEmpty();
    if (unused) {
      return; // the last block of a pass that is fully masked here: neither computed nor passed on
    }
    memory.hold(MemoryMeter.Entry.RING_BUFFERS, payload.bytes());
    arrived.put(BlockKey.of(block), payload);
  }

  @Override
  public List<MemoryHeld> takeMemoryPeak() {
    return memory.takePeak();
  }

  @Override
  public void close() {
    stream.execute(() -> {
      if (state != null) {
        state.close();
      }
      backend.close();
    });
    stream.shutdown();
    try {
      stream.awaitTermination(CLOSE_WAIT_SECONDS, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private KvTensors take(Pass pass, int layer, int step, BlockContent content) {
    return take(new BlockKey(pass, layer, step, content));
  }

  private KvTensors take(BlockKey key) {
    KvTensors payload = peek(key);
    arrived.remove(key);
    return payload;
  }

  private KvTensors peek(BlockKey key) {
    KvTensors payload = arrived.get(key);
    if (payload == null) {
      throw new IllegalStateException("GPU " + shard.gpu() + " has no " + key + " from the previous rank");
    }
    return payload;
  }

  /** Sends a block to the next rank; {@code releasedBytes} of ring buffers are free once it is handed on. */
  private void send(GpuActor.KvBlock block, long releasedBytes) {
    sendsInFlight.add(GpuActor.SendCompleted.of(block));
    mail.send(nextRank, block, receipts);
    if (releasedBytes > 0) {
      memory.release(MemoryMeter.Entry.RING_BUFFERS, releasedBytes);
    }
  }

  /** Runs work on the stream and tells the actor when it is done. */
  private void startOnStream(Runnable work) {
    onStream(() -> {
      work.run();
      self.tell(GpuActor.WorkCompleted.INSTANCE);
    });
  }

  /** Runs on the stream, after what was asked before; a failure stops the actor. */
  private void onStream(Runnable task) {
    stream.execute(() -> {
      try {
        task.run();
      } catch (RuntimeException | Error e) {
        fail(e);
      }
    });
  }

  private void awaitOnStream(Runnable work) {
    try {
      stream.submit(work).get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while preparing shard " + shard, e);
    } catch (ExecutionException e) {
      fail(e.getCause());
    }
  }

  private void fail(Throwable cause) {
    LOG.error("GPU {}: device failed", shard == null ? "?" : shard.gpu(), cause);
    self.tell(new GpuActor.DeviceFailed(cause.getClass().getSimpleName() + ": " + cause.getMessage()));
  }
}
