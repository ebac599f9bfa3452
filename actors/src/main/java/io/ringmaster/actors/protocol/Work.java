package io.ringmaster.actors.protocol;

/**
 * One piece of work a GPU actor hands its {@code Device}: the sim device prices it with a cost model,
 * a live device runs it.
 */
public sealed interface Work permits Work.Dense, Work.AttentionBlock, Work.OptimizerStep {
  /** The same work for layer 0: two works with equal shapes take equal time. */
  Work shape();

  /**
   * Matrix products and the element-wise work around them.
   *
   * @param flops floating-point operations of the matrix products
   * @param memoryBytes bytes the element-wise kernels read and write (norms, activations, residuals)
   */
  record Dense(DenseKind kind, int layer, Pass pass, double flops, double memoryBytes) implements Work {
    @Override
    public Work shape() {
      return new Dense(kind, 0, pass, flops, memoryBytes);
    }
  }

  /** One ring step's attention block (forward, or gradients in backward). */
  record AttentionBlock(Pass pass, int layer, int step, BlockShape block) implements Work {
    @Override
    public Work shape() {
      return new AttentionBlock(pass, 0, step, block);
    }
  }

  /** Adam over this GPU's shard of the parameters, on the GPU or (offloaded) on the host CPU. */
  record OptimizerStep(long parameters, boolean onHost) implements Work {
    @Override
    public Work shape() {
      return this;
    }
  }
}
