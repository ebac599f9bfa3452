package io.ringmaster.actors.wire;

import java.util.ArrayDeque;
import java.util.HashMap;
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
 * Sends messages of any size to actors on other nodes, through the {@link BulkInbox} of the
 * target's node on Artery's large-message lane. A message that fits {@code chunk-bytes} goes whole
 * (Artery serializes it straight into its send buffer); a larger one is encoded once and streamed in
 * {@code chunk-bytes} pieces. At most {@code window-chunks} pieces per destination node await an
 * acknowledgement (Artery drops messages when its send queue is full, so bulk sending needs flow
 * control of its own). The pieces of successive messages to one node follow each other without a
 * pause and in order, so bulk messages from this node to that node arrive in the order they were
 * sent; direct {@code tell}s may overtake them. A target on this node gets the message object itself.
 */
public final class BulkOutbox extends AbstractBehavior<BulkOutbox.Command> {
  public static final String NAME = "ringmaster-bulk-outbox";

  public sealed interface Command {}

  public record Send(ActorRef<?> target, Object message, ActorRef<Delivery> replyTo) implements Command {}

  /** The inbox has handled one more piece (a whole message or a chunk) of this transfer. */
  public record Ack(long transferId) implements Command, WireMessage {}

  private record AckOverdue(Address destination) implements Command {}

  /** The outcome of a {@link Send}, for senders that must know (to free a buffer, to time a transfer). */
  public sealed interface Delivery {}

  /**
   * The message is in the target's mailbox: it took {@code bytes} on the wire in {@code pieces}
   * Artery messages (1 when it fitted a frame); 0 and 0 for a target on this node (nothing was copied).
   */
  public record Delivered(ActorRef<?> target, long bytes, int pieces) implements Delivery {}

  public record Undelivered(ActorRef<?> target, String reason) implements Delivery {}

  /**
   * One message on its way: sent whole when it fits a frame ({@code encoded} is then null), else as
   * {@code pieces} chunks of the encoded parcel.
   */
  private static final class Transfer {
    final long id;
    final Send send;
    final long parcelBytes;
    final byte[] encoded;
    final int pieces;
    int sentPieces;
    int ackedPieces;

    Transfer(long id, Send send, long parcelBytes, byte[] encoded, int pieces) {
      this.id = id;
      this.send = send;
      this.parcelBytes = parcelBytes;
      this.encoded = encoded;
      this.pieces = pieces;
    }

    boolean fullySent() {
      return sentPieces == pieces;
    }
  }

  /** The unfinished transfers to one node, oldest first, and how many of their chunks await an acknowledgement. */
  private static final class Route {
    final Address destination;
    final ActorRef<BulkInbox.Command> inbox;
    final ArrayDeque<Transfer> transfers = new ArrayDeque<>();
    int unackedPieces;

    Route(Address destination, ActorRef<BulkInbox.Command> inbox) {
      this.destination = destination;
      this.inbox = inbox;
    }
  }

  private final WireCodec codec;
  private final BulkSettings settings;
  private final TimerScheduler<Command> timers;
  private final ActorRefResolver resolver;
  private final Map<Address, Route> routes = new HashMap<>();
  private final Map<Long, Transfer> unfinished = new HashMap<>();
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
        .onMessage(Ack.class, this::onAck)
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
    Transfer transfer;
    try {
      transfer = prepare(send);
    } catch (RuntimeException e) {
      getContext().getLog().error("cannot serialize {} for {}", send.message().getClass().getName(), send.target(), e);
      send.replyTo().tell(new Undelivered(send.target(), String.valueOf(e.getMessage())));
      return this;
    }
    unfinished.put(transfer.id, transfer);
    Route route = routes.computeIfAbsent(destination, address -> new Route(address, inboxOf(address)));
    if (route.transfers.isEmpty()) {
      timers.startSingleTimer(destination, new AckOverdue(destination), settings.ackTimeout());
    }
    route.transfers.addLast(transfer);
    fillWindow(route);
    return this;
  }

  /** Sizes the message (a pass that copies nothing) and encodes it only if it must be cut into chunks. */
  private Transfer prepare(Send send) {
    Parcel parcel = new Parcel(send.target(), send.message());
    long parcelBytes = codec.sizeOf(parcel);
    if (parcelBytes <= settings.chunkBytes()) {
      return new Transfer(nextTransferId++, send, parcelBytes, null, 1);
    }
    byte[] encoded = codec.encode(parcel);
    int pieces = (int) ((parcelBytes + settings.chunkBytes() - 1) / settings.chunkBytes());
    return new Transfer(nextTransferId++, send, parcelBytes, encoded, pieces);
  }

  private void fillWindow(Route route) {
    for (Transfer transfer : route.transfers) {
      while (!transfer.fullySent() && route.unackedPieces < settings.windowChunks()) {
        route.inbox.tell(nextPiece(transfer));
        transfer.sentPieces++;
        route.unackedPieces++;
      }
      if (!transfer.fullySent()) {
        return;
      }
    }
  }

  private BulkInbox.Command nextPiece(Transfer transfer) {
    if (transfer.encoded == null) {
      return new BulkInbox.Whole(getContext().getSelf(), transfer.id, new Parcel(transfer.send.target(), transfer.send.message()));
    }
    int offset = transfer.sentPieces * settings.chunkBytes();
    int length = Math.min(settings.chunkBytes(), transfer.encoded.length - offset);
    return new BulkInbox.Chunk(getContext().getSelf(), transfer.id, transfer.sentPieces, transfer.pieces,
        transfer.encoded.length, transfer.encoded, offset, length);
  }

  private Behavior<Command> onAck(Ack ack) {
    Transfer transfer = unfinished.get(ack.transferId());
    if (transfer == null) {
      return this; // the transfer was given up before this acknowledgement came
    }
    Route route = routes.get(transfer.send.target().path().address());
    route.unackedPieces--;
    transfer.ackedPieces++;
    if (transfer.ackedPieces == transfer.pieces) {
      // acknowledgements come in sending order, so the finished transfer is the oldest
      route.transfers.pollFirst();
      unfinished.remove(transfer.id);
      transfer.send.replyTo().tell(new Delivered(transfer.send.target(), transfer.parcelBytes, transfer.pieces));
    }
    if (route.transfers.isEmpty()) {
      routes.remove(route.destination);
      timers.cancel(route.destination);
    } else {
      timers.startSingleTimer(route.destination, new AckOverdue(route.destination), settings.ackTimeout());
      fillWindow(route);
    }
    return this;
  }

  private Behavior<Command> onAckOverdue(AckOverdue overdue) {
    Route route = routes.remove(overdue.destination());
    if (route == null) {
      return this;
    }
    String reason = "no acknowledgement from " + route.destination + " for " + settings.ackTimeout().toSeconds()
        + " s: the node is gone or unreachable";
    getContext().getLog().warn("{} bulk transfer(s) to {} given up: {}", route.transfers.size(), route.destination, reason);
    for (Transfer transfer : route.transfers) {
      unfinished.remove(transfer.id);
      transfer.send.replyTo().tell(new Undelivered(transfer.send.target(), reason));
    }
    return this;
  }

  private ActorRef<BulkInbox.Command> inboxOf(Address node) {
    return resolver.resolveActorRef(node + "/system/" + BulkInbox.NAME);
  }
}
