package io.ringmaster.app.live;

import io.ringmaster.actors.gpu.GpuActor;
import io.ringmaster.actors.live.AttentionProgram;
import io.ringmaster.actors.live.SeededRows;
import io.ringmaster.actors.live.StageSupervisor;
import io.ringmaster.actors.protocol.LayerResult;
import io.ringmaster.actors.protocol.RingLayout;
import io.ringmaster.actors.protocol.ShardData;
import io.ringmaster.actors.protocol.ShardSpec;
import io.ringmaster.actors.protocol.StageReport;
import io.ringmaster.actors.protocol.StepProgram;
import io.ringmaster.actors.stage.StageDirector;
import io.ringmaster.kernels.HeadLayout;
import io.ringmaster.kernels.HostTensor;
import io.ringmaster.kernels.Masking;
import io.ringmaster.kernels.TokenPositions;
import io.ringmaster.kernels.layout.ShardLayout;
import io.ringmaster.kernels.layout.Sharding;
import io.ringmaster.kernels.reference.ReferenceAttention;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Props;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

/**
 * {@code ringmaster run --check}: ring attention forward and backward by a ring of live GPU actors on
 * seeded random Q, K, V and output gradient, against {@link ReferenceAttention} (plain attention in
 * double) on the whole sequence.
 */
public final class LiveCheck {
  /** fp32 blockwise attention against the double reference (issue 4; the kernels' contract uses the same). */
  public static final double MAX_ABS_ERROR = 1e-4;
  private static final Duration RESULTS_WAIT = Duration.ofSeconds(60);
  private static final AtomicLong RUNS = new AtomicLong();

  /** The problem: a sequence, its ring and layout, the mask, heads, RoPE base and the values' seed. */
  public record Spec(int seqLen, int ringSize, ShardLayout layout, Masking masking, HeadLayout heads, double theta,
      long seed) {
    public Spec {
      new Sharding(layout, ringSize, seqLen); // refuses a length the layout cannot split, in its own words
    }

    public String describe() {
      return String.format(Locale.ROOT, "%,d tokens, %s %s, ring of %d, %d query / %d KV heads, head dim %d, RoPE theta %,.0f",
          seqLen, masking == Masking.CAUSAL ? "causal" : "non-causal", layout.label(), ringSize, heads.queryHeads(),
          heads.kvHeads(), heads.headDim(), theta);
    }
  }

  /** The whole-sequence inputs, standard normal from the spec's seed. */
  public record Problem(HostTensor q, HostTensor k, HostTensor v, HostTensor dOut) {
    public static Problem of(Spec spec) {
      Random random = new Random(spec.seed());
      HeadLayout heads = spec.heads();
      return new Problem(SeededRows.normal(random, spec.seqLen(), heads.queryHeads(), heads.headDim()),
          SeededRows.normal(random, spec.seqLen(), heads.kvHeads(), heads.headDim()),
          SeededRows.normal(random, spec.seqLen(), heads.kvHeads(), heads.headDim()),
          SeededRows.normal(random, spec.seqLen(), heads.queryHeads(), heads.headDim()));
    }
  }

  /** The ring's outputs joined back into position order. */
  public record RingResult(StageReport report, HostTensor out, HostTensor lse, HostTensor dq, HostTensor dk,
      HostTensor dv) {}

  /** Largest absolute error of each output, in report order (out, lse, dq, dk, dv). */
  public record Errors(Map<String, Double> byOutput) {
    public double largest() {
      return byOutput.values().stream().mapToDouble(Double::doubleValue).max().orElse(Double.POSITIVE_INFINITY);
    }

    public boolean within(double bound) {
      return largest() <= bound;
    }
  }

  private LiveCheck() {}

  /**
   * Runs one ring forward and backward on {@code gpus} (one per rank, in rank order).
   *
   * @throws IllegalStateException with the supervisor's reason when the stage fails
   */
  public static RingResult runRing(ActorSystem<?> system, List<ActorRef<GpuActor.Command>> gpus, Spec spec,
      Problem problem, Duration timeout, Consumer<StageDirector.Progress> onProgress) {
    Sharding sharding = new Sharding(spec.layout(), spec.ringSize(), spec.seqLen());
    ResultInbox inbox = new ResultInbox(system, spec.ringSize());
    StepProgram program = AttentionProgram.of(1, sharding.tokensPerRank(), spec.heads());
    List<StageDirector.Assignment> assignments = new ArrayList<>();
    for (int rank = 0; rank < spec.ringSize(); rank++) {
      ShardSpec shard = new ShardSpec("check", rank, 0, rank, spec.ringSize(), sharding.tokensPerRank(),
          RingLayout.valueOf(spec.layout().name()), spec.masking(), spec.heads(), Float.BYTES, Long.MAX_VALUE);
      ShardData.LayerRows rows = new ShardData.LayerRows(sharding.shard(problem.q(), rank),
          sharding.shard(problem.k(), rank), sharding.shard(problem.v(), rank), sharding.shard(problem.dOut(), rank));
      assignments.add(new StageDirector.Assignment(gpus.get(rank), shard, program,
          new ShardData.Given(spec.theta(), List.of(rows), inbox.ref())));
    }
    StageSupervisor.Outcome outcome = StageSupervisor.await(system,
        new StageSupervisor.Run("check", assignments, 1, timeout), onProgress);
    if (outcome instanceof StageSupervisor.Failed failed) {
      throw new IllegalStateException(failed.reason());
    }
    StageReport report = ((StageSupervisor.Completed) outcome).report();
    List<LayerResult> results = inbox.await();
    return new RingResult(report,
        sharding.join(results.stream().map(LayerResult::out).toList()),
        sharding.join(results.stream().map(LayerResult::lse).toList()),
        sharding.join(results.stream().map(LayerResult::dq).toList()),
        sharding.join(results.stream().map(LayerResult::dk).toList()),
        sharding.join(results.stream().map(LayerResult::dv).toList()));
  }

  /** {@link ReferenceAttention#withRope} on the whole sequence. */
  public static ReferenceAttention.Result reference(Spec spec, Problem problem) {
    return ReferenceAttention.withRope(problem.q(), problem.k(), problem.v(), problem.dOut(),
        TokenPositions.contiguous(0, spec.seqLen()), spec.masking(), spec.theta());
  }

  public static Errors errors(ReferenceAttention.Result expected, RingResult actual) {
    Map<String, Double> errors = new LinkedHashMap<>();
    errors.put("out", maxAbsError(expected.out(), actual.out()));
    errors.put("lse", maxAbsError(expected.lse(), actual.lse()));
    errors.put("dq", maxAbsError(expected.dq(), actual.dq()));
    errors.put("dk", maxAbsError(expected.dk(), actual.dk()));
    errors.put("dv", maxAbsError(expected.dv(), actual.dv()));
    return new Errors(errors);
  }

  /** Equal values (equal infinities included) differ by 0; a NaN or an infinity against a number by infinity. */
  static double maxAbsError(HostTensor expected, HostTensor actual) {
    if (expected.values().length != actual.values().length) {
      return Double.POSITIVE_INFINITY;
    }
    double largest = 0;
    for (int i = 0; i < expected.values().length; i++) {
      float want = expected.values()[i];
      float got = actual.values()[i];
      double error = want == got ? 0 : Math.abs((double) want - got);
      largest = Double.isNaN(error) ? Double.POSITIVE_INFINITY : Math.max(largest, error);
    }
    return largest;
  }

  /** Collects one {@link LayerResult} per rank (results travel by bulk mail and may trail the stage report). */
  private static final class ResultInbox {
    private final Map<Integer, LayerResult> byRank = new ConcurrentHashMap<>();
    private final CompletableFuture<List<LayerResult>> all = new CompletableFuture<>();
    private final ActorRef<LayerResult> ref;

    ResultInbox(ActorSystem<?> system, int ranks) {
      this.ref = system.systemActorOf(Behaviors.receiveMessage(result -> {
        byRank.put(result.rank(), result);
        if (byRank.size() == ranks) {
          List<LayerResult> ordered = new ArrayList<>();
          for (int rank = 0; rank < ranks; rank++) {
            ordered.add(byRank.get(rank));
          }
          all.complete(ordered);
          return Behaviors.stopped();
        }
        return Behaviors.same();
      }), "ringmaster-check-results-" + RUNS.incrementAndGet(), Props.empty());
    }

    ActorRef<LayerResult> ref() {
      return ref;
    }

    List<LayerResult> await() {
      try {
        return all.get(RESULTS_WAIT.toSeconds(), TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while waiting for the ring's results", e);
      } catch (ExecutionException | TimeoutException e) {
        throw new IllegalStateException("the ring's results did not all arrive within " + RESULTS_WAIT.toSeconds()
            + " s: ranks " + byRank.keySet() + " did", e);
      }
    }
  }
}
