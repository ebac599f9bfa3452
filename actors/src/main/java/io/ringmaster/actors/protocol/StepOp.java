package io.ringmaster.actors.protocol;

/**
 * One instruction of a GPU's training-step program, in the order the GPU's compute stream meets it.
 * Posts run on other streams and do not block; computes, awaits and host copies do.
 */
public sealed interface StepOp
    permits StepOp.Compute, StepOp.RingAttention, StepOp.PostCollective, StepOp.AwaitCollective,
        StepOp.AwaitAllCollectives, StepOp.HostCopy, StepOp.Memory {

  /** The same op for layer 0: ops of equal shape behave alike, whatever layer they belong to. */
  StepOp shape();

  /** Runs {@code work} on the device and waits for it. */
  record Compute(Work work) implements StepOp {
    @Override
    public StepOp shape() {
      return new Compute(work.shape());
    }
  }

  /** A layer's ring attention pass: every ring step's block, with the KV (and dK/dV) exchanges. */
  record RingAttention(Pass pass, int layer) implements StepOp {
    @Override
    public StepOp shape() {
      return new RingAttention(pass, 0);
    }
  }

  /**
   * Joins a collective of the data-parallel group (all GPUs of the job, in order); every GPU posts the
   * same collectives in the same order, and the group runs them one after another.
   *
   * @param bytes the full buffer (all shards together)
   * @param stagingBytes copied from host memory before this GPU can join (offloaded parameters)
   * @param drainBytes copied to host memory after the collective, before it counts as done here
   *     (offloaded gradients)
   */
  record PostCollective(CollectiveKind kind, int layer, long bytes, long stagingBytes, long drainBytes)
      implements StepOp {
    @Override
    public StepOp shape() {
      return new PostCollective(kind, 0, bytes, stagingBytes, drainBytes);
    }
  }

  /**
   * Waits for one collective posted earlier: the one posted {@code postsAgo} posts before the latest
   * (0: the latest). Collectives run in order, but one that drains to host memory counts as done only
   * once its copy is, so later ones may be done first.
   */
  record AwaitCollective(int postsAgo) implements StepOp {
    @Override
    public StepOp shape() {
      return this;
    }
  }

  /** Waits for every collective posted so far (and their copies to host memory). */
  record AwaitAllCollectives() implements StepOp {
    @Override
    public StepOp shape() {
      return this;
    }
  }

  /** Copies between this GPU and host memory and waits for it. */
  record HostCopy(HostDirection direction, long bytes) implements StepOp {
    @Override
    public StepOp shape() {
      return this;
    }
  }

  /** Allocates (positive) or frees (negative) device memory. */
  record Memory(long deltaBytes) implements StepOp {
    @Override
    public StepOp shape() {
      return this;
    }
  }
}
