package io.ringmaster.kernels.reference;

import io.ringmaster.kernels.HeadLayout;
import io.ringmaster.kernels.HostTensor;
import io.ringmaster.kernels.Masking;
import io.ringmaster.kernels.RotaryEmbedding;
import io.ringmaster.kernels.TokenPositions;
import java.util.Arrays;

/**
 * Plain full attention and its gradients on the host, accumulated in double: the ground truth that
 * every backend and the ring algorithm are tested against. Query head {@code h} reads KV head
 * {@code h / (queryHeads / kvHeads)} (GQA); a causal query at position p sees keys at positions
 * {@code <= p}; a row that sees no key has {@code out = 0} and {@code lse = -inf}.
 */
public final class ReferenceAttention {
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
    return new ReferenceAttention(q, k, v, qPositions, kvPositions, masking).forward();
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
    return new ReferenceAttention(q, k, v, qPositions, kvPositions, masking).backward(dOut);
  }

  /** Self-attention over one sequence with RoPE on Q and K, the way a ring computes it in pieces. */
  public static Result withRope(
      HostTensor q, HostTensor k, HostTensor v, HostTensor dOut, TokenPositions positions, Masking masking, double theta) {
    RotaryEmbedding rope = new RotaryEmbedding(theta);
    ReferenceAttention attention =
        new ReferenceAttention(rope.rotate(q, positions), rope.rotate(k, positions), v, positions, positions, masking);
    Forward forward = attention.forward();
    Gradients gradients = attention.backward(dOut);
    return new Result(
        forward.out(),
        forward.lse(),
        rope.rotateBack(gradients.dq(), positions),
        rope.rotateBack(gradients.dk(), positions),
        gradients.dv());
  }

  private Forward forward() {
    int dim = heads.headDim();
    HostTensor out = HostTensor.zeros(q.tokens(), heads.queryHeads(), dim);
    HostTensor lse = HostTensor.zeros(q.tokens(), heads.queryHeads(), 1);
    double[] scores = new double[k.tokens()];
    for (int head = 0; head < heads.queryHeads(); head++) {
      for (int row = 0; row < q.tokens(); row++) {
        double rowLse = probabilities(head, row, scores);
        lse.values()[lse.index(row, head, 0)] = (float) rowLse;
        double[] acc = new double[dim];
        for (int key = 0; key < k.tokens(); key++) {
          if (scores[key] != 0.0) {
            axpy(scores[key], v, key, kvHead(head), acc);
          }
        }
        store(acc, out, row, head);
      }
    }
    return new Forward(out, lse);
  }

  private Gradients backward(HostTensor dOut) {
    int dim = heads.headDim();
    double scale = heads.softmaxScale();
    double[] dq = new double[q.values().length];
    double[] dk = new double[k.values().length];
    double[] dv = new double[v.values().length];
    double[] probabilities = new double[k.tokens()];
    double[] dProbabilities = new double[k.tokens()];
    for (int head = 0; head < heads.queryHeads(); head++) {
      int kvHead = kvHead(head);
      for (int row = 0; row < q.tokens(); row++) {
        probabilities(head, row, probabilities);
        double rowDelta = 0.0;
        for (int key = 0; key < k.tokens(); key++) {
          if (probabilities[key] != 0.0) {
            dProbabilities[key] = dot(dOut, row, head, v, key, kvHead);
            rowDelta += probabilities[key] * dProbabilities[key];
          }
        }
        for (int key = 0; key < k.tokens(); key++) {
          double p = probabilities[key];
          if (p == 0.0) {
            continue;
          }
          double dScore = p * (dProbabilities[key] - rowDelta) * scale;
          int qBase = q.index(row, head, 0);
          int kBase = k.index(key, kvHead, 0);
          int dOutBase = dOut.index(row, head, 0);
          for (int d = 0; d < dim; d++) {
            dq[qBase + d] += dScore * k.values()[kBase + d];
            dk[kBase + d] += dScore * q.values()[qBase + d];
            dv[kBase + d] += p * dOut.values()[dOutBase + d];
          }
        }
      }
    }
    return new Gradients(like(q, dq), like(k, dk), like(v, dv));
  }

  /** Fills {@code out} with the row's softmax probabilities (0 where masked) and returns its LSE. */
  private double probabilities(int head, int row, double[] out) {
    double scale = heads.softmaxScale();
    double max = Double.NEGATIVE_INFINITY;
    for (int key = 0; key < k.tokens(); key++) {
      out[key] = visible(row, key) ? scale * dot(q, row, head, k, key, kvHead(head)) : Double.NEGATIVE_INFINITY;
      max = Math.max(max, out[key]);
    }
    if (max == Double.NEGATIVE_INFINITY) {
      Arrays.fill(out, 0.0);
      return Double.NEGATIVE_INFINITY;
    }
    double sum = 0.0;
    for (int key = 0; key < k.tokens(); key++) {
      out[key] = Math.exp(out[key] - max);
      sum += out[key];
    }
    for (int key = 0; key < k.tokens(); key++) {
      out[key] /= sum;
    }
    return max + Math.log(sum);
  }

  private boolean visible(int row, int key) {
    return masking == Masking.NONE || kvPositions.at(key) <= qPositions.at(row);
  }

  private int kvHead(int queryHead) {
    return queryHead / heads.queriesPerKvHead();
  }

  private static double dot(HostTensor a, int aRow, int aHead, HostTensor b, int bRow, int bHead) {
    int aBase = a.index(aRow, aHead, 0);
    int bBase = b.index(bRow, bHead, 0);
    double sum = 0.0;
    for (int d = 0; d < a.headDim(); d++) {
      sum += (double) a.values()[aBase + d] * b.values()[bBase + d];
    }
    return sum;
  }

  private static void axpy(double weight, HostTensor x, int row, int head, double[] acc) {
    int base = x.index(row, head, 0);
    for (int d = 0; d < acc.length; d++) {
      acc[d] += weight * x.values()[base + d];
    }
  }

  private static void store(double[] values, HostTensor target, int row, int head) {
    int base = target.index(row, head, 0);
    for (int d = 0; d < values.length; d++) {
      target.values()[base + d] = (float) values[d];
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
