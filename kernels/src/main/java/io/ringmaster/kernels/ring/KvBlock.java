package io.ringmaster.kernels.ring;

import io.ringmaster.kernels.Tensor;
import io.ringmaster.kernels.TokenPositions;

/**
 * The K (after RoPE) and V rows of one rank, as they travel around the ring. The tensors belong to
 * whoever uploaded them: the owner rank in-process, the receiving worker when the block came over the
 * wire (it closes its copy once it has computed and passed the block on).
 */
public record KvBlock(int ownerRank, TokenPositions positions, Tensor k, Tensor v) {}
