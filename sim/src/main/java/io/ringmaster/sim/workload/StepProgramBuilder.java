package io.ringmaster.sim.workload;

import io.ringmaster.actors.protocol.CollectiveKind;
import io.ringmaster.actors.protocol.DenseKind;
import io.ringmaster.actors.protocol.HostDirection;
import io.ringmaster.actors.protocol.Pass;
import io.ringmaster.actors.protocol.StepOp;
import io.ringmaster.actors.protocol.StepProgram;
import io.ringmaster.actors.protocol.Work;
import java.util.ArrayList;
import java.util.List;

/**
 * Writes the program one GPU runs for one training step of a stage: every micro-batch's forward,
 * recompute and backward, layer by layer, then the optimizer step. Every GPU of a stage runs the same
 * program; its rank decides its blocks inside each ring pass.
 *
 * <p>Data parallelism follows DeepSpeed ZeRO over all GPUs of the job (ring members are data-parallel
 * ranks too). ZeRO-3 gathers each module's parameters before every use (forward, recompute, backward),
 * posting the next module's gather before waiting for the current one (one module of prefetch), and
 * reduce-scatters each layer's gradients as soon as its backward is done; with parameter offload each
 * GPU first copies its shard in from host memory, with optimizer offload it copies its reduced shard
 * out and runs Adam on the host CPU. ZeRO-1/2 reduce-scatter gradients and all-gather the updated
 * parameters after the step; ZeRO-0 all-reduces gradients.
 *
 * <p>FLOPs count a multiply-add as 2; backward matrix products cost twice the forward (input and
 * weight gradients). Element-wise bytes count what norms, RoPE, activations and residual adds read and
 * write, per token.
 */
public final class StepProgramBuilder {
  private static final int FP32_BYTES = 4;

  private final ModelShape model;
  private final TrainingSetup training;
  private final StageShape stage;
  private final MemoryTerms memory;
  private final List<StepOp> ops = new ArrayList<>();
  private final long tokens;
  private final int beta;
  private int posted;

  private StepProgramBuilder(StageWorkload workload) {
    this.model = workload.model();
    this.training = workload.training();
    this.stage = workload.stage();
    this.memory = workload.memory();
    this.tokens = stage.tokensPerGpu();
    this.beta = training.elementBytes();
  }

  public static StepProgram build(StageWorkload workload) {
    return new StepProgramBuilder(workload).program();
  }

  private StepProgram program() {
    allocate(memory.residentBytes());
    for (int microBatch = 0; microBatch < stage.gradAccumulation(); microBatch++) {
      forward();
      backward();
    }
    ops.add(new StepOp.AwaitAllCollectives());
    optimizerStep();
    allocate(-memory.residentBytes());
    return new StepProgram(ops);
  }

  private void forward() {
    Gathers gathers = new Gathers();
    gathers.use(Gathers.EMBEDDING, Pass.FORWARD);
    ops.add(dense(DenseKind.EMBEDDING, 0, Pass.FORWARD));
    for (int layer = 0; layer < model.layers(); layer++) {
      gathers.use(layer, Pass.FORWARD);
      layerForward(layer, Pass.FORWARD);
      allocate(memory.savedPerLayerBytes());
    }
    gathers.use(Gathers.LM_HEAD, Pass.FORWARD);
    allocate(memory.logitsBytes());
    ops.add(dense(DenseKind.LM_HEAD, 0, Pass.FORWARD));
  }

  private void backward() {
    ops.add(dense(DenseKind.LM_HEAD, 0, Pass.BACKWARD));
    allocate(-memory.logitsBytes());
    reduceGradients(0, model.embeddingParameters());
    Gathers gathers = new Gathers();
    for (int layer = model.layers() - 1; layer >= 0; layer--) {
      allocate(memory.workingSetBytes());
      if (training.checkpointing()) {
        gathers.use(layer, Pass.RECOMPUTE);
        layerForward(layer, Pass.RECOMPUTE);
      }
      gathers.use(layer, Pass.BACKWARD);
      ops.add(dense(DenseKind.AFTER_ATTENTION, layer, Pass.BACKWARD));
      ringPass(layer, Pass.BACKWARD);
      ops.add(dense(DenseKind.BEFORE_ATTENTION, layer, Pass.BACKWARD));
      allocate(-memory.workingSetBytes() - memory.savedPerLayerBytes());
      reduceGradients(layer, model.layerParameters());
    }
    ops.add(dense(DenseKind.EMBEDDING, 0, Pass.BACKWARD));
    reduceGradients(0, model.embeddingParameters());
  }

  private void layerForward(int layer, Pass pass) {
    ops.add(dense(DenseKind.BEFORE_ATTENTION, layer, pass));
    ringPass(layer, pass);
    ops.add(dense(DenseKind.AFTER_ATTENTION, layer, pass));
  }

  private void ringPass(int layer, Pass pass) {
    allocate(memory.ringBufferBytes());
    ops.add(new StepOp.RingAttention(pass, layer));
    allocate(-memory.ringBufferBytes());
  }

  /** A module's gradients, as they are produced in backward. */
  private void reduceGradients(int layer, long parameters) {
    long bytes = parameters * beta;
    if (training.zeroStage() == 0) {
      post(new StepOp.PostCollective(CollectiveKind.ALL_REDUCE, layer, bytes, 0, 0));
      return;
    }
    long drain = training.offloadOptimizer() ? shard(bytes) : 0;
    post(new StepOp.PostCollective(CollectiveKind.REDUCE_SCATTER, layer, bytes, 0, drain));
  }

  private void optimizerStep() {
    long parameters = training.zeroStage() == 0 ? model.parameters() : shard(model.parameters());
    ops.add(new StepOp.Compute(new Work.OptimizerStep(parameters, training.offloadOptimizer())));
    if (training.offloadOptimizer() && !training.offloadParameters()) {
      ops.add(new StepOp.HostCopy(HostDirection.HOST_TO_GPU, parameters * beta));
    }
    if (training.zeroStage() == 1 || training.zeroStage() == 2) {
      post(new StepOp.PostCollective(CollectiveKind.ALL_GATHER, 0, model.parameters() * beta, 0, 0));
      ops.add(new StepOp.AwaitAllCollectives());
    }
  }

  /** This GPU's 1/N share of a buffer, N the GPUs of the job. */
  private long shard(long bytes) {
    return (bytes + stage.gpus() - 1) / stage.gpus();
  }

  private void post(StepOp.PostCollective collective) {
    ops.add(collective);
    posted++;
  }

  private void allocate(long bytes) {
    if (bytes != 0) {
      ops.add(new StepOp.Memory(bytes));
    }
  }

  private StepOp dense(DenseKind kind, int layer, Pass pass) {
    double h = model.hidden();
    double hq = model.queryWidth();
    double hkv = model.kvWidth();
    double ffn = model.ffn();
    double vocab = model.vocab();
    double flops;
    double bytesPerToken;
    switch (kind) {
      case EMBEDDING -> {
        flops = 0;
        bytesPerToken = 2 * h * beta;
      }
      case BEFORE_ATTENTION -> {
        // RMSNorm reads and writes h; RoPE reads and writes q and k
        flops = 2 * h * (hq + 2 * hkv);
        bytesPerToken = (2 * h + 2 * (hq + hkv)) * beta;
      }
      case AFTER_ATTENTION -> {
        // two residual adds (read 2h, write h each), RMSNorm (h in, h out), SiLU·up (2F in, F out)
        flops = 2 * hq * h + 6 * h * ffn;
        bytesPerToken = (8 * h + 3 * ffn) * beta;
      }
      default -> {
        // final RMSNorm; logits, their fp32 copy for the loss and its gradient
        flops = 2 * h * vocab;
        bytesPerToken = 2 * h * beta + vocab * (beta + 2.0 * FP32_BYTES);
      }
    }
    double factor = pass == Pass.BACKWARD ? 2 : 1;
    return new StepOp.Compute(new Work.Dense(kind, layer, pass, factor * flops * tokens,
        factor * bytesPerToken * tokens));
  }

  /**
   * ZeRO-3's parameter gathers in the order a pass uses modules, each posted one use ahead (prefetch)
   * and awaited when its module runs. Below ZeRO-3 every GPU holds all parameters: nothing to gather.
   */
  private final class Gathers {
    static final int EMBEDDING = -1;
    static final int LM_HEAD = -2;
    /** The post number of the gather already posted for the next module used, or 0. */
    private int prefetchedPost;

    void use(int module, Pass pass) {
      if (training.zeroStage() < 3 || stage.gpus() == 1 && !training.offloadParameters()) {
        return;
      }
      int mine = prefetchedPost;
      if (mine == 0) {
        postGather(module);
        mine = posted;
      }
      int following = following(module, pass);
      prefetchedPost = 0;
      if (following != Integer.MIN_VALUE) {
        postGather(following);
        prefetchedPost = posted;
      }
      ops.add(new StepOp.AwaitCollective(posted - mine));
    }

    /** The module gathered after {@code module} in this pass, or MIN_VALUE if none. */
    private int following(int module, Pass pass) {
      if (pass == Pass.FORWARD) {
        if (module == EMBEDDING) {
          return 0;
        }
        return module == LM_HEAD ? Integer.MIN_VALUE : (module + 1 < model.layers() ? module + 1 : LM_HEAD);
      }
      if (training.checkpointing() && pass == Pass.RECOMPUTE) {
        return module;
      }
      return module > 0 ? module - 1 : Integer.MIN_VALUE;
    }

    private void postGather(int module) {
      long parameters = module < 0 ? model.embeddingParameters() : model.layerParameters();
      long bytes = parameters * beta;
      long staging = training.offloadParameters() ? shard(bytes) : 0;
      post(new StepOp.PostCollective(CollectiveKind.ALL_GATHER, Math.max(module, 0), bytes, staging, 0));
    }
  }
}
