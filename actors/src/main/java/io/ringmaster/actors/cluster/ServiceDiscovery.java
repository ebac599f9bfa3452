package io.ringmaster.actors.cluster;

import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.Props;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;
import org.apache.pekko.actor.typed.receptionist.Receptionist;
import org.apache.pekko.actor.typed.receptionist.ServiceKey;

/**
 * Waits until the Receptionist lists at least {@code expected} reachable actors for a key, then
 * replies once with them in a deterministic order (by host, port, actor name) and stops; after
 * {@code timeout} it replies with what it has seen instead. Progress is logged as the count changes
 * and every {@link #PROGRESS_INTERVAL} while waiting.
 */
public final class ServiceDiscovery<T> extends AbstractBehavior<ServiceDiscovery.Command> {
  static final Duration PROGRESS_INTERVAL = Duration.ofSeconds(5);
  private static final AtomicLong AWAIT_COUNTER = new AtomicLong();

  public sealed interface Command {}

  private record ListingChanged(Receptionist.Listing listing) implements Command {}

  private enum Tick implements Command { PROGRESS, TIMEOUT }

  public sealed interface Outcome<T> {}

  public record Discovered<T>(List<ActorRef<T>> members) implements Outcome<T> {}

  public record NotDiscovered<T>(List<ActorRef<T>> seen, int expected, Duration waited) implements Outcome<T> {}

  /** Orders actors the same way on every run: by node (host, port), then by actor name. */
  public static final Comparator<ActorRef<?>> BY_NODE_THEN_NAME = Comparator
      .comparing((ActorRef<?> ref) -> ref.path().address().getHost().orElse(""))
      .thenComparingInt(ref -> ref.path().address().getPort().orElse(-1))
      .thenComparing(ref -> ref.path().toStringWithoutAddress());

  private final ServiceKey<T> key;
  private final int expected;
  private final Duration timeout;
  private final ActorRef<Outcome<T>> replyTo;
  private final long startNanos = System.nanoTime();
  private List<ActorRef<T>> seen = List.of();

  private ServiceDiscovery(ActorContext<Command> context, TimerScheduler<Command> timers, ServiceKey<T> key,
                           int expected, Duration timeout, ActorRef<Outcome<T>> replyTo) {
    super(context);
    this.key = key;
    this.expected = expected;
    this.timeout = timeout;
    this.replyTo = replyTo;
    timers.startSingleTimer(Tick.TIMEOUT, timeout);
    timers.startTimerWithFixedDelay(Tick.PROGRESS, PROGRESS_INTERVAL);
    context.getSystem().receptionist().tell(Receptionist.subscribe(key,
        context.messageAdapter(Receptionist.Listing.class, ListingChanged::new)));
  }

  public static <T> Behavior<Command> create(ServiceKey<T> key, int expected, Duration timeout,
                                             ActorRef<Outcome<T>> replyTo) {
    return Behaviors.setup(context -> Behaviors.withTimers(
        timers -> new ServiceDiscovery<>(context, timers, key, expected, timeout, replyTo)));
  }

  /**
   * Blocks until {@code expected} actors are registered under {@code key} and returns them ordered
   * by {@link #BY_NODE_THEN_NAME}.
   *
   * @throws IllegalStateException after {@code timeout}, naming how many were found
   */
  public static <T> List<ActorRef<T>> await(ActorSystem<?> system, ServiceKey<T> key, int expected, Duration timeout) {
    CompletableFuture<Outcome<T>> outcome = new CompletableFuture<>();
    String name = "ringmaster-discovery-" + AWAIT_COUNTER.incrementAndGet();
    ActorRef<Outcome<T>> completer = system.systemActorOf(Behaviors.receiveMessage(reply -> {
      outcome.complete(reply);
      return Behaviors.stopped();
    }), name + "-reply", Props.empty());
    system.systemActorOf(create(key, expected, timeout, completer), name, Props.empty());
    // a node that gives up joining its seed shuts down: no listing will come, so stop waiting for one
    system.getWhenTerminated().thenRun(() -> outcome.completeExceptionally(new IllegalStateException(
        "this node stopped (" + system.address() + ") before " + expected + " '" + key.id() + "' actors were found")));
    Outcome<T> result;
    try {
      result = outcome.get(timeout.toMillis() + 5_000, TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while discovering " + key.id(), e);
    } catch (ExecutionException e) {
      throw new IllegalStateException(e.getCause().getMessage(), e.getCause());
    } catch (TimeoutException e) {
      throw new IllegalStateException("discovery of " + key.id() + " did not answer", e);
    }
    if (result instanceof NotDiscovered<T> missing) {
      throw new IllegalStateException("found " + missing.seen().size() + " of " + expected + " '" + key.id()
          + "' actors within " + timeout.toSeconds() + " s: " + missing.seen());
    }
    return ((Discovered<T>) result).members();
  }

  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder()
        .onMessage(ListingChanged.class, this::onListingChanged)
        .onMessageEquals(Tick.PROGRESS, this::onProgress)
        .onMessageEquals(Tick.TIMEOUT, this::onTimeout)
        .build();
  }

  private Behavior<Command> onListingChanged(ListingChanged changed) {
    List<ActorRef<T>> members = changed.listing().getServiceInstances(key).stream()
        .sorted(BY_NODE_THEN_NAME).toList();
    if (members.size() != seen.size()) {
      getContext().getLog().info("discovered {} of {} '{}' actors on {} node(s)", members.size(), expected, key.id(),
          members.stream().map(ref -> ref.path().address()).distinct().count());
    }
    seen = members;
    if (seen.size() >= expected) {
      replyTo.tell(new Discovered<>(seen));
      return Behaviors.stopped();
    }
    return this;
  }

  private Behavior<Command> onProgress() {
    getContext().getLog().info("still waiting for '{}': {} of {} after {} s", key.id(), seen.size(), expected,
        waited().toSeconds());
    return this;
  }

  private Behavior<Command> onTimeout() {
    getContext().getLog().error("gave up on '{}' after {} s: {} of {} found", key.id(), timeout.toSeconds(),
        seen.size(), expected);
    replyTo.tell(new NotDiscovered<>(seen, expected, waited()));
    return Behaviors.stopped();
  }

  private Duration waited() {
    return Duration.ofNanos(System.nanoTime() - startNanos);
  }
}
