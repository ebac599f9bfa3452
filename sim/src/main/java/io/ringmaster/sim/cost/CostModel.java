package io.ringmaster.sim.cost;

import io.ringmaster.actors.protocol.BlockShape;
import io.ringmaster.actors.protocol.Pass;
import io.ringmaster.actors.protocol.Work;
import io.ringmaster.kernels.HeadLayout;

/**
 * How long a piece of work takes on one GPU type: roofline terms with the efficiencies of a
 * {@link GpuProfile}. Matrix products are compute-bound, their element-wise neighbours memory-bound,
 * and they run one after the other, so their times add.
 */
public final class CostModel {
  private static final int FP32_BYTES = 4;
  /**
   * Attention backward costs about 2.5 times its forward (reference/ring-attention.md): the forward's
   * QK^T recomputed, and dV, dP, dQ, dK products.
   */
  public static final double BACKWARD_ATTENTION_FACTOR = 2.5;
  /**
   * Mixed-precision Adam on the GPU reads and writes the fp32 master weight and both fp32 moments,
   * reads the gradient and writes the working copy (ZeRO paper, §3.1: 12 bytes of state per parameter).
   */
  private static final double ADAM_FP32_STATE_BYTES = 3 * 2 * FP32_BYTES;
  /**
   * ZeRO-Offload's CPU Adam (Ren et al. 2021, arXiv 2101.06840) keeps the fp32 master weights, both
   * moments and the fp32 gradients in host memory: per parameter it reads those four and writes the
   * master weight and moments back (7 × 4 bytes), then writes the updated working copy in the training
   * precision (below, per element).
   */
  private static final double HOST_ADAM_FP32_BYTES = 7 * FP32_BYTES;

  private final GpuProfile profile;
  private final HeadLayout heads;
  private final int elementBytes;

  public CostModel(GpuProfile profile, HeadLayout heads, int elementBytes) {
    this.profile = profile;
    this.heads = heads;
    this.elementBytes = elementBytes;
  }

  public double seconds(Work work) {
    if (work instanceof Work.Dense dense) {
      return dense.flops() / (profile.peakFlopsPerSecond() * profile.matmulEfficiency())
          + memorySeconds(dense.memoryBytes());
    } else if (work instanceof Work.AttentionBlock block) {
      return attentionSeconds(block.pass(), block.block());
    }
    Work.OptimizerStep step = (Work.OptimizerStep) work;
    if (step.onHost()) {
      return step.parameters() / hostAdamParametersPerSecond();
    }
    return memorySeconds(step.parameters() * (ADAM_FP32_STATE_BYTES + 2.0 * elementBytes));
  }

  /**
   * CPU Adam on this GPU's shard, while every GPU of the host runs its own at the same time: as fast as
   * the process's cores go, or as its share of the host's memory bandwidth carries the state, whichever
   * is slower (with many cores, memory: sim/bench/host_offload.py saw 16 cores reach 5.8 times one).
   */
  public double hostAdamParametersPerSecond() {
    double cores = profile.hostCoresPerGpu() * profile.hostAdamParametersPerSecondPerCore();
    double memory = profile.hostMemoryBytesPerSecondPerGpu() / (HOST_ADAM_FP32_BYTES + elementBytes);
    return Math.min(cores, memory);
  }

  /** FLOPs of one block: QK^T and PV, 2 each per attended pair and query dimension (4·c²·Hq for a full block). */
  public double attentionFlops(Pass pass, BlockShape block) {
    double forward = 4.0 * block.pairs() * queryWidth();
    return pass == Pass.BACKWARD ? forward * BACKWARD_ATTENTION_FACTOR : forward;
  }

  private double attentionSeconds(Pass pass, BlockShape block) {
    double efficiency = block.masked() ? profile.maskedBlockEfficiency() : profile.attentionEfficiency();
    double compute = attentionFlops(pass, block) / (profile.peakFlopsPerSecond() * efficiency);
    return compute + memorySeconds(accumulateBytes(pass, block)) + profile.blockOverheadSeconds();
  }

  /**
   * The fp32 accumulators a block updates after its kernel (ring-flash-attention). Forward: the running
   * output and LSE are read and written, the block's output read, for every query row it covers.
   * Backward: dQ read and written and the block's dQ read per query row; dK, dV likewise per key row.
   */
  private double accumulateBytes(Pass pass, BlockShape block) {
    double perQuery = queryWidth() * (2.0 * FP32_BYTES + elementBytes);
    if (pass != Pass.BACKWARD) {
      return block.queryTokens() * (perQuery + heads.queryHeads() * 3.0 * FP32_BYTES);
    }
    double perKey = 2.0 * kvWidth() * (2.0 * FP32_BYTES + elementBytes);
    return block.queryTokens() * perQuery + block.keyTokens() * perKey;
  }

  private double memorySeconds(double bytes) {
    return bytes / (profile.memoryBytesPerSecond() * profile.memoryEfficiency());
  }

  private double queryWidth() {
    return (double) heads.queryHeads() * heads.headDim();
  }

  private double kvWidth() {
    return (double) heads.kvHeads() * heads.headDim();
  }
}
