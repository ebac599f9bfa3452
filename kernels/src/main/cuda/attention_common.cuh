// Pieces both attention kernels use: tile loads into swizzled shared memory, re-packing mma
// accumulators as A fragments, the forward kernels' parameters, and the constants and dot product of
// the simple kernels.
#pragma once

#include "device.cuh"

#include <limits.h>

// Where chunk `chunk` (8 bf16) of row `row` of a shared tile goes, in bf16 elements: rows of D / 8
// chunks, XOR-swizzled within the row (swizzled_offset) for ldmatrix.
template <int D>
struct SwizzledRows {
  RM_DEVICE int operator()(int row, int chunk) const { return swizzled_offset(row, chunk, D / 8); }
};

// Rows [first_row, first_row + ROWS) of one head of a token-major [tokens][heads][D] tensor into a
// shared tile laid out by `layout`, 16 bytes per cp.async; rows past `tokens` are zeros.
template <int D, int ROWS, int THREADS, typename Layout = SwizzledRows<D>>
RM_DEVICE void load_rows_async(bf16* tile, const bf16* __restrict__ source, int first_row, int tokens,
                               int heads, int head, Layout layout = Layout()) {
  constexpr int CHUNKS = D / 8;
  static_assert((ROWS * CHUNKS) % THREADS == 0, "whole chunks per thread");
#pragma unroll
  for (int i = 0; i < ROWS * CHUNKS / THREADS; ++i) {
    int index = i * THREADS + threadIdx.x;
    int row = index / CHUNKS;
    int chunk = index % CHUNKS;
    int token = first_row + row;
    bool valid = token < tokens;
    const bf16* from = valid ? source + ((long long)token * heads + head) * D + chunk * 8 : source;
    cp_async_16(tile + layout(row, chunk), from, valid);
  }
}

// The fp32 accumulators of two adjacent 16x8 tiles (columns 16·k_step .. 16·k_step+15) are, rounded to
// bf16, exactly the A fragment of an m16n8k16 product over those 16 columns (flash-attention-2's
// register reuse of P).
template <int TILES>
RM_DEVICE void accumulators_as_a(uint32_t (&a)[4], const float (&c)[TILES][4], int k_step) {
  a[0] = pack_bf16x2(c[2 * k_step][0], c[2 * k_step][1]);
  a[1] = pack_bf16x2(c[2 * k_step][2], c[2 * k_step][3]);
  a[2] = pack_bf16x2(c[2 * k_step + 1][0], c[2 * k_step + 1][1]);
  a[3] = pack_bf16x2(c[2 * k_step + 1][2], c[2 * k_step + 1][3]);
}

// B fragments of B's 8-column tiles t and t+1 at k-step k_step, where B's columns are rows of a row-major
// shared tile (B = Tileᵀ, as Kᵀ in Q·Kᵀ): one ldmatrix.x4; b[0], b[1] for tile t, b[2], b[3] for t+1.
// Lanes 8i..8i+7 address matrix i: rows 8t.. (i = 0, 1) or 8(t+1).. (i = 2, 3), chunk 2·k_step + i % 2.
template <int CHUNKS>
RM_DEVICE void b_fragments_of_rows(uint32_t (&b)[4], const bf16* tile, int t, int k_step) {
  const int lane = threadIdx.x % 32;
  const int matrix = lane >> 3;
  ldmatrix_x4(b, tile + swizzled_offset(t * 8 + (matrix >> 1) * 8 + (lane & 7), k_step * 2 + (matrix & 1), CHUNKS));
}

// The same where B is the row-major shared tile itself (as V in P·V): ldmatrix.x4.trans. Lanes 8i..8i+7
// address rows 16·k_step + 8·(i % 2).., chunk t + i / 2.
template <int CHUNKS>
RM_DEVICE void b_fragments_of_tile(uint32_t (&b)[4], const bf16* tile, int t, int k_step) {
  const int lane = threadIdx.x % 32;
  const int matrix = lane >> 3;
  ldmatrix_x4_trans(b, tile + swizzled_offset(k_step * 16 + (matrix & 1) * 8 + (lane & 7), t + (matrix >> 1), CHUNKS));
}

// D[t] and D[t+1] += A·B with B from b_fragments_of_rows.
template <int CHUNKS>
RM_DEVICE void mma_with_rows_of(const bf16* tile, int t, int k_step, const uint32_t (&a)[4], float (&d0)[4],
                                float (&d1)[4]) {
  uint32_t b[4];
  b_fragments_of_rows<CHUNKS>(b, tile, t, k_step);
  mma_bf16_16816(d0, a, b[0], b[1]);
  mma_bf16_16816(d1, a, b[2], b[3]);
}

// D[t] and D[t+1] += A·B with B from b_fragments_of_tile.
template <int CHUNKS>
RM_DEVICE void mma_with_tile(const bf16* tile, int t, int k_step, const uint32_t (&a)[4], float (&d0)[4],
                             float (&d1)[4]) {
  uint32_t b[4];
  b_fragments_of_tile<CHUNKS>(b, tile, t, k_step);
  mma_bf16_16816(d0, a, b[0], b[1]);
  mma_bf16_16816(d1, a, b[2], b[3]);
}

// The parameters of every tensor-core forward kernel, in the order AttentionKernels passes them (the
// kernels' ABI), and the same names as the arguments of their device functions.
#define RM_FORWARD_PARAMETERS                                                                        \
  const bf16 *__restrict__ q, const bf16 *__restrict__ k, const bf16 *__restrict__ v,               \
      const int *__restrict__ q_positions, const int *__restrict__ kv_positions,                    \
      const int *__restrict__ q_tile_min, const int *__restrict__ q_tile_max,                       \
      const int *__restrict__ kv_tile_min, const int *__restrict__ kv_tile_max,                     \
      float *__restrict__ out, float *__restrict__ lse, int q_tokens, int kv_tokens, int query_heads, \
      int kv_heads, int causal, float scale
#define RM_FORWARD_ARGUMENTS                                                                          \
  q, k, v, q_positions, kv_positions, q_tile_min, q_tile_max, kv_tile_min, kv_tile_max, out, lse,   \
      q_tokens, kv_tokens, query_heads, kv_heads, causal, scale

// What one CTA of a forward kernel walks. Grid (heads, query tiles): the first wave takes the last
// (under a causal mask, heaviest) query tile of every head, so the long tiles do not all end up in the
// last wave. KV tiles of BLOCK_N keys that the mask hides from every row of the query tile are skipped;
// the mask is evaluated only on tiles it cuts (or that run past the block's end).
template <int BLOCK_M, int BLOCK_N>
struct ForwardTiles {
  int q_tile, head, kv_head, first_q_row, kv_tiles, q_min, q_max, kv_tokens, causal;
  const int* kv_tile_min;
  const int* kv_tile_max;

  RM_DEVICE ForwardTiles(const int* __restrict__ q_tile_min, const int* __restrict__ q_tile_max,
                         const int* __restrict__ kv_tile_min, const int* __restrict__ kv_tile_max, int kv_tokens,
                         int query_heads, int kv_heads, int causal)
      : q_tile(gridDim.y - 1 - blockIdx.y),
        head(blockIdx.x),
        kv_head(blockIdx.x / (query_heads / kv_heads)),
        first_q_row(q_tile * BLOCK_M),
        kv_tiles((kv_tokens + BLOCK_N - 1) / BLOCK_N),
        q_min(q_tile_min[q_tile]),
        q_max(q_tile_max[q_tile]),
        kv_tokens(kv_tokens),
        causal(causal),
        kv_tile_min(kv_tile_min),
        kv_tile_max(kv_tile_max) {}

  // The first KV tile from `tile` on that some row of the query tile sees; kv_tiles when none.
  RM_DEVICE int next_visible(int tile) const {
    while (tile < kv_tiles && causal && kv_tile_min[tile] > q_max) ++tile;
    return tile;
  }

  RM_DEVICE bool cut_by_mask(int tile) const {
    return (tile + 1) * BLOCK_N > kv_tokens || (causal && kv_tile_max[tile] > q_min);
  }
};

// The key positions of KV tile rows [first_key, first_key + BLOCK_N) into shared memory (the first
// BLOCK_N threads, plain stores); keys past the block's end get INT_MAX, which no row sees.
template <int BLOCK_N>
RM_DEVICE void load_key_positions(int* shared_positions, const int* __restrict__ kv_positions, int first_key,
                                  int kv_tokens) {
  if (threadIdx.x < BLOCK_N) {
    const int key = first_key + threadIdx.x;
    shared_positions[threadIdx.x] = key < kv_tokens ? kv_positions[key] : INT_MAX;
  }
}

// The largest key position query `row` sees: its own position under the causal mask, any (INT_MAX - 1,
// below the INT_MAX of keys past the end) without it or for rows past the block's end.
RM_DEVICE int visibility_limit(const int* __restrict__ q_positions, int row, int q_tokens, int causal) {
  return (row < q_tokens && causal) ? q_positions[row] : INT_MAX - 1;
}

// Forward scores and accumulators are mma C fragments (also wgmma's, per warp): element e of tile t is
// row group + 8·(e / 2) of the warp's 16, column 8t + 2·quad + e % 2. A thread holds two rows, "halves".

// Hides the keys a row must not see: key_positions[key] > limit[half] (keys past the block's end carry
// INT_MAX, so they are hidden from every row).
template <int TILES>
RM_DEVICE void mask_scores(float (&s)[TILES][4], const int* key_positions, const int (&limit)[2], int quad) {
#pragma unroll
  for (int t = 0; t < TILES; ++t) {
#pragma unroll
    for (int e = 0; e < 4; ++e) {
      if (key_positions[t * 8 + quad * 2 + (e & 1)] > limit[e >> 1]) s[t][e] = -INFINITY;
    }
  }
}

// One tile of flash-attention-2's online softmax: turns the scores s into p = exp2(s·scale_log2 - max)
// in place, where max is the running row maximum in log2 units (row_max, updated); row_sum (this
// thread's share, the quad is summed at the end) is rescaled and gets the new p. `correction` is the
// factor that what was accumulated with the old maximum must be multiplied by.
template <int TILES>
RM_DEVICE void online_softmax(float (&s)[TILES][4], float (&row_max)[2], float (&row_sum)[2], float scale_log2,
                              float (&correction)[2]) {
#pragma unroll
  for (int half = 0; half < 2; ++half) {
    float tile_max = -INFINITY;
#pragma unroll
    for (int t = 0; t < TILES; ++t) tile_max = fmaxf(tile_max, fmaxf(s[t][half * 2], s[t][half * 2 + 1]));
    tile_max = fmaxf(tile_max, shfl_xor(tile_max, 1));
    tile_max = fmaxf(tile_max, shfl_xor(tile_max, 2));
    const float new_max = fmaxf(row_max[half], tile_max * scale_log2);
    // A row that has seen only masked keys keeps max -inf; subtracting 0 then keeps every p at 0.
    const float base = new_max == -INFINITY ? 0.0f : new_max;
    correction[half] = fast_exp2(row_max[half] - base);
    row_max[half] = new_max;
    float sum = row_sum[half] * correction[half];
#pragma unroll
    for (int t = 0; t < TILES; ++t) {
#pragma unroll
      for (int e = half * 2; e < half * 2 + 2; ++e) {
        const float p = fast_exp2(fmaf(s[t][e], scale_log2, -base));
        s[t][e] = p;
        sum += p;
      }
    }
    row_sum[half] = sum;
  }
}

template <int TILES>
RM_DEVICE void scale_rows(float (&o)[TILES][4], const float (&factor)[2]) {
#pragma unroll
  for (int t = 0; t < TILES; ++t) {
    o[t][0] *= factor[0];
    o[t][1] *= factor[0];
    o[t][2] *= factor[1];
    o[t][3] *= factor[1];
  }
}

// out = o / rowsum and lse = max·ln2 + ln(rowsum) of this thread's two rows (first_row and first_row + 8,
// global row indices); a row that saw no key gets out = 0 and lse = -inf.
template <int TILES>
RM_DEVICE void write_forward_rows(const float (&o)[TILES][4], const float (&row_max)[2], const float (&row_sum)[2],
                                  int first_row, int q_tokens, int query_heads, int head, int quad,
                                  float* __restrict__ out, float* __restrict__ lse) {
#pragma unroll
  for (int half = 0; half < 2; ++half) {
    float sum = row_sum[half];
    sum += shfl_xor(sum, 1);
    sum += shfl_xor(sum, 2);
    const int row = first_row + half * 8;
    if (row >= q_tokens) continue;
    const float inverse = sum > 0.0f ? 1.0f / sum : 0.0f;
    float* out_row = out + ((long long)row * query_heads + head) * (TILES * 8);
#pragma unroll
    for (int t = 0; t < TILES; ++t) {
      store_f32x2(out_row + t * 8 + quad * 2, o[t][half * 2] * inverse, o[t][half * 2 + 1] * inverse);
    }
    if (quad == 0) {
      lse[(long long)row * query_heads + head] = sum > 0.0f ? row_max[half] * RM_LN2 + logf(sum) : -INFINITY;
    }
  }
}

// The simple kernels: one CTA of SIMPLE_THREADS per row; each thread keeps head_dim / SIMPLE_THREADS
// accumulators.
constexpr int SIMPLE_THREADS = 128;
constexpr int SIMPLE_MAX_HEAD_DIM = 512;
constexpr int SIMPLE_DIMS_PER_THREAD = SIMPLE_MAX_HEAD_DIM / SIMPLE_THREADS;

RM_DEVICE float dot_bf16(const float* __restrict__ a, const bf16* __restrict__ b, int n) {
  float sum = 0.0f;
  for (int i = 0; i < n; ++i) sum += a[i] * bf16_to_float(b[i]);
  return sum;
}
