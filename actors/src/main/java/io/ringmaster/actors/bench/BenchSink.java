package io.ringmaster.actors.bench;

import io.ringmaster.actors.wire.WireMessage;
import io.ringmaster.kernels.HostTensor;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.apache.pekko.actor.typed.receptionist.ServiceKey;

/** The receiving end of {@link TransportBench}: acknowledges every block, and names its raw TCP port. */
public final class BenchSink extends AbstractBehavior<BenchSink.Command> {
  public static final ServiceKey<Command> KEY = ServiceKey.create(Command.class, "transport-bench-sink");

  public sealed interface Command {}

  /** A KV block as a GPU actor would send it. */
  public record Block(int sequence, HostTensor payload, ActorRef<BlockReceived> replyTo) implements Command, WireMessage {}

  public record BlockReceived(int sequence, long payloadBytes) implements WireMessage {}

  public record DescribeTcp(ActorRef<TcpEndpoint> replyTo) implements Command, WireMessage {}

  public record TcpEndpoint(int port) implements WireMessage {}

  private final int tcpPort;

  private BenchSink(ActorContext<Command> context, int tcpPort) {
    super(context);
    this.tcpPort = tcpPort;
  }

  public static Behavior<Command> create(int tcpPort) {
    return Behaviors.setup(context -> new BenchSink(context, tcpPort));
  }

  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder()
        .onMessage(Block.class, this::onBlock)
        .onMessage(DescribeTcp.class, this::onDescribeTcp)
        .build();
  }

  private Behavior<Command> onBlock(Block block) {
    block.replyTo().tell(new BlockReceived(block.sequence(), (long) block.payload().values().length * Float.BYTES));
    return this;
  }

  private Behavior<Command> onDescribeTcp(DescribeTcp describe) {
    describe.replyTo().tell(new TcpEndpoint(tcpPort));
    return this;
  }
}
