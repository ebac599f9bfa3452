package io.ringmaster.actors.live;

import io.ringmaster.actors.protocol.DenseKind;
import io.ringmaster.actors.protocol.Pass;
import io.ringmaster.actors.protocol.StepOp;
import io.ringmaster.actors.protocol.StepProgram;
import io.ringmaster.actors.protocol.Work;
import io.ringmaster.kernels.HeadLayout;
import java.util.ArrayList;
import java.util.List;

/**
 * The step program of live mode as it stands: every layer's attention, forward then backward, and
 * nothing else, because nothing else is real yet. Per layer, forward: the layer's rows to the device
 * and RoPE on Q and K ({@link DenseKind#ROPE}), then the ring pass; backward, from the top layer
 * down: the ring pass, then RoPE's gradient and the gradients back to the host. No embedding, QKV/O
 * projections, MLP, LM head, collectives or optimizer: those come with the curriculum-training work.
 * No recompute either: each layer's attention state is kept from its forward to its backward. The
 * simulation runs the same program when it is compared with a live run.
 */
public final class AttentionProgram {
  private static final int FP32_BYTES = 4;

  private AttentionProgram() {}

  public static StepProgram of(int layers, long tokensPerRank, HeadLayout heads) {
    List<StepOp> ops = new ArrayList<>();
    for (int layer = 0; layer < layers; layer++) {
      ops.add(rope(layer, Pass.FORWARD, tokensPerRank, heads));
      ops.add(new StepOp.RingAttention(Pass.FORWARD, layer));
    }
    for (int layer = layers - 1; layer >= 0; layer--) {
      ops.add(new StepOp.RingAttention(Pass.BACKWARD, layer));
      ops.add(rope(layer, Pass.BACKWARD, tokensPerRank, heads));
    }
    return new StepProgram(ops);
  }

  /**
   * Element-wise only, so no matrix FLOPs; bytes read and written once each, per token, in fp32.
   * Forward: Q, K, V copied in (Hq + 2Hkv), RoPE reading and writing Q and K (Hq + Hkv), K and V copied
   * out for the ring (2Hkv). Backward: RoPE's gradient on dQ and dK (Hq + Hkv), dQ, dK, dV copied out
   * (Hq + 2Hkv). Each figure is read once and written once (2×).
   */
  static StepOp rope(int layer, Pass pass, long tokensPerRank, HeadLayout heads) {
    double hq = (double) heads.queryHeads() * heads.headDim();
    double hkv = (double) heads.kvHeads() * heads.headDim();
    double elements = pass == Pass.FORWARD ? 2 * hq + 5 * hkv : 2 * hq + 3 * hkv;
    return new StepOp.Compute(new Work.Dense(DenseKind.ROPE, layer, pass, 0,
        2.0 * FP32_BYTES * elements * tokensPerRank));
  }
}
