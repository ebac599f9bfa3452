package io.ringmaster.kernels.ring;

import io.ringmaster.kernels.AttentionBackend;
import io.ringmaster.kernels.BlockGradients;
import io.ringmaster.kernels.HostTensor;
import io.ringmaster.kernels.PartialAttention;
import io.ringmaster.kernels.Tensor;

/**
 * The backward state of one rank: dQ accumulates here, dK/dV accumulate in the
 * {@link TravellingGradients} that each step hands on to the next rank. Every block is recomputed
 * against the rank's final output and LSE.
 */
public final class RankBackward implements AutoCloseable {
  private final AttentionBackend backend;
  private final RingSetup setup;
  private final RingRank rank;
  private final Tensor q;
  private final PartialAttention attention;
  private final Tensor dOut;
  private final BlockTally backwardBlocks;
  private Tensor dq;

  RankBackward(
      AttentionBackend backend, RingSetup setup, RingRank rank, Tensor q, PartialAttention attention, Tensor dOut) {
    this.backend = backend;
    this.setup = setup;
    this.rank = rank;
    this.q = q;
    this.attention = attention;
    this.dOut = dOut;
    this.backwardBlocks = new BlockTally("backward", rank.rank(), setup.ringSize());
    this.dq = backend.upload(HostTensor.zeros(q.tokens(), q.heads(), q.headDim()));
  }

  /** Zero gradients for this rank's own block, which it processes first. */
  public TravellingGradients ownGradients() {
    KvBlock own = rank.ownBlock();
    HostTensor zeros = HostTensor.zeros(own.k().tokens(), own.k().heads(), own.k().headDim());
    return new TravellingGradients(own, backend.upload(zeros), backend.upload(zeros));
  }

  /**
   * Adds this rank's contribution to the arriving block's dK/dV and to the local dQ. Consumes
   * {@code arriving} (closes its gradients); the caller owns the result and passes it on.
   */
  public TravellingGradients backwardStep(TravellingGradients arriving) {
    return accumulate(arriving, contribute(arriving.block()));
  }

  /**
   * This rank's share of one block's gradients: adds its dQ locally and returns the block's dK/dV from
   * this rank's queries alone (the caller owns them). A distributed rank computes it while the block's
   * travelling dK/dV are still on their way, then {@link #accumulate}s.
   */
  public TravellingGradients contribute(KvBlock block) {
    backwardBlocks.record(block.ownerRank());
    BlockGradients gradients = backend.backwardBlock(
        q, block.k(), block.v(), attention.out(), dOut, attention.lse(),
        rank.positions(), block.positions(), setup.masking());
    Tensor summedDq;
    try {
      summedDq = backend.add(dq, gradients.dq());
    } catch (RuntimeException e) {
      gradients.close();
      throw e;
    }
    gradients.dq().close();
    dq.close();
    dq = summedDq;
    return new TravellingGradients(block, gradients.dk(), gradients.dv());
  }

  /**
   * The travelling dK/dV of a block plus this rank's {@link #contribute contribution} to it, in fp32.
   * Consumes both (closes their gradients); the caller owns the result.
   */
  public TravellingGradients accumulate(TravellingGradients arriving, TravellingGradients contribution) {
    try (arriving; contribution) {
      if (arriving.block().ownerRank() != contribution.block().ownerRank()) {
        throw new IllegalArgumentException("rank " + rank.rank() + " cannot add its gradients of rank "
            + contribution.block().ownerRank() + "'s block to those of rank " + arriving.block().ownerRank());
      }
      return new TravellingGradients(arriving.block(), backend.add(arriving.dk(), contribution.dk()),
          backend.add(arriving.dv(), contribution.dv()));
    }
  }

  /**
   * Records the block of {@code ownerRank} as seen without computing it, because the causal mask
   * hides all of its keys from this rank's queries (the later ranks of a contiguous layout): its dK/dV
   * pass on unchanged and dQ gets nothing. Refused when any pair of the block would be visible.
   */
  public void skipMaskedBlock(int ownerRank) {
    rank.requireMasked(ownerRank);
    backwardBlocks.record(ownerRank);
  }

  /**
   * Takes this rank's own block back after its N hops and returns the gradients w.r.t. the pre-RoPE
   * inputs. Consumes {@code home}.
   */
  public RankGradients finish(TravellingGradients home) {
    try (home) {
      if (home.block().ownerRank() != rank.rank()) {
        throw new IllegalStateException(
            "rank " + rank.rank() + " got the gradients of rank " + home.block().ownerRank() + " as its own");
      }
      backwardBlocks.requireComplete();
      double theta = setup.rope().theta();
      try (Tensor dqPlain = backend.applyRopeGradient(dq, rank.positions(), theta);
          Tensor dkPlain = backend.applyRopeGradient(home.dk(), rank.positions(), theta)) {
        return new RankGradients(dqPlain.toHost(), dkPlain.toHost(), home.dv().toHost());
      }
    }
  }

  @Override
  public void close() {
    dq.close();
    dOut.close();
  }
}
