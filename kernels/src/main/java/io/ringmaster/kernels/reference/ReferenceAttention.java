package io.ringmaster.kernels.reference;

import io.ringmaster.kernels.HeadLayout;
import io.ringmaster.kernels.HostTensor;
import io.ringmaster.kernels.Masking;
import io.ringmaster.kernels.RotaryEmbedding;
import io.ringmaster.kernels.TokenPositions;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.IntFunction;

/**
 * Plain full attention and its gradients on the host, accumulated in double: the ground truth that
 * every backend and the ring algorithm are tested against. Query head {@code h} reads KV head
 * {@code h / (queryHeads / kvHeads)} (GQA); a causal query at position p sees keys at positions
 * {@code <= p}; a row that sees no key has {@code out = 0} and {@code lse = -inf}.
 *
 * <p>Each query head is an independent problem ({@link HeadAttention}), so heads run on parallel
 * threads, one per processor at most. Within a head every score is materialised, each row's softmax is
 * taken over all of its keys at once and the gradients follow their explicit formulas: nothing of the
 * blockwise, online-softmax algorithm under test. Rows go in blocks and keys in chunks only so that
 * what is loaded into cache serves many products.
 */
public final class ReferenceAttention {
  private static final int PROCESSORS = Runtime.getRuntime().availableProcessors();
  /**
   * One thread per processor, shared by every call (tests call the reference hundreds of times on tiny
   * problems, where starting threads per call would cost more than the attention); daemon threads, so
   * an idle pool never keeps a JVM alive.
   */
  private static final ExecutorService POOL = Executors.newFixedThreadPool(PROCESSORS, runnable -> {
    Thread thread = new Thread(runnable, "reference-attention");
    thread.setDaemon(true);
    return thread;
  });

  public record Forward(HostTensor out, HostTensor lse) {}

  public record Gradients(HostTensor dq, HostTensor dk, HostTensor dv) {}

  /** Forward and backward of attention with RoPE applied to Q and K, gradients w.r.t. the inputs. */
  public record Result(HostTensor out, HostTensor lse, HostTensor dq, HostTensor dk, HostTensor dv) {}

  private final HostTensor q;
  private final HostTensor k;
  private final HostTensor v;
  private final TokenPositions qPositions;
  private final TokenPositions kvPositions;
  private final Masking masking;
  private final HeadLayout heads;

  private ReferenceAttention(
      HostTensor q, HostTensor k, HostTensor v, TokenPositions qPositions, TokenPositions kvPositions, Masking masking) {
    if (k.tokens() != v.tokens() || k.heads() != v.heads() || q.headDim() != k.headDim() || k.headDim() != v.headDim()
        || q.tokens() != qPositions.count() || k.tokens() != kvPositions.count()) {
      throw new IllegalArgumentException("q, k, v and positions do not fit together");
    }
    this.q = q;
    this.k = k;
    this.v = v;
    this.qPositions = qPositions;
    this.kvPositions = kvPositions;
    this.masking = masking;
    this.heads = new HeadLayout(q.heads(), k.heads(), q.headDim());
  }

  public static Forward forward(
      HostTensor q, HostTensor k, HostTensor v, TokenPositions qPositions, TokenPositions kvPositions, Masking masking) {
    Result result = new ReferenceAttention(q, k, v, qPositions, kvPositions, masking).attend(Optional.empty());
    return new Forward(result.out(), result.lse());
  }

  /** Gradients of {@code sum(dOut * out)} with respect to q, k and v (pre-RoPE inputs not involved). */
  public static Gradients backward(
      HostTensor q,
      HostTensor k,
      HostTensor v,
      HostTensor dOut,
      TokenPositions qPositions,
      TokenPositions kvPositions,
      Masking masking) {
    Result result = new ReferenceAttention(q, k, v, qPositions, kvPositions, masking).attend(Optional.of(dOut));
    return new Gradients(result.dq(), result.dk(), result.dv());
  }

  /** Self-attention over one sequence with RoPE on Q and K, the way a ring computes it in pieces. */
  public static Result withRope(
      HostTensor q, HostTensor k, HostTensor v, HostTensor dOut, TokenPositions positions, Masking masking, double theta) {
    RotaryEmbedding rope = new RotaryEmbedding(theta);
    Result rotated = new ReferenceAttention(rope.rotate(q, positions), rope.rotate(k, positions), v, positions, positions,
        masking).attend(Optional.of(dOut));
    return new Result(rotated.out(), rotated.lse(), rope.rotateBack(rotated.dq(), positions),
        rope.rotateBack(rotated.dk(), positions), rotated.dv());
  }

  /** Every query head on the pool; the gradients are zero when there is no {@code dOut}. */
  private Result attend(Optional<HostTensor> dOut) {
    int dim = heads.headDim();
    HostTensor out = HostTensor.zeros(q.tokens(), heads.queryHeads(), dim);
    HostTensor lse = HostTensor.zeros(q.tokens(), heads.queryHeads(), 1);
    HostTensor dq = HostTensor.zeros(q.tokens(), heads.queryHeads(), dim);
    List<HeadAttention.Gradients> keyGradients = onHeads(head -> {
      HeadAttention attention = new HeadAttention(headRows(q, head), headRows(k, kvHead(head)), headRows(v, kvHead(head)),
          qPositions, kvPositions, masking, dim, heads.softmaxScale());
      HeadAttention.Rows rows = attention.run(dOut.map(gradient -> headRows(gradient, head)));
      store(out, head, rows.out());
      for (int token = 0; token < q.tokens(); token++) {
        lse.values()[lse.index(token, head, 0)] = (float) rows.lse()[token];
      }
      store(dq, head, rows.dq());
      return rows.keys();
    });
    double[] dk = new double[k.values().length];
    double[] dv = new double[v.values().length];
    for (int head = 0; head < heads.queryHeads(); head++) { // in head order, so the sums never depend on timing
      addHead(dk, k, kvHead(head), keyGradients.get(head).dk());
      addHead(dv, v, kvHead(head), keyGradients.get(head).dv());
    }
    return new Result(out, lse, dq, like(k, dk), like(v, dv));
  }

  /** The threads the query heads of {@code heads} run on: one per processor, at most one per head. */
  public static int threads(HeadLayout heads) {
    return Math.min(heads.queryHeads(), PROCESSORS);
  }

  /** Runs {@code task} for every query head on {@link #POOL}; results in head order. */
  private List<HeadAttention.Gradients> onHeads(IntFunction<HeadAttention.Gradients> task) {
    List<Future<HeadAttention.Gradients>> pending = new ArrayList<>();
    for (int head = 0; head < heads.queryHeads(); head++) {
      int h = head;
      pending.add(POOL.submit(() -> task.apply(h)));
    }
    try {
      List<HeadAttention.Gradients> results = new ArrayList<>();
      for (Future<HeadAttention.Gradients> result : pending) {
        results.add(result.get());
      }
      return results;
    } catch (InterruptedException e) {
      pending.forEach(result -> result.cancel(true));
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while computing the reference", e);
    } catch (ExecutionException e) {
      pending.forEach(result -> result.cancel(true));
      throw e.getCause() instanceof RuntimeException runtime ? runtime : new IllegalStateException(e.getCause());
    }
  }

  private int kvHead(int queryHead) {
    return queryHead / heads.queriesPerKvHead();
  }

  /** One head of {@code x} as rows {@code [tokens][headDim]} of doubles. */
  private static double[][] headRows(HostTensor x, int head) {
    double[][] rows = new double[x.tokens()][x.headDim()];
    for (int token = 0; token < x.tokens(); token++) {
      int base = x.index(token, head, 0);
      for (int d = 0; d < x.headDim(); d++) {
        rows[token][d] = x.values()[base + d];
      }
    }
    return rows;
  }

  private static void store(HostTensor target, int head, double[][] rows) {
    for (int token = 0; token < target.tokens(); token++) {
      int base = target.index(token, head, 0);
      for (int d = 0; d < target.headDim(); d++) {
        target.values()[base + d] = (float) rows[token][d];
      }
    }
  }

  private static void addHead(double[] target, HostTensor shape, int head, double[][] rows) {
    for (int token = 0; token < shape.tokens(); token++) {
      int base = shape.index(token, head, 0);
      for (int d = 0; d < shape.headDim(); d++) {
        target[base + d] += rows[token][d];
      }
    }
  }

  private static HostTensor like(HostTensor shape, double[] values) {
    float[] narrowed = new float[values.length];
    for (int i = 0; i < values.length; i++) {
      narrowed[i] = (float) values[i];
    }
    return new HostTensor(shape.tokens(), shape.heads(), shape.headDim(), narrowed);
  }
}
