package io.ringmaster.actors.bench;

import com.typesafe.config.ConfigFactory;
import io.ringmaster.actors.cluster.ClusterNode;
import io.ringmaster.actors.cluster.NodeSettings;
import io.ringmaster.actors.cluster.ServiceDiscovery;
import io.ringmaster.actors.process.WorkerLaunch;
import io.ringmaster.actors.process.WorkerProcesses;
import io.ringmaster.actors.wire.BulkMail;
import io.ringmaster.kernels.HostTensor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.Address;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Props;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.typed.Cluster;

/**
 * KV-block throughput between two JVMs on loopback: through Pekko remoting with the wire serializer
 * (for each way of moving a large message) and through a plain TCP socket between the same two
 * processes, in one run. Bounded: at most {@code --max-blocks} blocks and {@code --max-seconds}
 * per measurement.
 *
 * <pre>java -Xmx1g -XX:+UseParallelGC -cp "app/target/ringmaster.jar:app/target/lib/*" io.ringmaster.actors.bench.TransportBench
 *     [--sizes-mib 1,4,16] [--lanes bulk,bulk-ordinary,tell-large] [--max-blocks 64] [--max-seconds 20]</pre>
 *
 * The peer JVM gets the same heap and collector ({@link #PEER_JVM}).
 */
public final class TransportBench {
  private static final int WINDOW_BLOCKS = 4;
  /** untimed bytes before each measurement, so that the JIT has compiled the paths measured */
  private static final long WARMUP_BYTES = 64 * 1024 * 1024;
  /** untimed small blocks once per lane: the JIT compiles by invocation counts, which big blocks take long to reach */
  private static final int LANE_WARMUP_BLOCKS = 2000;
  private static final int LANE_WARMUP_BLOCK_BYTES = 64 * 1024;
  private static final long MEBIBYTE = 1024 * 1024;
  /** at most this many bytes per measurement, so that 1 MiB blocks do not take as long as 16 MiB ones */
  private static final long BYTES_PER_MEASUREMENT = 256 * MEBIBYTE;
  private static final Duration START_TIMEOUT = Duration.ofSeconds(120);
  /** Parallel GC: under G1 with this heap every KV block is a humongous object */
  private static final List<String> PEER_JVM = List.of("-Xmx1g", "-XX:MaxDirectMemorySize=1g", "-XX:+UseParallelGC");

  /** A way of moving a KV block through Pekko; each runs with its own settings on both ends. */
  enum Lane {
    BULK("bulk", "bulk mail as configured: whole up to 8240 KiB, else 8240 KiB chunks, large-message lane",
        true, Map.of()),
    BULK_ORDINARY("bulk-ordinary", "bulk mail in 240 KiB chunks on the ordinary lane", true, Map.of(
        "pekko.remote.artery.large-message-destinations.0", "/user/no-such-actor",
        "ringmaster.wire.bulk.chunk-bytes", "240KiB")),
    TELL_LARGE("tell-large", "plain tell of the whole block to a large-lane sink, 17 MiB frames", false, Map.of(
        "pekko.remote.artery.large-message-destinations.0", "/user/*",
        "pekko.remote.artery.advanced.maximum-large-frame-size", "17MiB",
        "pekko.remote.artery.advanced.large-buffer-pool-size", "8",
        "ringmaster.wire.bulk.chunk-bytes", "240KiB"));

    final String key;
    final String description;
    final boolean viaBulkMail;
    final Map<String, String> properties;

    Lane(String key, String description, boolean viaBulkMail, Map<String, String> properties) {
      this.key = key;
      this.description = description;
      this.viaBulkMail = viaBulkMail;
      this.properties = properties;
    }
  }

  private record Options(List<Integer> sizesMib, List<Lane> lanes, int maxBlocks, Duration maxPerMeasurement) {}

  private record Row(int sizeMib, Lane lane, Transfer pekko, Transfer tcp) {}

  /**
   * KV blocks of {@code sizeMib} through bulk mail as configured, and through raw TCP between the same
   * two processes, measured one right after the other.
   */
  public record BulkFigures(int sizeMib, Transfer pekko, Transfer tcp) {}

  private TransportBench() {}

  /** Measures bulk mail against raw TCP with a fresh director here and a fresh peer JVM (the live benchmark's part). */
  public static List<BulkFigures> measureBulk(List<Integer> sizesMib, int maxBlocks, Duration maxPerMeasurement)
      throws Exception {
    Path logFile = Files.createTempDirectory("ringmaster-transport-bench").resolve("peer.log");
    return measureLane(Lane.BULK, new Options(sizesMib, List.of(Lane.BULK), maxBlocks, maxPerMeasurement), logFile)
        .stream().map(row -> new BulkFigures(row.sizeMib(), row.pekko(), row.tcp())).toList();
  }

  public static void main(String[] args) throws Exception {
    Options options;
    try {
      options = parse(args);
    } catch (IllegalArgumentException e) {
      System.err.println("transport bench: " + e.getMessage());
      System.exit(2);
      return;
    }
    System.setProperty("pekko.loglevel", "WARNING");
    Path logFile = Files.createTempDirectory("ringmaster-transport-bench").resolve("peer.log");
    System.out.printf(Locale.ROOT, "transport bench: 2 JVMs on 127.0.0.1, %d cores, java %s; peer output in %s%n",
        Runtime.getRuntime().availableProcessors(), System.getProperty("java.version"), logFile);
    List<Row> rows = new ArrayList<>();
    for (Lane lane : options.lanes()) {
      rows.addAll(measureLane(lane, options, logFile));
    }
    printSummary(rows);
    System.exit(0);
  }

  private static List<Row> measureLane(Lane lane, Options options, Path logFile) throws Exception {
    lane.properties.forEach(System::setProperty);
    ConfigFactory.invalidateCaches();
    ActorSystem<Void> director = ClusterNode.start(NodeSettings.director(), Behaviors.empty());
    Address self = Cluster.get(director).selfMember().address();
    List<String> peerJvm = new ArrayList<>(PEER_JVM);
    peerJvm.add("-Dpekko.loglevel=WARNING");
    lane.properties.forEach((key, value) -> peerJvm.add("-D" + key + "=" + value));
    WorkerProcesses peer = WorkerProcesses.start(WorkerLaunch.of(1, TransportBenchPeer.class.getName(),
        List.of(self.getHost().orElseThrow() + ":" + self.getPort().orElseThrow()), peerJvm, logFile));
    try {
      peer.awaitJoined(director, START_TIMEOUT);
      ActorRef<BenchSink.Command> sink = ServiceDiscovery.await(director, BenchSink.KEY, 1, START_TIMEOUT).get(0);
      int tcpPort = AskPattern.<BenchSink.Command, BenchSink.TcpEndpoint>ask(sink, BenchSink.DescribeTcp::new,
          Duration.ofSeconds(30), director.scheduler()).toCompletableFuture().get().port();
      BlockPump pump = new BlockPump(director, sink, lane.viaBulkMail);
      CpuClock cpu = new CpuClock(peer.worker(0).pid());
      pump.send(kvBlock(LANE_WARMUP_BLOCK_BYTES), LANE_WARMUP_BLOCKS, System.nanoTime() + options.maxPerMeasurement().toNanos());
      List<Row> rows = new ArrayList<>();
      for (int sizeMib : options.sizesMib()) {
        rows.add(measureSize(sizeMib, lane, options, pump, tcpPort, cpu));
      }
      return rows;
    } finally {
      peer.stop(Duration.ofSeconds(10));
      director.terminate();
      director.getWhenTerminated().toCompletableFuture().get(60, TimeUnit.SECONDS);
      lane.properties.keySet().forEach(System::clearProperty);
      ConfigFactory.invalidateCaches();
    }
  }

  private static Row measureSize(int sizeMib, Lane lane, Options options, BlockPump pump, int tcpPort,
                                 CpuClock cpu) throws Exception {
    int blockBytes = Math.toIntExact(sizeMib * MEBIBYTE);
    int blocks = (int) Math.max(WINDOW_BLOCKS, Math.min(options.maxBlocks(), BYTES_PER_MEASUREMENT / blockBytes));
    HostTensor payload = kvBlock(blockBytes);
    long limitNanos = options.maxPerMeasurement().toNanos();
    int warmupBlocks = (int) Math.max(WINDOW_BLOCKS, WARMUP_BYTES / blockBytes);
    LoopbackTcp.send(tcpPort, blockBytes, warmupBlocks, WINDOW_BLOCKS, System.nanoTime() + limitNanos);
    long cpuBefore = cpu.bothNanos();
    Transfer tcp = LoopbackTcp.send(tcpPort, blockBytes, blocks, WINDOW_BLOCKS, System.nanoTime() + limitNanos);
    tcp = tcp.withCpuNanos(cpu.bothNanos() - cpuBefore);
    pump.send(payload, warmupBlocks, System.nanoTime() + limitNanos);
    cpuBefore = cpu.bothNanos();
    Transfer pekko = pump.send(payload, blocks, System.nanoTime() + limitNanos);
    pekko = pekko.withCpuNanos(cpu.bothNanos() - cpuBefore);
    Row row = new Row(sizeMib, lane, pekko, tcp);
    printRow(row);
    return row;
  }

  /** Keeps {@link #WINDOW_BLOCKS} blocks in flight to the sink and counts the acknowledgements. */
  private static final class BlockPump {
    private static int pumps;
    private final ActorSystem<?> system;
    private final ActorRef<BenchSink.Command> sink;
    private final boolean viaBulkMail;
    private final LinkedBlockingQueue<BenchSink.BlockReceived> received = new LinkedBlockingQueue<>();
    private final ActorRef<BenchSink.BlockReceived> replyTo;

    BlockPump(ActorSystem<?> system, ActorRef<BenchSink.Command> sink, boolean viaBulkMail) {
      this.system = system;
      this.sink = sink;
      this.viaBulkMail = viaBulkMail;
      this.replyTo = system.systemActorOf(Behaviors.receiveMessage(ack -> {
        received.add(ack);
        return Behaviors.same();
      }), "bench-acks-" + pumps++, Props.empty());
    }

    Transfer send(HostTensor payload, int blocks, long deadlineNanos) throws InterruptedException {
      received.clear();
      long startNanos = System.nanoTime();
      int sent = 0;
      int answered = 0;
      long bytes = 0;
      long lastAnswerNanos = startNanos;
      while (sent < Math.min(WINDOW_BLOCKS, blocks)) {
        sendBlock(sent++, payload);
      }
      while (answered < sent) {
        BenchSink.BlockReceived ack = received.poll(Math.max(1, deadlineNanos - System.nanoTime()), TimeUnit.NANOSECONDS);
        if (ack == null) {
          break;
        }
        answered++;
        bytes += ack.payloadBytes();
        lastAnswerNanos = System.nanoTime();
        if (sent < blocks && lastAnswerNanos < deadlineNanos) {
          sendBlock(sent++, payload);
        }
      }
      return new Transfer(answered, bytes, lastAnswerNanos - startNanos, 0);
    }

    private void sendBlock(int sequence, HostTensor payload) {
      BenchSink.Block block = new BenchSink.Block(sequence, payload, replyTo);
      if (viaBulkMail) {
        BulkMail.get(system).send(sink, block);
      } else {
        sink.tell(block);
      }
    }
  }

  /** Processor time used so far by this JVM and the peer (from /proc, in clock ticks of 10 ms). */
  private static final class CpuClock {
    private final ProcessHandle peer;

    CpuClock(long peerPid) {
      this.peer = ProcessHandle.of(peerPid).orElseThrow();
    }

    long bothNanos() {
      return ownNanos() + peer.info().totalCpuDuration().map(Duration::toNanos).orElse(0L);
    }

    private static long ownNanos() {
      return ProcessHandle.current().info().totalCpuDuration().map(Duration::toNanos).orElse(0L);
    }
  }

  /** A KV block of {@code bytes}: heads 8, head dim 128, fp32, random values. */
  private static HostTensor kvBlock(int bytes) {
    int heads = 8;
    int headDim = 128;
    HostTensor tensor = HostTensor.zeros(bytes / (Float.BYTES * heads * headDim), heads, headDim);
    java.util.Random random = new java.util.Random(bytes);
    float[] values = tensor.values();
    for (int i = 0; i < values.length; i++) {
      values[i] = random.nextFloat();
    }
    return tensor;
  }

  private static void printRow(Row row) {
    System.out.printf(Locale.ROOT,
        "%3d MiB  %-14s pekko %3d blocks %7.1f MiB/s %5.2f cpu-s/GiB | raw tcp %3d blocks %7.1f MiB/s %5.2f cpu-s/GiB%n",
        row.sizeMib(), row.lane().key, row.pekko().blocks(), mibPerSecond(row.pekko()), row.pekko().cpuSecondsPerGib(),
        row.tcp().blocks(), mibPerSecond(row.tcp()), row.tcp().cpuSecondsPerGib());
  }

  private static void printSummary(List<Row> rows) {
    System.out.println();
    System.out.println("block    lane               pekko MiB/s   raw TCP MiB/s   pekko/tcp   pekko cpu-s/GiB   tcp cpu-s/GiB");
    for (Row row : rows) {
      System.out.printf(Locale.ROOT, "%3d MiB  %-14s %12.1f %15.1f %11.2f %17.2f %15.2f%n", row.sizeMib(),
          row.lane().key, mibPerSecond(row.pekko()), mibPerSecond(row.tcp()), ratio(row),
          row.pekko().cpuSecondsPerGib(), row.tcp().cpuSecondsPerGib());
    }
    System.out.println("(cpu-s/GiB: processor seconds of both JVMs per GiB moved; rates depend on the machine's load, this much less)");
    System.out.println();
    for (Lane lane : Lane.values()) {
      System.out.println("  " + lane.key + ": " + lane.description);
    }
  }

  private static double mibPerSecond(Transfer transfer) {
    return transfer.bytesPerSecond() / MEBIBYTE;
  }

  private static double ratio(Row row) {
    return row.tcp().bytesPerSecond() == 0 ? 0 : row.pekko().bytesPerSecond() / row.tcp().bytesPerSecond();
  }

  private static Options parse(String[] args) {
    Map<String, String> values = new LinkedHashMap<>(Map.of(
        "--sizes-mib", "1,4,16", "--lanes", "bulk,bulk-ordinary,tell-large",
        "--max-blocks", "64", "--max-seconds", "20"));
    for (int i = 0; i < args.length; i += 2) {
      if (!values.containsKey(args[i]) || i + 1 >= args.length) {
        throw new IllegalArgumentException("unknown option or missing value: " + args[i]
            + " (expected " + String.join(", ", values.keySet()) + ")");
      }
      values.put(args[i], args[i + 1]);
    }
    List<Integer> sizes = Arrays.stream(values.get("--sizes-mib").split(",")).map(size -> positive("--sizes-mib", size)).toList();
    if (sizes.stream().anyMatch(size -> size > 16)) {
      throw new IllegalArgumentException("--sizes-mib: expected sizes of at most 16 (the tell-large lane's frame is 17 MiB)");
    }
    List<Lane> lanes = Arrays.stream(values.get("--lanes").split(",")).map(TransportBench::lane).toList();
    return new Options(sizes, lanes, positive("--max-blocks", values.get("--max-blocks")),
        Duration.ofSeconds(positive("--max-seconds", values.get("--max-seconds"))));
  }

  private static int positive(String option, String value) {
    try {
      int number = Integer.parseInt(value.trim());
      if (number > 0) {
        return number;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw new IllegalArgumentException(option + ": expected a positive integer, got '" + value + "'");
  }

  private static Lane lane(String key) {
    return Arrays.stream(Lane.values()).filter(lane -> lane.key.equals(key.trim())).findFirst()
        .orElseThrow(() -> new IllegalArgumentException("--lanes: expected some of "
            + Arrays.stream(Lane.values()).map(lane -> lane.key).toList() + ", got '" + key + "'"));
  }
}
