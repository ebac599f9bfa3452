package io.ringmaster.kernels;

import io.ringmaster.kernels.layout.ShardLayout;
import io.ringmaster.kernels.layout.Sharding;
import io.ringmaster.kernels.reference.ReferenceAttention;
import io.ringmaster.kernels.ring.RingOutcome;
import io.ringmaster.kernels.ring.RingSetup;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One seeded self-attention problem over a whole sequence (GQA 8 query / 2 KV heads, head dim 64,
 * Llama-3's RoPE theta) and its reference result, computed once per JVM and shared by every layout and
 * ring size that is checked against it.
 */
public final class RingProblem {
  public static final HeadLayout HEADS = new HeadLayout(8, 2, 64);
  /** Llama-3's rope_theta (reference/models.md). */
  public static final double LLAMA3_THETA = 500_000;

  private static final Map<String, RingProblem> CACHE = new ConcurrentHashMap<>();

  public final int sequenceTokens;
  public final Masking masking;
  public final HostTensor q;
  public final HostTensor k;
  public final HostTensor v;
  public final HostTensor dOut;
  public final ReferenceAttention.Result reference;

  private RingProblem(int sequenceTokens, Masking masking) {
    this.sequenceTokens = sequenceTokens;
    this.masking = masking;
    SeededTensors random = new SeededTensors(sequenceTokens * 31L + masking.ordinal());
    this.q = random.normal(sequenceTokens, HEADS.queryHeads(), HEADS.headDim());
    this.k = random.normal(sequenceTokens, HEADS.kvHeads(), HEADS.headDim());
    this.v = random.normal(sequenceTokens, HEADS.kvHeads(), HEADS.headDim());
    this.dOut = random.normal(sequenceTokens, HEADS.queryHeads(), HEADS.headDim());
    this.reference = ReferenceAttention.withRope(
        q, k, v, dOut, TokenPositions.contiguous(0, sequenceTokens), masking, LLAMA3_THETA);
  }

  public static RingProblem of(int sequenceTokens, Masking masking) {
    return CACHE.computeIfAbsent(sequenceTokens + "/" + masking, key -> new RingProblem(sequenceTokens, masking));
  }

  public RingSetup setup(ShardLayout layout, int ringSize, Masking ringMasking, double theta) {
    return new RingSetup(new Sharding(layout, ringSize, sequenceTokens), ringMasking, new RotaryEmbedding(theta));
  }

  /** Every output of the ring next to the reference: out, lse, dq, dk, dv. */
  public List<TensorDifference> differences(String label, RingOutcome outcome) {
    return List.of(
        TensorDifference.of(label + " out", reference.out(), outcome.out()),
        TensorDifference.of(label + " lse", reference.lse(), outcome.lse()),
        TensorDifference.of(label + " dq", reference.dq(), outcome.dq()),
        TensorDifference.of(label + " dk", reference.dk(), outcome.dk()),
        TensorDifference.of(label + " dv", reference.dv(), outcome.dv()));
  }
}
