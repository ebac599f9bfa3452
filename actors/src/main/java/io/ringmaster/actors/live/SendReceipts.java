package io.ringmaster.actors.live;

import io.ringmaster.actors.gpu.GpuActor;
import io.ringmaster.actors.wire.BulkOutbox;
import java.util.Queue;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;

/**
 * Turns bulk mail's delivery reports into the GPU actor's {@link GpuActor.SendCompleted}: an exchange
 * is done when its block is in the next rank's mailbox, as an NCCL send is done when the receiver has
 * it. A GPU sends every block to the same next rank, and bulk mail to one node is delivered in the
 * order sent, so the reports come in the order of {@code expected}, which the sender fills before each
 * send.
 */
final class SendReceipts extends AbstractBehavior<BulkOutbox.Delivery> {
  private final ActorRef<GpuActor.Command> gpu;
  private final Queue<GpuActor.SendCompleted> expected;

  private SendReceipts(ActorContext<BulkOutbox.Delivery> context, ActorRef<GpuActor.Command> gpu,
      Queue<GpuActor.SendCompleted> expected) {
    super(context);
    this.gpu = gpu;
    this.expected = expected;
  }

  static Behavior<BulkOutbox.Delivery> create(ActorRef<GpuActor.Command> gpu, Queue<GpuActor.SendCompleted> expected) {
    return Behaviors.setup(context -> new SendReceipts(context, gpu, expected));
  }

  @Override
  public Receive<BulkOutbox.Delivery> createReceive() {
    return newReceiveBuilder()
        .onMessage(BulkOutbox.Delivered.class, delivered -> {
          gpu.tell(next());
          return this;
        })
        .onMessage(BulkOutbox.Undelivered.class, undelivered -> {
          // the ring is broken: the director learns it from the cluster (the next rank's node is lost)
          getContext().getLog().error("{} to {} not delivered: {}", next(), undelivered.target(), undelivered.reason());
          return this;
        })
        .build();
  }

  private GpuActor.SendCompleted next() {
    GpuActor.SendCompleted completed = expected.poll();
    if (completed == null) {
      throw new IllegalStateException("a delivery report for a send this GPU did not make");
    }
    return completed;
  }
}
