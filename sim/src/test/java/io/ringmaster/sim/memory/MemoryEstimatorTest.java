package io.ringmaster.sim.memory;

import static org.assertj.core.api.Assertions.assertThat;

import io.ringmaster.topology.gpu.GpuSpec;
import io.ringmaster.topology.model.ModelSpec;
import io.ringmaster.topology.node.NicSpec;
import io.ringmaster.topology.node.NodeSpec;
import io.ringmaster.topology.node.PcieTree;
import io.ringmaster.topology.plan.AttentionLayout;
import io.ringmaster.topology.plan.Checkpointing;
import io.ringmaster.topology.plan.Offload;
import io.ringmaster.topology.plan.PlanLoader;
import io.ringmaster.topology.plan.Precision;
import io.ringmaster.topology.plan.TrainingPlan;
import io.ringmaster.topology.plan.TrainingSettings;
import org.junit.jupiter.api.Test;

/**
 * Every ledger term against numbers worked out by hand for a toy Llama: L=2 layers, h=8, 2 heads and
 * 1 KV head of dim 4 (Hq=8, Hkv=4), F=16, V=32. Parameters: a layer is q 64 + k,v 64 + o 64 + MLP
 * 3·8·16=384 + norms 16 = 592; embedding 32·8 = 256; total 2·592 + 2·256 + 8 = 1704; largest module 592.
 * The stage: 64 tokens on rings of 4, 2 rings: c = 16 tokens per GPU, N = 8 GPUs.
 */
class MemoryEstimatorTest {
  static final ModelSpec TOY = new ModelSpec("toy", 2, 8, 2, 1, 4, 16, 32, 10_000, 16, false);
  static final long GIB = 1L << 30;
  static final NodeSpec NODE = new NodeSpec(new GpuSpec("g", 1, 1, 1, 48 * GIB, 1, 25e9, 0), 8,
      new PcieTree(2, 25e9, true, 0), new NicSpec(1, 100, 0, false), 1024 * GIB, 0);
  static final long WORKSPACE = 800L << 20; // 512 MiB context + 2·2·16·4 MiB NCCL + 32 MiB cuBLAS

  private final MemoryEstimator estimator = new MemoryEstimator();

  static TrainingSettings settings(Precision precision, int zero, Offload offload, Checkpointing checkpointing) {
    return new TrainingSettings(precision, zero, offload, checkpointing, AttentionLayout.ZIGZAG);
  }

  private MemoryLedger ledger(TrainingSettings settings) {
    return estimator.estimate(TOY, NODE, settings, 64, 4, 2).gpu();
  }

  @Test
  void toyModelHasTheHandCountedParameters() {
    assertThat(TOY.layerParameters()).isEqualTo(592);
    assertThat(TOY.parameters()).isEqualTo(1704);
    assertThat(TOY.largestModuleParameters()).isEqualTo(592);
  }

  @Test
  void bf16ZeroThreeFullCheckpointingByHand() {
    MemoryLedger ledger = ledger(settings(Precision.BF16, 3, Offload.NONE, Checkpointing.FULL));
    assertThat(ledger.weightsBytes()).isEqualTo(426 + 2368); // shard ⌈1704·2/8⌉ + gathered 2·592·2
    assertThat(ledger.gradientsBytes()).isEqualTo(426 + 1184); // shard + one module's gradient 592·2
    assertThat(ledger.optimizerBytes()).isEqualTo(2556); // 12·1704/8
    assertThat(ledger.activationsBytes()).isEqualTo(1024); // 16·(2 layers·8·2 + final norm 2·8·2)
    // layer saves (4·8 + 2·8 + 2·4 + 4·16)·2 + 4·2 heads = 248 B/token; gradients (2·8 + 2·16)·2 = 96 B/token
    assertThat(ledger.recomputeWorkingSetBytes()).isEqualTo(16 * 248 + 16 * 96);
    assertThat(ledger.ringBuffersBytes()).isEqualTo(2560); // backward, below
    assertThat(ledger.logitsBytes()).isEqualTo(16 * 32 * (2 + 4));
    assertThat(ledger.workspaceBytes()).isEqualTo(WORKSPACE);
    assertThat(ledger.totalBytes())
        .isEqualTo(2794 + 1610 + 2556 + 1024 + 5504 + 2560 + 3072 + WORKSPACE);
    assertThat(ledger.largest()).isEqualTo(LedgerEntry.WORKSPACE);
  }

  @Test
  void ringBuffersByPhaseByHand() {
    RingBuffers ring = estimator.ringBuffers(TOY, settings(Precision.BF16, 3, Offload.NONE, Checkpointing.FULL), 64, 4);
    assertThat(ring.kvBlocksBytes()).isEqualTo(2 * 2 * 16 * 4 * 2); // two received K,V blocks, bf16
    assertThat(ring.outLseAccumulatorBytes()).isEqualTo(16 * (8 + 2) * 4); // fp32 out and LSE
    assertThat(ring.blockOutputBytes()).isEqualTo(16 * (8 * 2 + 2 * 4));
    assertThat(ring.dkdvBytes()).isEqualTo(2 * 2 * 16 * 4 * 4); // fp32 dK,dV, current and arriving
    assertThat(ring.dqAccumulatorBytes()).isEqualTo(16 * 8 * 4);
    assertThat(ring.blockGradientBytes()).isEqualTo(16 * (8 + 2 * 4) * 2);
    assertThat(ring.forwardBytes()).isEqualTo(512 + 640 + 384);
    assertThat(ring.backwardBytes()).isEqualTo(512 + 1024 + 512 + 512);
    assertThat(ring.peakBytes()).isEqualTo(2560);
  }

  @Test
  void aRingOfOneHasNoRingBuffersAndGathersNothing() {
    StageMemory memory = estimator.estimate(TOY, NODE, settings(Precision.BF16, 3, Offload.NONE, Checkpointing.FULL), 16, 1, 1);
    assertThat(memory.gpu().ringBuffersBytes()).isZero();
    assertThat(memory.gpu().weightsBytes()).isEqualTo(3408); // all of it, nothing to gather
    assertThat(memory.gpu().gradientsBytes()).isEqualTo(3408);
  }

  @Test
  void offloadMovesShardsToTheHost() {
    StageMemory memory = estimator.estimate(TOY, NODE,
        settings(Precision.BF16, 3, Offload.OPTIMIZER_AND_PARAMETERS, Checkpointing.FULL), 64, 4, 2);
    assertThat(memory.gpu().weightsBytes()).isEqualTo(2368); // only the gathered modules
    assertThat(memory.gpu().gradientsBytes()).isEqualTo(1184); // only the module being reduced
    assertThat(memory.gpu().optimizerBytes()).isZero();
    // per GPU: (12 + 4)·1704/8 optimizer and fp32 gradients + 2·1704/8 weights = 3408 + 426; 8 GPUs per node
    assertThat(memory.hostBytesPerNode()).isEqualTo(8 * (3408 + 426));
    StageMemory optimizerOnly = estimator.estimate(TOY, NODE,
        settings(Precision.BF16, 2, Offload.OPTIMIZER, Checkpointing.FULL), 64, 4, 2);
    assertThat(optimizerOnly.gpu().weightsBytes()).isEqualTo(3408);
    assertThat(optimizerOnly.hostBytesPerNode()).isEqualTo(8 * 3408);
  }

  @Test
  void aJobSmallerThanANodeOnlyCountsItsOwnGpusOnTheHost() {
    StageMemory memory = estimator.estimate(TOY, NODE, settings(Precision.BF16, 3, Offload.OPTIMIZER, Checkpointing.FULL),
        64, 4, 1);
    assertThat(memory.hostBytesPerNode()).isEqualTo(4 * (16 * 1704 / 4)); // 4 GPUs of the job, shards of 1/4
  }

  @Test
  void zeroStagesShardWhatTheyShouldByHand() {
    MemoryLedger zero0 = ledger(settings(Precision.BF16, 0, Offload.NONE, Checkpointing.FULL));
    assertThat(zero0.weightsBytes()).isEqualTo(3408);
    assertThat(zero0.gradientsBytes()).isEqualTo(3408);
    assertThat(zero0.optimizerBytes()).isEqualTo(12 * 1704);
    MemoryLedger zero1 = ledger(settings(Precision.BF16, 1, Offload.NONE, Checkpointing.FULL));
    assertThat(zero1.optimizerBytes()).isEqualTo(2556);
    assertThat(zero1.gradientsBytes()).isEqualTo(3408);
    MemoryLedger zero2 = ledger(settings(Precision.BF16, 2, Offload.NONE, Checkpointing.FULL));
    assertThat(zero2.gradientsBytes()).isEqualTo(426 + 1184);
    assertThat(zero2.weightsBytes()).isEqualTo(3408);
  }

  @Test
  void fp32UsesFourBytesAndNoMasterCopy() {
    MemoryLedger ledger = ledger(settings(Precision.FP32, 3, Offload.NONE, Checkpointing.FULL));
    assertThat(ledger.weightsBytes()).isEqualTo(852 + 4736);
    assertThat(ledger.optimizerBytes()).isEqualTo(1704); // Adam m and v: 8·1704/8
    assertThat(ledger.logitsBytes()).isEqualTo(16 * 32 * 8); // fp32 logits and their fp32 gradient
    assertThat(ledger.activationsBytes()).isEqualTo(2048);
  }

  @Test
  void withoutCheckpointingEveryLayerKeepsItsActivations() {
    MemoryLedger ledger = ledger(settings(Precision.BF16, 3, Offload.NONE, Checkpointing.NONE));
    assertThat(ledger.activationsBytes()).isEqualTo(16 * (2 * 248 + 32));
    assertThat(ledger.recomputeWorkingSetBytes()).isEqualTo(16 * 96); // gradient buffers only
  }

  @Test
  void memoryGrowsWithLengthAndShrinksWithRing() {
    TrainingSettings settings = settings(Precision.BF16, 3, Offload.NONE, Checkpointing.FULL);
    long shorter = estimator.estimate(TOY, NODE, settings, 64, 4, 1).gpu().totalBytes();
    long longer = estimator.estimate(TOY, NODE, settings, 128, 4, 1).gpu().totalBytes();
    long widerRing = estimator.estimate(TOY, NODE, settings, 128, 8, 1).gpu().totalBytes();
    assertThat(longer).isGreaterThan(shorter);
    assertThat(widerRing).isLessThan(longer);
  }

  /** Gradient's 524K stage of Llama-3-8B: 16,384 tokens per GPU, bf16, ZeRO-3 with everything offloaded. */
  @Test
  void llama3_8bGradientStageByHand() {
    TrainingPlan plan = PlanLoader.load("gradient-llama3-8b");
    MemoryLedger ledger = estimator.estimate(plan, plan.stage("524K").orElseThrow()).gpu();
    long c = 16_384;
    long embedding = 128_256L * 4096; // the largest module, bigger than a layer (218 M)
    assertThat(ledger.weightsBytes()).isEqualTo(2 * embedding * 2);
    assertThat(ledger.gradientsBytes()).isEqualTo(embedding * 2);
    assertThat(ledger.optimizerBytes()).isZero();
    assertThat(ledger.activationsBytes()).isEqualTo(c * (32 * 4096 * 2 + 2 * 4096 * 2));
    // layer: (4·4096 + 2·4096 + 2·1024 + 4·14336)·2 + 4·32 = 168,064; gradients (2·4096 + 2·14336)·2 = 73,728
    assertThat(ledger.recomputeWorkingSetBytes()).isEqualTo(c * (168_064 + 73_728));
    // backward: K,V 2·2·1024·2 + dK,dV 2·2·1024·4 + dQ 4096·4 + block grads (4096 + 2·1024)·2
    assertThat(ledger.ringBuffersBytes()).isEqualTo(c * (8_192 + 16_384 + 16_384 + 12_288));
    assertThat(ledger.logitsBytes()).isEqualTo(c * 128_256 * 6);
    assertThat(ledger.totalBytes()).isEqualTo(25_996_296_192L); // 24.21 GiB of the L40S's 44.99
    assertThat(ledger.largest()).isEqualTo(LedgerEntry.LOGITS);
  }

  @Test
  void verdictComparesAgainstGpuAndHostCapacity() {
    MemoryLedger ledger = new MemoryLedger(1, 2, 3, 4, 5, 6, 7, 8);
    assertThat(ledger.totalBytes()).isEqualTo(36);
    assertThat(ledger.largest()).isEqualTo(LedgerEntry.WORKSPACE);
    assertThat(new StageMemory(ledger, 36, 10, 10).fits()).isTrue();
    assertThat(new StageMemory(ledger, 35, 10, 10).fitsGpu()).isFalse();
    assertThat(new StageMemory(ledger, 36, 11, 10).fits()).isFalse();
  }
}
