package io.ringmaster.actors.wire;

import java.util.HashMap;
import java.util.Map;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;

/**
 * Receives the chunks of bulk messages sent to this node, reassembles each in order, and hands the
 * message to its target here. One per node, at {@code /system/ringmaster-bulk-inbox}: that path is
 * a large-message destination, so chunks travel on Artery's large-message lane and never queue in
 * front of control messages.
 */
public final class BulkInbox extends AbstractBehavior<BulkInbox.Command> {
  public static final String NAME = "ringmaster-bulk-inbox";

  public sealed interface Command {}

  /** Piece {@code index} of {@code count} of a serialized {@link Parcel} of {@code parcelBytes}. */
  public record Chunk(ActorRef<BulkOutbox.Command> outbox, long transferId, int index, int count, int parcelBytes,
                      byte[] bytes) implements Command, WireMessage {}

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
        .onMessage(Chunk.class, this::onChunk)
        .onMessageEquals(SweepStale.INSTANCE, this::onSweepStale)
        .build();
  }

  private Behavior<Command> onChunk(Chunk chunk) {
    if (chunk.count() == 1) {
      deliver(chunk, chunk.bytes());
      chunk.outbox().tell(new BulkOutbox.ChunkAck(chunk.transferId(), chunk.index()));
      return this;
    }
    TransferKey key = new TransferKey(chunk.outbox(), chunk.transferId());
    Assembly assembly = chunk.index() == 0 ? new Assembly(chunk.parcelBytes()) : assemblies.get(key);
    if (assembly == null || chunk.index() != assembly.nextIndex
        || assembly.filledBytes + chunk.bytes().length > assembly.parcel.length) {
      getContext().getLog().error("bulk transfer {} from {}: chunk {} of {} does not follow what arrived; dropping the transfer",
          chunk.transferId(), chunk.outbox().path().address(), chunk.index(), chunk.count());
      assemblies.remove(key);
      return this;
    }
    assemblies.put(key, assembly);
    System.arraycopy(chunk.bytes(), 0, assembly.parcel, assembly.filledBytes, chunk.bytes().length);
    assembly.filledBytes += chunk.bytes().length;
    assembly.nextIndex++;
    assembly.lastProgressNanos = System.nanoTime();
    if (assembly.nextIndex == chunk.count()) {
      assemblies.remove(key);
      if (assembly.filledBytes == assembly.parcel.length) {
        deliver(chunk, assembly.parcel);
      } else {
        getContext().getLog().error("bulk transfer {} from {}: {} of {} bytes arrived; dropping it",
            chunk.transferId(), chunk.outbox().path().address(), assembly.filledBytes, assembly.parcel.length);
      }
    }
    // the last acknowledgement goes after delivery: "delivered" then means "in the target's mailbox"
    chunk.outbox().tell(new BulkOutbox.ChunkAck(chunk.transferId(), chunk.index()));
    return this;
  }

  @SuppressWarnings("unchecked")
  private void deliver(Chunk last, byte[] parcelBytes) {
    try {
      Parcel parcel = codec.decode(parcelBytes, Parcel.class);
      ((ActorRef<Object>) parcel.target()).tell(parcel.message());
    } catch (RuntimeException e) {
      getContext().getLog().error("bulk transfer {} from {} could not be decoded", last.transferId(),
          last.outbox().path().address(), e);
    }
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
}
