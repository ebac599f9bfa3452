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
 * Artery frame and streams them to the {@link BulkInbox} of the target's node, at most
 * {@code window-chunks} unacknowledged per destination node (Artery drops messages when its send
 * queue is full, so a bulk sender needs flow control of its own). The chunks of successive messages
 * to one node follow each other without a pause and in order, so bulk messages from this node to
 * that node arrive in the order they were sent; direct {@code tell}s may overtake them. A target on
 * this node gets the message object itself.
 */
public final class BulkOutbox extends AbstractBehavior<BulkOutbox.Command> {
  public static final String NAME = "ringmaster-bulk-outbox";

  public sealed interface Command {}

  public record Send(ActorRef<?> target, Object message, ActorRef<Delivery> replyTo) implements Command {}

  public record ChunkAck(long transferId, int index) implements Command, WireMessage {}

  private record AckOverdue(Address destination) implements Command {}

  /** The outcome of a {@link Send}, for senders that must know (to free a buffer, to time a transfer). */
  public sealed interface Delivery {}

  /** The message is in the target's mailbox; {@code bytes} is 0 for a target on this node (nothing was copied). */
  public record Delivered(ActorRef<?> target, long bytes, int chunks) implements Delivery {}

  public record Undelivered(ActorRef<?> target, String reason) implements Delivery {}

  private static final class Transfer {
    final long id;
    final Send send;
    final List<byte[]> chunks;
    final int parcelBytes;
    int sentChunks;
    int ackedChunks;

    Transfer(long id, Send send, List<byte[]> chunks) {
      this.id = id;
      this.send = send;
      this.chunks = chunks;
      this.parcelBytes = chunks.stream().mapToInt(chunk -> chunk.length).sum();
    }

    boolean fullySent() {
      return sentChunks == chunks.size();
    }
  }

  /** The unfinished transfers to one node, oldest first, and how many of their chunks await an acknowledgement. */
  private static final class Route {
    final Address destination;
    final ActorRef<BulkInbox.Command> inbox;
    final ArrayDeque<Transfer> transfers = new ArrayDeque<>();
    int unackedChunks;

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
    Transfer transfer = new Transfer(nextTransferId++, send, chunks);
    unfinished.put(transfer.id, transfer);
    Route route = routes.computeIfAbsent(destination, address -> new Route(address, inboxOf(address)));
    if (route.transfers.isEmpty()) {
      timers.startSingleTimer(destination, new AckOverdue(destination), settings.ackTimeout());
    }
    route.transfers.addLast(transfer);
    fillWindow(route);
    return this;
  }

  private void fillWindow(Route route) {
    for (Transfer transfer : route.transfers) {
      while (!transfer.fullySent() && route.unackedChunks < settings.windowChunks()) {
        int index = transfer.sentChunks++;
        byte[] bytes = transfer.chunks.set(index, null); // not kept for resending: Artery over TCP does not lose frames
        route.inbox.tell(new BulkInbox.Chunk(getContext().getSelf(), transfer.id, index, transfer.chunks.size(),
            transfer.parcelBytes, bytes));
        route.unackedChunks++;
      }
      if (!transfer.fullySent()) {
        return;
      }
    }
  }

  private Behavior<Command> onChunkAck(ChunkAck ack) {
    Transfer transfer = unfinished.get(ack.transferId());
    if (transfer == null) {
      return this; // the transfer was given up before this acknowledgement came
    }
    Route route = routes.get(transfer.send.target().path().address());
    route.unackedChunks--;
    transfer.ackedChunks++;
    if (transfer.ackedChunks == transfer.chunks.size()) {
      // acknowledgements come in sending order, so the finished transfer is the oldest
      route.transfers.pollFirst();
      unfinished.remove(transfer.id);
      transfer.send.replyTo().tell(new Delivered(transfer.send.target(), transfer.parcelBytes, transfer.chunks.size()));
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
