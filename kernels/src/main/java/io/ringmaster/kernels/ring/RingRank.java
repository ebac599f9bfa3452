package io.ringmaster.kernels.ring;

import io.ringmaster.kernels.AttentionBackend;
import io.ringmaster.kernels.HostTensor;
import io.ringmaster.kernels.PartialAttention;
import io.ringmaster.kernels.QueryTilePlan;
import io.ringmaster.kernels.Tensor;
import io.ringmaster.kernels.TokenPositions;
import java.util.Arrays;

/**
 * The forward state of one rank of ring attention: its query rows (after RoPE), its own KV block, and
 * the output and LSE merged from the blocks seen so far. Drive it with one {@link #forwardStep} per KV
 * block in any order, each block exactly once; then {@link #startBackward}. The in-process
 * {@link RingAttention} and the distributed workers run the same steps.
 */
public final class RingRank implements AutoCloseable {
  private final AttentionBackend backend;
  private final RingSetup setup;
  private final int rank;
  private final TokenPositions positions;
  private final Tensor q;
  private final KvBlock ownBlock;
  private final BlockTally forwardBlocks;
  private PartialAttention attention;

  private RingRank(
      AttentionBackend backend, RingSetup setup, int rank, Tensor q, KvBlock ownBlock, PartialAttention empty) {
    this.backend = backend;
    this.setup = setup;
    this.rank = rank;
    this.positions = ownBlock.positions();
    this.q = q;
    this.ownBlock = ownBlock;
    this.forwardBlocks = new BlockTally("forward", rank, setup.ringSize());
    this.attention = empty;
  }

  /** Uploads the rank's rows (in {@code setup.sharding()}'s order for this rank) and applies RoPE. */
  public static RingRank start(
      AttentionBackend backend, RingSetup setup, int rank, HostTensor q, HostTensor k, HostTensor v) {
    TokenPositions positions = setup.sharding().positions(rank);
    Tensor rotatedQ = rotated(backend, q, positions, setup.rope().theta());
    Tensor rotatedK = rotated(backend, k, positions, setup.rope().theta());
    KvBlock own = new KvBlock(rank, positions, rotatedK, backend.upload(v));
    PartialAttention empty = new PartialAttention(
        backend.upload(HostTensor.zeros(q.tokens(), q.heads(), q.headDim())),
        backend.upload(emptyLse(q.tokens(), q.heads())));
    return new RingRank(backend, setup, rank, rotatedQ, own, empty);
  }

  public int rank() {
    return rank;
  }

  public TokenPositions positions() {
    return positions;
  }

  /** The block this rank sends first; it stays owned by this rank. */
  public KvBlock ownBlock() {
    return ownBlock;
  }

  /** Attends this rank's queries to one KV block and merges the result in fp32 through the LSE. */
  public void forwardStep(KvBlock block) {
    forwardBlocks.record(block.ownerRank());
    try (PartialAttention part =
        backend.forwardBlock(q, block.k(), block.v(), positions, block.positions(), setup.masking())) {
      PartialAttention merged = backend.merge(attention, part);
      attention.close();
      attention = merged;
    }
  }

  /**
   * Records the block of {@code ownerRank} as merged without computing it, because the causal mask
   * hides all of its keys from this rank's queries (the later ranks of a contiguous layout): merging it
   * would change nothing. Refused when any pair of the block would be visible.
   */
  public void skipMaskedBlock(int ownerRank) {
    requireMasked(ownerRank);
    forwardBlocks.record(ownerRank);
  }

  void requireMasked(int ownerRank) {
    TokenPositions keys = setup.sharding().positions(ownerRank);
    if (!QueryTilePlan.of(positions, keys, setup.masking(), Math.max(1, positions.count())).empty()) {
      throw new IllegalArgumentException("rank " + rank + " cannot skip the block of rank " + ownerRank
          + ": some of its keys are visible to its queries");
    }
  }

  /** Output and LSE of the blocks merged so far (the final ones after N steps); owned by the rank. */
  public PartialAttention attention() {
    return attention;
  }

  /** Backward needs the global LSE, so every block must have been merged first. */
  public RankBackward startBackward(HostTensor dOut) {
    forwardBlocks.requireComplete();
    return new RankBackward(backend, setup, this, q, attention, backend.upload(dOut));
  }

  @Override
  public void close() {
    q.close();
    ownBlock.k().close();
    ownBlock.v().close();
    attention.close();
  }

  private static Tensor rotated(AttentionBackend backend, HostTensor x, TokenPositions positions, double theta) {
    try (Tensor plain = backend.upload(x)) {
      return backend.applyRope(plain, positions, theta);
    }
  }

  private static HostTensor emptyLse(int tokens, int heads) {
    HostTensor lse = HostTensor.zeros(tokens, heads, 1);
    Arrays.fill(lse.values(), Float.NEGATIVE_INFINITY);
    return lse;
  }
}
