package io.ringmaster.sim.memory;

import io.ringmaster.topology.model.ModelSpec;
import io.ringmaster.topology.node.NodeSpec;
import io.ringmaster.topology.plan.Checkpointing;
import io.ringmaster.topology.plan.Precision;
import io.ringmaster.topology.plan.Stage;
import io.ringmaster.topology.plan.TrainingPlan;
import io.ringmaster.topology.plan.TrainingSettings;

/**
 * Estimates the per-GPU memory ledger of a training stage from first principles: the model's shape,
 * the precision, the ZeRO stage and offload, activation checkpointing and the ring. Micro batch 1
 * (one sequence per ring per micro-step, as in EasyContext and Gradient's runs); ZeRO shards over
 * all GPUs of the job, as DeepSpeed does when ring members are also data-parallel ranks.
 *
 * <p>Notation (reference/ring-attention.md): c tokens per GPU, h hidden size, Hq = heads·head dim,
 * Hkv = KV heads·head dim, F FFN size, V vocabulary, L layers, P parameters, N GPUs of the job,
 * β bytes per element of the precision. docs/memory-ledger.md derives every term.
 */
public final class MemoryEstimator {
  private static final long MEBI = 1L << 20;
  private static final int FP32_BYTES = 4;

  /**
   * CUDA context and loaded kernels. ASSUMPTION: 512 MiB; PyTorch's CUDA memory notes put the
   * context at a few hundred MiB, depending on the CUDA version and lazy module loading.
   */
  static final long CUDA_CONTEXT_BYTES = 512 * MEBI;
  /**
   * NCCL buffers: NCCL_BUFFSIZE, 4 MiB by default (NCCL documentation, environment variables), per
   * channel and peer; two communicators (ring attention's point-to-point, ZeRO's collectives), two
   * neighbours each, and ASSUMPTION 16 channels.
   */
  static final long NCCL_BUFFER_BYTES = 2 * 2 * 16 * 4 * MEBI;
  /** cuBLAS workspace: PyTorch's default CUBLAS_WORKSPACE_CONFIG=:4096:8, eight 4 MiB chunks. */
  static final long CUBLAS_WORKSPACE_BYTES = 8 * 4 * MEBI;

  /**
   * Mixed-precision Adam keeps an fp32 master copy and two fp32 moments per parameter: K = 12 bytes
   * (Rajbhandari et al. 2020, "ZeRO", §3.1). In pure fp32 the weights are the master: K = 8.
   */
  static long optimizerBytesPerParameter(Precision precision) {
    return precision == Precision.BF16 ? 12 : 8;
  }

  /**
   * ZeRO-Offload runs Adam on the CPU over fp32 gradients that it keeps in host memory (Ren et al.
   * 2021, "ZeRO-Offload", §4.1): 4 bytes per parameter next to the optimizer state.
   */
  static final long HOST_GRADIENT_BYTES_PER_PARAMETER = 4;

  public StageMemory estimate(TrainingPlan plan, Stage stage) {
    return estimate(plan.model(), plan.cluster().node(), plan.settings(), stage.seqLen(), stage.ringSize(),
        stage.rings());
  }

  public StageMemory estimate(ModelSpec model, NodeSpec node, TrainingSettings settings, long seqLen, int ringSize,
      int rings) {
    Job job = new Job(model, settings, seqLen / ringSize, ringSize, (long) ringSize * rings);
    MemoryLedger ledger = new MemoryLedger(
        weightsBytes(job),
        gradientsBytes(job),
        optimizerBytes(job),
        activationsBytes(job),
        recomputeWorkingSetBytes(job),
        ringBuffers(job).peakBytes(),
        logitsBytes(job),
        workspaceBytes());
    long gpusOfJobPerNode = Math.min(job.gpus, node.gpus());
    return new StageMemory(ledger, node.gpu().memoryBytes(), hostBytesPerGpu(job) * gpusOfJobPerNode,
        node.hostMemoryBytes());
  }

  /** The ring buffers' breakdown, for reports and tests. */
  public RingBuffers ringBuffers(ModelSpec model, TrainingSettings settings, long seqLen, int ringSize) {
    return ringBuffers(new Job(model, settings, seqLen / ringSize, ringSize, ringSize));
  }

  /**
   * Without ZeRO-3 every GPU holds all weights, P·β. ZeRO-3 keeps a 1/N shard, P·β/N, on the GPU (none
   * with parameter offload, which keeps it in host memory) and gathers whole modules to compute: the
   * module in use and the next one, prefetched (DeepSpeed stage3_prefetch_bucket_size; FSDP's
   * forward/backward prefetch), 2·Pmax·β, where Pmax is the largest module (a layer, or the embedding
   * and LM head). A job of one GPU gathers nothing unless the weights live in host memory.
   */
  static long weightsBytes(Job job) {
    long bytesPerWeight = job.bytesPerElement();
    long parameters = job.model.parameters();
    if (job.settings.zeroStage() < 3) {
      return parameters * bytesPerWeight;
    }
    boolean offloaded = job.settings.offload().parameters();
    long shard = offloaded ? 0 : ceilDiv(parameters * bytesPerWeight, job.gpus);
    boolean gathers = offloaded || job.gpus > 1;
    return shard + (gathers ? 2 * job.model.largestModuleParameters() * bytesPerWeight : 0);
  }

  /**
   * Gradients in the training precision (ZeRO paper: 2Ψ in mixed precision). Below ZeRO-2 every GPU
   * holds all, P·β. ZeRO-2/3 reduce-scatter each module's full gradient, Pmax·β, as it is produced and
   * keep a 1/N shard, P·β/N, which optimizer offload moves to host memory instead (a job of one GPU
   * has nothing to reduce, and its shard is all).
   */
  static long gradientsBytes(Job job) {
    long bytesPerGradient = job.bytesPerElement();
    long parameters = job.model.parameters();
    if (job.settings.zeroStage() < 2) {
      return parameters * bytesPerGradient;
    }
    boolean offloaded = job.settings.offload().optimizer();
    long shard = offloaded ? 0 : ceilDiv(parameters * bytesPerGradient, job.gpus);
    boolean reduces = offloaded || job.gpus > 1;
    return shard + (reduces ? job.model.largestModuleParameters() * bytesPerGradient : 0);
  }

  /** Adam state, K·P (see {@link #optimizerBytesPerParameter}); ZeRO-1 and up keep 1/N; offload keeps none. */
  static long optimizerBytes(Job job) {
    if (job.settings.offload().optimizer()) {
      return 0;
    }
    long bytes = optimizerBytesPerParameter(job.settings.precision()) * job.model.parameters();
    return job.settings.zeroStage() >= 1 ? ceilDiv(bytes, job.gpus) : bytes;
  }

  /**
   * Saved for the backward pass. Full checkpointing keeps each layer's input, c·h·β per layer
   * (Chen et al. 2016, "Training Deep Nets with Sublinear Memory Cost"; the checkpointed unit is one
   * decoder layer, as in Hugging Face and the Ring Attention paper). Without checkpointing every
   * layer keeps all it saves (see {@link #layerSavedBytesPerToken}). Both keep the final RMSNorm's
   * input and output, the LM head's input: 2·c·h·β.
   */
  static long activationsBytes(Job job) {
    ModelSpec model = job.model;
    long beta = job.bytesPerElement();
    long finalNorm = 2L * model.hiddenSize() * beta;
    long perLayer = job.settings.checkpointing() == Checkpointing.FULL
        ? model.hiddenSize() * beta
        : layerSavedBytesPerToken(job);
    return job.tokensPerGpu * (model.layers() * perLayer + finalNorm);
  }

  /**
   * The backward pass of one layer. Under full checkpointing the layer's forward is recomputed, so
   * everything it saves is live again, plus the gradient buffers; without checkpointing only the
   * gradient buffers are extra (the saved activations are in {@link #activationsBytes}). Gradient
   * buffers at the MLP's backward peak: the gradients of the layer's output and input (2h) and two
   * F-wide gradients (of the down projection's input and of the gate or up output): c·(2h + 2F)·β.
   */
  static long recomputeWorkingSetBytes(Job job) {
    ModelSpec model = job.model;
    long gradientBuffers = job.tokensPerGpu * (2L * model.hiddenSize() + 2L * model.ffnSize()) * job.bytesPerElement();
    long recomputed = job.settings.checkpointing() == Checkpointing.FULL
        ? job.tokensPerGpu * layerSavedBytesPerToken(job)
        : 0;
    return recomputed + gradientBuffers;
  }

  /**
   * What one decoder layer saves for its backward pass, per token: the Korthikanti et al. 2022
   * ("Reducing Activation Recomputation in Large Transformer Models", §4.1) accounting, adapted to a
   * Llama layer with flash/blockwise attention (no s² term, no dropout masks):
   * RMSNorm input and output twice (4h), Q, K, V after RoPE (Hq + 2Hkv), the attention output that
   * is also the O projection's input (Hq), and the SwiGLU MLP's gate output, up output, SiLU output
   * and product, the down projection's input (4F), all at β bytes; plus the attention's fp32
   * log-sum-exp per head (4·heads), which flash attention saves for its backward.
   */
  static long layerSavedBytesPerToken(Job job) {
    ModelSpec model = job.model;
    long elements = 4L * model.hiddenSize() + 2 * model.queryWidth() + 2 * model.kvWidth() + 4L * model.ffnSize();
    return elements * job.bytesPerElement() + (long) FP32_BYTES * model.attentionHeads();
  }

  /**
   * Ring attention's buffers (reference/ring-attention.md; zhuzilin/ring-flash-attention's buffers),
   * c tokens per GPU. A ring of one is plain flash attention and needs none.
   * Forward: received K,V blocks, current and arriving, 2·2·c·Hkv·β; fp32 running output and LSE,
   * c·(Hq + heads)·4; one block's output and LSE, c·(Hq·β + heads·4).
   * Backward: the same K,V blocks; fp32 dK,dV travelling with them, current and arriving, 2·2·c·Hkv·4;
   * fp32 dQ accumulator, c·Hq·4; one block's dQ, dK, dV from the kernel, c·(Hq + 2Hkv)·β.
   * The paper's 6bch (Table 1) counts one Q, two K/V and two receive blocks and one output; the fp32
   * accumulators and travelling dK/dV are the "up to about 2×" of practice that it mentions.
   */
  static RingBuffers ringBuffers(Job job) {
    if (job.ringSize == 1) {
      return RingBuffers.NONE;
    }
    ModelSpec model = job.model;
    long c = job.tokensPerGpu;
    long beta = job.bytesPerElement();
    long heads = model.attentionHeads();
    return new RingBuffers(
        2 * 2 * c * model.kvWidth() * beta,
        c * (model.queryWidth() + heads) * FP32_BYTES,
        c * (model.queryWidth() * beta + heads * FP32_BYTES),
        2 * 2 * c * model.kvWidth() * FP32_BYTES,
        c * model.queryWidth() * FP32_BYTES,
        c * (model.queryWidth() + 2 * model.kvWidth()) * beta);
  }

  /**
   * The LM head's logits, c·V·β, and one fp32 tensor of the same shape for the loss: in bf16, the
   * fp32 upcast that Hugging Face's LlamaForCausalLM makes before the loss (logits.float()), into
   * which EasyContext's fused cross-entropy (flash-attn, inplace_backward) writes the gradient; in
   * fp32, the gradient of the logits. c·V·(β + 4).
   */
  static long logitsBytes(Job job) {
    return job.tokensPerGpu * job.model.vocabSize() * (job.bytesPerElement() + FP32_BYTES);
  }

  /** CUDA context, NCCL buffers and cuBLAS workspace; the caching allocator's fragmentation is not modelled. */
  static long workspaceBytes() {
    return CUDA_CONTEXT_BYTES + NCCL_BUFFER_BYTES + CUBLAS_WORKSPACE_BYTES;
  }

  /**
   * Host memory one GPU's offloaded state takes. Optimizer offload keeps the GPU's 1/N shard of the
   * Adam state and of the fp32 gradients: (K + 4)·P/N. Parameter offload also keeps its shard of the
   * weights: P·β/N (ZeRO-Infinity, Rajbhandari et al. 2021).
   */
  static long hostBytesPerGpu(Job job) {
    long parameters = job.model.parameters();
    long bytes = 0;
    if (job.settings.offload().optimizer()) {
      long perParameter = optimizerBytesPerParameter(job.settings.precision()) + HOST_GRADIENT_BYTES_PER_PARAMETER;
      bytes += ceilDiv(perParameter * parameters, job.gpus);
    }
    if (job.settings.offload().parameters()) {
      bytes += ceilDiv(parameters * job.bytesPerElement(), job.gpus);
    }
    return bytes;
  }

  private static long ceilDiv(long dividend, long divisor) {
    return (dividend + divisor - 1) / divisor;
  }

  /** One GPU's share of a stage: c tokens of one sequence, on a ring of {@code ringSize}, in a job of {@code gpus}. */
  record Job(ModelSpec model, TrainingSettings settings, long tokensPerGpu, int ringSize, long gpus) {
    long bytesPerElement() {
      return settings.precision().bytesPerElement();
    }
  }
}
