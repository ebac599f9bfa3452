// Blockwise attention forward on Hopper's warpgroup MMA (wgmma, sm_90a only; built as its own PTX
// module): the contract of attention_forward.cu (token-major Q, K, V bf16; out, lse fp32; causal masks by
// global positions; a row that sees no key gets lse = -inf and out = 0) with flash-attention-3's
// consumer loop.
//
// A CTA of 2 warpgroups owns 128 query rows of one head (64 per warpgroup) and walks the visible KV tiles
// of 128 keys. Q, K and V live in shared memory in wgmma's 128-byte-swizzled layout (device_sm90.cuh),
// filled by cp.async (K and V double-buffered); S = Q·Kᵀ reads both operands from shared memory, P·V
// takes P from registers (the S accumulators re-packed as bf16 A fragments) and V transposed from shared
// memory. The products are asynchronous, so each warpgroup overlaps the softmax of tile n with P·V of
// tile n-1 (flash-attention-3's intra-warpgroup pipelining):
//   issue S(n) = Q·K(n)ᵀ;  issue O += P(n-1)·V(n-1);  wait S(n);  mask, softmax → P(n), correction;
//   wait P·V;  O *= correction.
// Shared-memory stages: K(n) is read by S(n), V(n) by the P·V of the next step, so at the top of step n
// (after one barrier) K(n+1) refills the K buffer that held K(n-1) and V(n) the V buffer of V(n-2).
// Grid: (query heads, query tiles), the heaviest causal tiles first.
#include "attention_common.cuh"
#include "device_sm90.cuh"

namespace forward_wgmma {

constexpr int BLOCK_M = 128;  // query rows per CTA: 64 per warpgroup
constexpr int BLOCK_N = 128;  // keys per KV tile
constexpr int WARPGROUP_ROWS = 64;
constexpr int THREADS = 256;

template <int D>
struct Shape {
  static constexpr int CHUNKS = D / 8;
  static constexpr int K_STEPS = D / 16;        // S = Q·Kᵀ over the head dim
  static constexpr int PV_STEPS = BLOCK_N / 16;  // O += P·V over the keys
  static constexpr int S_TILES = BLOCK_N / 8;
  static constexpr int O_TILES = D / 8;
  static constexpr int O_BLOCKS = D / 64;  // a P·V product per 64 columns of O (one swizzle atom wide)
  static constexpr int Q_ELEMENTS = BLOCK_M * D;
  static constexpr int KV_ELEMENTS = BLOCK_N * D;
  // Slack to align the tiles to the swizzle atom, Q, K[2], V[2] (bf16), key positions of both K buffers.
  static constexpr int SHARED_BYTES = SW128_ATOM_BYTES + (Q_ELEMENTS + 4 * KV_ELEMENTS) * 2 + 2 * BLOCK_N * 4;
};

template <int ROWS>
struct Sw128Blocks {
  RM_DEVICE int operator()(int row, int chunk) const { return sw128_offset(row, chunk, ROWS); }
};

// K-major operands (rows of the tile are the M or N index, the head dim is K): 8-row groups 1024 bytes
// apart; the leading offset is unused by swizzled K-major layouts (16 bytes, as CUTLASS sets it).
// k_step picks 16 columns: column block k_step / 4, 32 bytes further per step within it.
template <int ROWS>
RM_DEVICE uint64_t k_major_descriptor(const bf16* tile, int first_row, int k_step) {
  return sw128_descriptor(tile + ((k_step >> 2) * ROWS + first_row) * 64 + (k_step & 3) * 16, 16,
                          SW128_ATOM_BYTES);
}

// V as the B of P·V, MN-major: keys 16·k_step.. (K) by the 64 columns of block `block` (N). With N = 64
// there is one swizzle atom along N, so only the stride between 8-key groups (1024 bytes) matters; both
// offsets carry it, whichever of the two the hardware reads as that stride.
template <int ROWS>
RM_DEVICE uint64_t mn_major_descriptor(const bf16* tile, int k_step, int block) {
  return sw128_descriptor(tile + (block * ROWS + k_step * 16) * 64, SW128_ATOM_BYTES, SW128_ATOM_BYTES);
}

template <int D>
RM_DEVICE void attention_forward(RM_FORWARD_PARAMETERS) {
  using S = Shape<D>;
  RM_DYNAMIC_SHARED(shared_window);
  RM_EXPECT_LAUNCH(THREADS, S::SHARED_BYTES);
  const int misalignment = shared_address(shared_window) % SW128_ATOM_BYTES;
  bf16* shared_q =
      reinterpret_cast<bf16*>(shared_window + (SW128_ATOM_BYTES - misalignment) % SW128_ATOM_BYTES);
  bf16* shared_k = shared_q + S::Q_ELEMENTS;
  bf16* shared_v = shared_k + 2 * S::KV_ELEMENTS;
  int* shared_key_positions = reinterpret_cast<int*>(shared_v + 2 * S::KV_ELEMENTS);

  const ForwardTiles<BLOCK_M, BLOCK_N> tiles(q_tile_min, q_tile_max, kv_tile_min, kv_tile_max, kv_tokens,
                                              query_heads, kv_heads, causal);
  const int warpgroup = threadIdx.x / 128;
  const int warp_in_group = threadIdx.x / 32 % 4;
  const int lane = threadIdx.x % 32;
  const int group = lane >> 2;
  const int quad = lane & 3;
  const int first_row = tiles.first_q_row + warpgroup * WARPGROUP_ROWS + warp_in_group * 16 + group;
  const int limit[2] = {visibility_limit(q_positions, first_row, q_tokens, causal),
                        visibility_limit(q_positions, first_row + 8, q_tokens, causal)};

  auto load_k = [&](int tile, int buffer) {
    const int first_key = tile * BLOCK_N;
    load_rows_async<D, BLOCK_N, THREADS>(shared_k + buffer * S::KV_ELEMENTS, k, first_key, kv_tokens, kv_heads,
                                         tiles.kv_head, Sw128Blocks<BLOCK_N>());
    load_key_positions<BLOCK_N>(shared_key_positions + buffer * BLOCK_N, kv_positions, first_key, kv_tokens);
  };
  auto load_v = [&](int tile, int buffer) {
    load_rows_async<D, BLOCK_N, THREADS>(shared_v + buffer * S::KV_ELEMENTS, v, tile * BLOCK_N, kv_tokens,
                                         kv_heads, tiles.kv_head, Sw128Blocks<BLOCK_N>());
  };
  // Loads of this thread are complete; after the barrier every thread's are, and visible to wgmma.
  auto landed = [&] {
    cp_async_wait<0>();
    fence_proxy_async();
    block_sync();
  };

  float s[S::S_TILES][4];
  auto issue_scores = [&](int buffer) {
    const bf16* tile_k = shared_k + buffer * S::KV_ELEMENTS;
#pragma unroll
    for (int k_step = 0; k_step < S::K_STEPS; ++k_step) {
      wgmma_m64n128_ss(s, k_major_descriptor<BLOCK_M>(shared_q, warpgroup * WARPGROUP_ROWS, k_step),
                       k_major_descriptor<BLOCK_N>(tile_k, 0, k_step), k_step > 0);
    }
    wgmma_commit();
  };
  float o[S::O_TILES][4];
  uint32_t p[S::PV_STEPS][4];  // P of the tile whose P·V is next, as A fragments
  auto issue_values = [&](int buffer) {
    const bf16* tile_v = shared_v + buffer * S::KV_ELEMENTS;
#pragma unroll
    for (int k_step = 0; k_step < S::PV_STEPS; ++k_step) {
#pragma unroll
      for (int block = 0; block < S::O_BLOCKS; ++block) {
        wgmma_m64n64_rs_tb(*reinterpret_cast<float(*)[8][4]>(&o[block * 8]), p[k_step],
                           mn_major_descriptor<BLOCK_N>(tile_v, k_step, block));
      }
    }
    wgmma_commit();
  };
  float row_max[2] = {-INFINITY, -INFINITY};  // log2 units: already times scale · log2(e)
  float row_sum[2] = {0.0f, 0.0f};
  const float scale_log2 = scale * RM_LOG2E;
  // Masks (where the tile is cut) and exponentiates the scores of `tile`, whose key positions are in
  // buffer `buffer`; returns the correction for what O holds.
  auto softmax = [&](int tile, int buffer, float (&correction)[2]) {
    if (tiles.cut_by_mask(tile)) mask_scores(s, shared_key_positions + buffer * BLOCK_N, limit, quad);
    online_softmax(s, row_max, row_sum, scale_log2, correction);
  };
  auto pack_p = [&] {
#pragma unroll
    for (int k_step = 0; k_step < S::PV_STEPS; ++k_step) accumulators_as_a(p[k_step], s, k_step);
  };

#pragma unroll
  for (int t = 0; t < S::O_TILES; ++t) o[t][0] = o[t][1] = o[t][2] = o[t][3] = 0.0f;

  const int kv_tiles = tiles.kv_tiles;
  int tile = tiles.next_visible(0);
  load_rows_async<D, BLOCK_M, THREADS>(shared_q, q, tiles.first_q_row, q_tokens, query_heads, tiles.head,
                                       Sw128Blocks<BLOCK_M>());
  if (tile < kv_tiles) load_k(tile, 0);
  cp_async_commit();
  landed();

  if (tile < kv_tiles) {
    // The first tile: its scores and P; V of it and K of the next load meanwhile.
    int next = tiles.next_visible(tile + 1);
    load_v(tile, 0);
    if (next < kv_tiles) load_k(next, 1);
    cp_async_commit();
    fence_accumulators(s);
    wgmma_fence();
    issue_scores(0);
    wgmma_wait<0>();
    fence_accumulators(s);
    float correction[2];
    softmax(tile, 0, correction);  // O is still zero: nothing to correct
    pack_p();

    int buffer = 0;  // K(tile) and V(tile) are in this buffer, K(next) and V(next) in the other
    while (next < kv_tiles) {
      const int after = tiles.next_visible(next + 1);
      landed();  // K(next), V(tile); every warpgroup is past S(tile) and the P·V before it
      fence_accumulators(s);
      fence_accumulators(o);
      wgmma_fence();
      issue_scores(buffer ^ 1);
      issue_values(buffer);
      if (after < kv_tiles) load_k(after, buffer);
      load_v(next, buffer ^ 1);
      cp_async_commit();
      wgmma_wait<1>();
      fence_accumulators(s);
      softmax(next, buffer ^ 1, correction);
      wgmma_wait<0>();
      fence_accumulators(o);
      scale_rows(o, correction);
      pack_p();
      tile = next;
      next = after;
      buffer ^= 1;
    }
    landed();  // V(tile)
    fence_accumulators(o);
    wgmma_fence();
    issue_values(buffer);
    wgmma_wait<0>();
    fence_accumulators(o);
  }

  write_forward_rows(o, row_max, row_sum, first_row, q_tokens, query_heads, tiles.head, quad, out, lse);
}

}  // namespace forward_wgmma

#define RM_FORWARD_WGMMA(NAME, D)                                                                  \
  extern "C" __global__ void __launch_bounds__(forward_wgmma::THREADS, 1) NAME(RM_FORWARD_PARAMETERS) { \
    forward_wgmma::attention_forward<D>(RM_FORWARD_ARGUMENTS);                                       \
  }

RM_FORWARD_WGMMA(attention_forward_wgmma_d64, 64)
RM_FORWARD_WGMMA(attention_forward_wgmma_d128, 128)
