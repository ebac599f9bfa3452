package io.ringmaster.actors.wire;

import com.esotericsoftware.kryo.Kryo;
import com.esotericsoftware.kryo.Serializer;
import com.esotericsoftware.kryo.io.Input;
import com.esotericsoftware.kryo.io.Output;
import java.util.HashMap;
import java.util.Map;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;

/**
 * Receives the bulk messages sent to this node, whole or in chunks (reassembled in order), and
 * hands each to its target here. One per node, at {@code /system/ringmaster-bulk-inbox}: that path
 * is a large-message destination, so bulk bytes travel on Artery's large-message lane and never
 * queue in front of control messages.
 */
public final class BulkInbox extends AbstractBehavior<BulkInbox.Command> {
  public static final String NAME = "ringmaster-bulk-inbox";

  public sealed interface Command {}

  /** A message that fits one frame, serialized by Artery straight into its send buffer. */
  public record Whole(ActorRef<BulkOutbox.Command> outbox, long transferId, Parcel parcel) implements Command, WireMessage {}

  /**
   * Piece {@code index} of {@code count} of a serialized {@link Parcel} of {@code parcelBytes}: the
   * {@code length} bytes of {@code source} from {@code offset}. The sender's chunks share one array
   * (the whole parcel); on arrival each has its own, with offset 0 ({@link ChunkSerializer}).
   */
  public record Chunk(ActorRef<BulkOutbox.Command> outbox, long transferId, int index, int count, int parcelBytes,
                      byte[] source, int offset, int length) implements Command, WireMessage {}

  private enum SweepStale implements Command { INSTANCE }

  private record TransferKey(ActorRef<?> outbox, long transferId) {}

  private static final class Assembly {
    final byte[] parcel;
    int nextIndex;
    int filledBytes;
    long lastProgressNanos;

    Assembly(int parcelBytes) {
      this.parcel = new byte[parcelBytes];
    }
  }

  private final WireCodec codec;
  private final BulkSettings settings;
  private final Map<TransferKey, Assembly> assemblies = new HashMap<>();

  private BulkInbox(ActorContext<Command> context, WireCodec codec, BulkSettings settings) {
    super(context);
    this.codec = codec;
    this.settings = settings;
  }

  public static Behavior<Command> create(WireCodec codec, BulkSettings settings) {
    return Behaviors.setup(context -> Behaviors.withTimers(timers -> {
      timers.startTimerWithFixedDelay(SweepStale.INSTANCE, settings.ackTimeout());
      return new BulkInbox(context, codec, settings);
    }));
  }

  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder()
        .onMessage(Whole.class, this::onWhole)
        .onMessage(Chunk.class, this::onChunk)
        .onMessageEquals(SweepStale.INSTANCE, this::onSweepStale)
        .build();
  }

  private Behavior<Command> onWhole(Whole whole) {
    deliver(whole.parcel());
    whole.outbox().tell(new BulkOutbox.Ack(whole.transferId()));
    return this;
  }

  private Behavior<Command> onChunk(Chunk chunk) {
    TransferKey key = new TransferKey(chunk.outbox(), chunk.transferId());
    Assembly assembly = chunk.index() == 0 ? new Assembly(chunk.parcelBytes()) : assemblies.get(key);
    if (assembly == null || chunk.index() != assembly.nextIndex
        || assembly.filledBytes + chunk.length() > assembly.parcel.length) {
      getContext().getLog().error("bulk transfer {} from {}: chunk {} of {} does not follow what arrived; dropping the transfer",
          chunk.transferId(), chunk.outbox().path().address(), chunk.index(), chunk.count());
      assemblies.remove(key);
      return this;
    }
    assemblies.put(key, assembly);
    System.arraycopy(chunk.source(), chunk.offset(), assembly.parcel, assembly.filledBytes, chunk.length());
    assembly.filledBytes += chunk.length();
    assembly.nextIndex++;
    assembly.lastProgressNanos = System.nanoTime();
    if (assembly.nextIndex == chunk.count()) {
      assemblies.remove(key);
      if (assembly.filledBytes == assembly.parcel.length) {
        decodeAndDeliver(chunk, assembly.parcel);
      } else {
        getContext().getLog().error("bulk transfer {} from {}: {} of {} bytes arrived; dropping it",
            chunk.transferId(), chunk.outbox().path().address(), assembly.filledBytes, assembly.parcel.length);
      }
    }
    // the last acknowledgement goes after delivery: "delivered" then means "in the target's mailbox"
    chunk.outbox().tell(new BulkOutbox.Ack(chunk.transferId()));
    return this;
  }

  private void decodeAndDeliver(Chunk last, byte[] parcelBytes) {
    try {
      deliver(codec.decode(parcelBytes, Parcel.class));
    } catch (RuntimeException e) {
      getContext().getLog().error("bulk transfer {} from {} could not be decoded", last.transferId(),
          last.outbox().path().address(), e);
    }
  }

  @SuppressWarnings("unchecked")
  private static void deliver(Parcel parcel) {
    ((ActorRef<Object>) parcel.target()).tell(parcel.message());
  }

  private Behavior<Command> onSweepStale() {
    long staleBefore = System.nanoTime() - settings.ackTimeout().toNanos();
    assemblies.entrySet().removeIf(entry -> {
      boolean stale = entry.getValue().lastProgressNanos < staleBefore;
      if (stale) {
        getContext().getLog().warn("bulk transfer {} from {} stalled at chunk {}; dropping it",
            entry.getKey().transferId(), entry.getKey().outbox().path().address(), entry.getValue().nextIndex);
      }
      return stale;
    });
    return this;
  }

  /** Writes only a chunk's own bytes, straight from the shared parcel array into Artery's buffer. */
  static final class ChunkSerializer extends Serializer<Chunk> {
    @Override
    public void write(Kryo kryo, Output output, Chunk chunk) {
      kryo.writeClassAndObject(output, chunk.outbox());
      output.writeVarLong(chunk.transferId(), true);
      output.writeVarInt(chunk.index(), true);
      output.writeVarInt(chunk.count(), true);
      output.writeVarInt(chunk.parcelBytes(), true);
      output.writeVarInt(chunk.length(), true);
      output.writeBytes(chunk.source(), chunk.offset(), chunk.length());
    }

    @Override
    @SuppressWarnings("unchecked")
    public Chunk read(Kryo kryo, Input input, Class<? extends Chunk> type) {
      ActorRef<BulkOutbox.Command> outbox = (ActorRef<BulkOutbox.Command>) kryo.readClassAndObject(input);
      long transferId = input.readVarLong(true);
      int index = input.readVarInt(true);
      int count = input.readVarInt(true);
      int parcelBytes = input.readVarInt(true);
      int length = input.readVarInt(true);
      return new Chunk(outbox, transferId, index, count, parcelBytes, input.readBytes(length), 0, length);
    }
  }
}
