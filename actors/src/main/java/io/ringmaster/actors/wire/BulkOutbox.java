package io.ringmaster.actors.wire;

import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.pekko.actor.Address;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorRefResolver;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;

/**
 * Sends messages of any size to actors on other nodes: serializes each into chunks that fit an
 * Artery frame and sends them to the {@link BulkInbox} of the target's node, at most
 * {@code window-chunks} unacknowledged at a time (Artery drops messages when its send queue is
 * full, so a bulk sender needs flow control of its own). Transfers to one node go one after the
 * other, so bulk messages from this node to that node arrive in the order they were sent; direct
 * {@code tell}s may overtake them. A target on this node gets the message object itself.
 */
public final class BulkOutbox extends AbstractBehavior<BulkOutbox.Command> {
  public static final String NAME = "ringmaster-bulk-outbox";

  public sealed interface Command {}

  public record Send(ActorRef<?> target, Object message, ActorRef<Delivery> replyTo) implements Command {}

  public record ChunkAck(long transferId, int index) implements Command, WireMessage {}

  private record AckOverdue(long transferId) implements Command {}

  /** The outcome of a {@link Send}, for senders that must know (to free a buffer, to time a transfer). */
  public sealed interface Delivery {}

  /** The message is in the target's mailbox; {@code bytes} is 0 for a target on this node (nothing was copied). */
  public record Delivered(ActorRef<?> target, long bytes, int chunks) implements Delivery {}

  public record Undelivered(ActorRef<?> target, String reason) implements Delivery {}

  private static final class Transfer {
    final long id;
    final Send send;
    final Address destination;
    final List<byte[]> chunks;
    final int parcelBytes;
    int sentChunks;
    int ackedChunks;

    Transfer(long id, Send send, Address destination, List<byte[]> chunks) {
      this.id = id;
      this.send = send;
      this.destination = destination;
      this.chunks = chunks;
      this.parcelBytes = chunks.stream().mapToInt(chunk -> chunk.length).sum();
    }
  }

  private final WireCodec codec;
  private final BulkSettings settings;
  private final TimerScheduler<Command> timers;
  private final ActorRefResolver resolver;
  /** Per destination node, the transfers in order; the head is the one in flight. */
  private final Map<Address, ArrayDeque<Transfer>> queues = new HashMap<>();
  private final Map<Long, Transfer> inFlight = new HashMap<>();
  private final Map<Address, ActorRef<BulkInbox.Command>> inboxes = new HashMap<>();
  private long nextTransferId;

  private BulkOutbox(ActorContext<Command> context, TimerScheduler<Command> timers, WireCodec codec,
                     BulkSettings settings) {
    super(context);
    this.codec = codec;
    this.settings = settings;
    this.timers = timers;
    this.resolver = ActorRefResolver.get(context.getSystem());
  }

  public static Behavior<Command> create(WireCodec codec, BulkSettings settings) {
    return Behaviors.setup(context -> Behaviors.withTimers(timers -> new BulkOutbox(context, timers, codec, settings)));
  }

  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder()
        .onMessage(Send.class, this::onSend)
        .onMessage(ChunkAck.class, this::onChunkAck)
        .onMessage(AckOverdue.class, this::onAckOverdue)
        .build();
  }

  @SuppressWarnings("unchecked")
  private Behavior<Command> onSend(Send send) {
    Address destination = send.target().path().address();
    if (destination.hasLocalScope()) {
      ((ActorRef<Object>) send.target()).tell(send.message());
      send.replyTo().tell(new Delivered(send.target(), 0, 0));
      return this;
    }
    List<byte[]> chunks;
    try {
      chunks = codec.encodeInChunks(new Parcel(send.target(), send.message()), settings.chunkBytes());
    } catch (RuntimeException e) {
      getContext().getLog().error("cannot serialize {} for {}", send.message().getClass().getName(), send.target(), e);
      send.replyTo().tell(new Undelivered(send.target(), String.valueOf(e.getMessage())));
      return this;
    }
    ArrayDeque<Transfer> queue = queues.computeIfAbsent(destination, address -> new ArrayDeque<>());
    queue.addLast(new Transfer(nextTransferId++, send, destination, chunks));
    if (queue.size() == 1) {
      start(queue.peekFirst());
    }
    return this;
  }

  private void start(Transfer transfer) {
    inFlight.put(transfer.id, transfer);
    while (transfer.sentChunks < Math.min(settings.windowChunks(), transfer.chunks.size())) {
      sendNextChunk(transfer);
    }
    timers.startSingleTimer(transfer.id, new AckOverdue(transfer.id), settings.ackTimeout());
  }

  private void sendNextChunk(Transfer transfer) {
    int index = transfer.sentChunks++;
    byte[] bytes = transfer.chunks.set(index, null); // not kept for resending: Artery over TCP does not lose frames
    inboxOf(transfer.destination).tell(new BulkInbox.Chunk(getContext().getSelf(), transfer.id, index,
        transfer.chunks.size(), transfer.parcelBytes, bytes));
  }

  private Behavior<Command> onChunkAck(ChunkAck ack) {
    Transfer transfer = inFlight.get(ack.transferId());
    if (transfer == null) {
      return this; // the transfer was given up before this acknowledgement came
    }
    transfer.ackedChunks++;
    if (transfer.ackedChunks == transfer.chunks.size()) {
      finish(transfer);
      return this;
    }
    if (transfer.sentChunks < transfer.chunks.size()) {
      sendNextChunk(transfer);
    }
    timers.startSingleTimer(transfer.id, new AckOverdue(transfer.id), settings.ackTimeout());
    return this;
  }

  private void finish(Transfer transfer) {
    inFlight.remove(transfer.id);
    timers.cancel(transfer.id);
    transfer.send.replyTo().tell(new Delivered(transfer.send.target(), transfer.parcelBytes, transfer.chunks.size()));
    ArrayDeque<Transfer> queue = queues.get(transfer.destination);
    queue.pollFirst();
    if (queue.isEmpty()) {
      queues.remove(transfer.destination);
    } else {
      start(queue.peekFirst());
    }
  }

  private Behavior<Command> onAckOverdue(AckOverdue overdue) {
    Transfer transfer = inFlight.remove(overdue.transferId());
    if (transfer == null) {
      return this;
    }
    String reason = "no acknowledgement from " + transfer.destination + " for " + settings.ackTimeout().toSeconds()
        + " s (chunk " + transfer.ackedChunks + " of " + transfer.chunks.size() + "): the node is gone or unreachable";
    getContext().getLog().warn("bulk transfers to {} given up: {}", transfer.destination, reason);
    for (Transfer queued : queues.remove(transfer.destination)) {
      queued.send.replyTo().tell(new Undelivered(queued.send.target(), reason));
    }
    return this;
  }

  private ActorRef<BulkInbox.Command> inboxOf(Address node) {
    return inboxes.computeIfAbsent(node, address -> resolver.resolveActorRef(address + "/system/" + BulkInbox.NAME));
  }
}
