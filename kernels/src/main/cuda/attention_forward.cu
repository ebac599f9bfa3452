// Blockwise attention forward: softmax(scale · Q Kᵀ + mask) V of one query block against one KV block,
// normalised within the block, with the fp32 log-sum-exp of every query row so ring attention can merge
// blocks afterwards. Layouts are token-major [tokens][heads][head_dim]; Q, K, V bf16; out, lse fp32.
// Masks compare the global positions of rows and keys (positions arrays), so contiguous, zigzag and
// stripe shards all run through the same kernel. A row that sees no key gets lse = -inf and out = 0.
//
// Kernels (attention_forward_sm90.cu has the Hopper one):
//  - attention_forward_tc_*: flash-attention-2 tiling on tensor cores (mma.sync m16n8k16 bf16, fp32
//    accumulate). A CTA owns 128 query rows of one head and walks the KV tiles of 64 keys,
//    double-buffered in shared memory by cp.async; S = Q Kᵀ and the online softmax stay in registers, P
//    is re-packed as the A operand of P·V without a round trip through shared memory. Tiles a causal
//    mask hides completely are skipped; the mask is applied only on tiles it cuts.
//    Grid: (query heads, query tiles). Variants:
//      plain    8 warps of 16 rows, Q fragments held in registers;
//      _qsmem   8 warps of 16 rows, Q fragments re-read from shared memory;
//      _4warps  4 warps of 32 rows (flash-attention-2's own tiling): every K and V fragment loaded from
//               shared memory serves two row tiles, halving ldmatrix traffic per mma; Q from shared
//               memory; two CTAs fit an SM.
//  - attention_forward_simple: one CTA per (query row, head), fp32 dot products. Any head dim up to 512;
//    obviously correct, slow; the fallback and the yardstick for the tensor-core kernel.
#include "attention_common.cuh"

#include <limits.h>

namespace forward_tc {

constexpr int BLOCK_M = 128;  // query rows per CTA
constexpr int BLOCK_N = 64;   // keys per KV tile

// M_TILES: 16-row tiles per warp.
template <int D, int M_TILES>
struct Shape {
  static constexpr int WARPS = BLOCK_M / (16 * M_TILES);
  static constexpr int THREADS = WARPS * 32;
  static constexpr int CHUNKS = D / 8;         // 16-byte chunks per row
  static constexpr int K_STEPS = D / 16;       // mma k-steps over the head dim (S = Q Kᵀ)
  static constexpr int S_TILES = BLOCK_N / 8;  // 8-key column tiles of S
  static constexpr int O_TILES = D / 8;        // 8-wide column tiles of O
  static constexpr int Q_ELEMENTS = BLOCK_M * D;
  static constexpr int KV_ELEMENTS = BLOCK_N * D;
  // Q, then K[2], V[2] (bf16), then the key positions of both buffers (int).
  static constexpr int SHARED_BYTES = (Q_ELEMENTS + 4 * KV_ELEMENTS) * 2 + 2 * BLOCK_N * 4;
};

template <int D, bool Q_IN_REGISTERS, int M_TILES>
RM_DEVICE void attention_forward(RM_FORWARD_PARAMETERS) {
  using S = Shape<D, M_TILES>;
  constexpr int THREADS = S::THREADS;
  RM_DYNAMIC_SHARED(shared);
  RM_EXPECT_LAUNCH(THREADS, S::SHARED_BYTES);
  bf16* shared_q = reinterpret_cast<bf16*>(shared);
  bf16* shared_k = shared_q + S::Q_ELEMENTS;
  bf16* shared_v = shared_k + 2 * S::KV_ELEMENTS;
  int* shared_key_positions = reinterpret_cast<int*>(shared_v + 2 * S::KV_ELEMENTS);

  const ForwardTiles<BLOCK_M, BLOCK_N> tiles(q_tile_min, q_tile_max, kv_tile_min, kv_tile_max, kv_tokens,
                                              query_heads, kv_heads, causal);
  const int warp = threadIdx.x / 32;
  const int lane = threadIdx.x % 32;
  const int group = lane >> 2;  // fragment row within the 8-row half
  const int quad = lane & 3;    // fragment column pair
  // Row tile m of this warp starts at this CTA row; the thread's rows are group and group + 8 of it.
  auto tile_row = [&](int m) { return warp * 16 * M_TILES + m * 16; };
  // Read when a tile is cut by the mask (rarely), so they take no registers.
  auto limits = [&](int m, int (&limit)[2]) {
#pragma unroll
    for (int half = 0; half < 2; ++half) {
      limit[half] = visibility_limit(q_positions, tiles.first_q_row + tile_row(m) + group + half * 8, q_tokens, causal);
    }
  };
  auto load_kv = [&](int tile, int buffer) {
    int first_key = tile * BLOCK_N;
    load_rows_async<D, BLOCK_N, THREADS>(shared_k + buffer * S::KV_ELEMENTS, k, first_key, kv_tokens, kv_heads,
                                         tiles.kv_head);
    load_rows_async<D, BLOCK_N, THREADS>(shared_v + buffer * S::KV_ELEMENTS, v, first_key, kv_tokens, kv_heads,
                                         tiles.kv_head);
    load_key_positions<BLOCK_N>(shared_key_positions + buffer * BLOCK_N, kv_positions, first_key, kv_tokens);
  };

  const int kv_tiles = tiles.kv_tiles;
  int tile = tiles.next_visible(0);
  load_rows_async<D, BLOCK_M, THREADS>(shared_q, q, tiles.first_q_row, q_tokens, query_heads, tiles.head);
  if (tile < kv_tiles) load_kv(tile, 0);
  cp_async_commit();
  cp_async_wait<0>();
  block_sync();

  // Q as mma A fragments: lanes 0-15 address rows 0-15 of the first 8 columns, lanes 16-31 the next 8.
  static_assert(!Q_IN_REGISTERS || M_TILES == 1, "Q fragments in registers for one row tile only");
  uint32_t q_fragments[Q_IN_REGISTERS ? S::K_STEPS : 1][4];
  auto q_fragment_address = [&](int m, int k_step) {
    return shared_q + swizzled_offset(tile_row(m) + (lane & 15), k_step * 2 + (lane >> 4), S::CHUNKS);
  };
  if (Q_IN_REGISTERS) {
#pragma unroll
    for (int k_step = 0; k_step < S::K_STEPS; ++k_step) {
      ldmatrix_x4(q_fragments[Q_IN_REGISTERS ? k_step : 0], q_fragment_address(0, k_step));
    }
  }

  float o[M_TILES][S::O_TILES][4];
#pragma unroll
  for (int m = 0; m < M_TILES; ++m) {
#pragma unroll
    for (int t = 0; t < S::O_TILES; ++t) o[m][t][0] = o[m][t][1] = o[m][t][2] = o[m][t][3] = 0.0f;
  }
  float row_max[M_TILES][2];  // in units of log2, i.e. already times scale · log2(e)
  float row_sum[M_TILES][2];  // this thread's share; the quad is summed at the end
#pragma unroll
  for (int m = 0; m < M_TILES; ++m) {
    row_max[m][0] = row_max[m][1] = -INFINITY;
    row_sum[m][0] = row_sum[m][1] = 0.0f;
  }
  const float scale_log2 = scale * RM_LOG2E;

  int buffer = 0;
  while (tile < kv_tiles) {
    const int next = tiles.next_visible(tile + 1);
    if (next < kv_tiles) load_kv(next, buffer ^ 1);
    cp_async_commit();
    cp_async_wait<1>();
    block_sync();

    const bf16* tile_k = shared_k + buffer * S::KV_ELEMENTS;
    const bf16* tile_v = shared_v + buffer * S::KV_ELEMENTS;
    const int* key_positions = shared_key_positions + buffer * BLOCK_N;

    // S = Q Kᵀ: B fragments straight from K's rows (K row-major is Kᵀ column-major), each used by every
    // row tile of the warp.
    float s[M_TILES][S::S_TILES][4];
#pragma unroll
    for (int m = 0; m < M_TILES; ++m) {
#pragma unroll
      for (int t = 0; t < S::S_TILES; ++t) s[m][t][0] = s[m][t][1] = s[m][t][2] = s[m][t][3] = 0.0f;
    }
#pragma unroll
    for (int k_step = 0; k_step < S::K_STEPS; ++k_step) {
      uint32_t a[M_TILES][4];
#pragma unroll
      for (int m = 0; m < M_TILES; ++m) {
        if (Q_IN_REGISTERS) {
#pragma unroll
          for (int i = 0; i < 4; ++i) a[m][i] = q_fragments[Q_IN_REGISTERS ? k_step : 0][i];
        } else {
          ldmatrix_x4(a[m], q_fragment_address(m, k_step));
        }
      }
#pragma unroll
      for (int t = 0; t < S::S_TILES; t += 2) {
        uint32_t b[4];
        b_fragments_of_rows<S::CHUNKS>(b, tile_k, t, k_step);
#pragma unroll
        for (int m = 0; m < M_TILES; ++m) {
          mma_bf16_16816(s[m][t], a[m], b[0], b[1]);
          mma_bf16_16816(s[m][t + 1], a[m], b[2], b[3]);
        }
      }
    }

    const bool cut_by_mask = tiles.cut_by_mask(tile);
#pragma unroll
    for (int m = 0; m < M_TILES; ++m) {
      if (cut_by_mask) {
        int limit[2];
        limits(m, limit);
        mask_scores(s[m], key_positions, limit, quad);
      }
      float correction[2];
      online_softmax(s[m], row_max[m], row_sum[m], scale_log2, correction);
      scale_rows(o[m], correction);
    }

    // O += P V: the S accumulators of two adjacent key tiles are exactly one A fragment of P; V's B
    // fragments come transposed out of its row-major tile, each used by every row tile of the warp.
#pragma unroll
    for (int k_step = 0; k_step < BLOCK_N / 16; ++k_step) {
      uint32_t p[M_TILES][4];
#pragma unroll
      for (int m = 0; m < M_TILES; ++m) accumulators_as_a(p[m], s[m], k_step);
#pragma unroll
      for (int t = 0; t < S::O_TILES; t += 2) {
        uint32_t b[4];
        b_fragments_of_tile<S::CHUNKS>(b, tile_v, t, k_step);
#pragma unroll
        for (int m = 0; m < M_TILES; ++m) {
          mma_bf16_16816(o[m][t], p[m], b[0], b[1]);
          mma_bf16_16816(o[m][t + 1], p[m], b[2], b[3]);
        }
      }
    }

    block_sync();  // everyone is done with this buffer before the next iteration refills it
    tile = next;
    buffer ^= 1;
  }

#pragma unroll
  for (int m = 0; m < M_TILES; ++m) {
    write_forward_rows(o[m], row_max[m], row_sum[m], tiles.first_q_row + tile_row(m) + group, q_tokens,
                       query_heads, tiles.head, quad, out, lse);
  }
}

}  // namespace forward_tc

#define RM_FORWARD_TC(NAME, D, Q_IN_REGISTERS, M_TILES, BLOCKS_PER_SM)                                 \
  extern "C" __global__ void __launch_bounds__(forward_tc::Shape<D, M_TILES>::THREADS, BLOCKS_PER_SM) \
      NAME(RM_FORWARD_PARAMETERS) {                                                                  \
    forward_tc::attention_forward<D, Q_IN_REGISTERS, M_TILES>(RM_FORWARD_ARGUMENTS);                 \
  }

RM_FORWARD_TC(attention_forward_tc_d64, 64, true, 1, 1)
RM_FORWARD_TC(attention_forward_tc_d128, 128, true, 1, 1)
RM_FORWARD_TC(attention_forward_tc_d64_qsmem, 64, false, 1, 1)
RM_FORWARD_TC(attention_forward_tc_d128_qsmem, 128, false, 1, 1)
RM_FORWARD_TC(attention_forward_tc_d64_4warps, 64, false, 2, 2)
RM_FORWARD_TC(attention_forward_tc_d128_4warps, 128, false, 2, 2)

// ---------------------------------------------------------------------------------------------------
// The simple kernel: one CTA of SIMPLE_THREADS per (query row, head), two passes over the keys.

// Shared memory: the scaled query row (head_dim floats), then SIMPLE_THREADS floats of probabilities,
// then SIMPLE_THREADS (max, sum) pairs for the reduction.
extern "C" __global__ void __launch_bounds__(SIMPLE_THREADS)
    attention_forward_simple(const bf16* __restrict__ q, const bf16* __restrict__ k,
                             const bf16* __restrict__ v, const int* __restrict__ q_positions,
                             const int* __restrict__ kv_positions, float* __restrict__ out,
                             float* __restrict__ lse, int q_tokens, int kv_tokens, int query_heads,
                             int kv_heads, int head_dim, int causal, float scale) {
  RM_DYNAMIC_SHARED(shared);
  RM_EXPECT_LAUNCH(SIMPLE_THREADS, (head_dim + 3 * SIMPLE_THREADS) * 4);
  float* query = reinterpret_cast<float*>(shared);
  float* probabilities = query + head_dim;
  float* partial_max = probabilities + SIMPLE_THREADS;
  float* partial_sum = partial_max + SIMPLE_THREADS;

  const int row = blockIdx.x;
  const int head = blockIdx.y;
  const int kv_head = head / (query_heads / kv_heads);
  const int limit = causal ? q_positions[row] : INT_MAX;
  const bf16* q_row = q + ((long long)row * query_heads + head) * head_dim;
  for (int d = threadIdx.x; d < head_dim; d += SIMPLE_THREADS) query[d] = bf16_to_float(q_row[d]) * scale;
  block_sync();

  auto key_row = [&](const bf16* base, int key) {
    return base + ((long long)key * kv_heads + kv_head) * head_dim;
  };

  // Pass 1: the row's maximum score and sum of exponentials, each thread over every 128th key.
  float max_score = -INFINITY;
  float sum = 0.0f;
  for (int key = threadIdx.x; key < kv_tokens; key += SIMPLE_THREADS) {
    if (kv_positions[key] > limit) continue;
    float score = dot_bf16(query, key_row(k, key), head_dim);
    if (score > max_score) {
      sum = sum * expf(max_score - score) + 1.0f;
      max_score = score;
    } else {
      sum += expf(score - max_score);
    }
  }
  partial_max[threadIdx.x] = max_score;
  partial_sum[threadIdx.x] = sum;
  block_sync();
  if (threadIdx.x == 0) {
    float total_max = -INFINITY;
    for (int i = 0; i < SIMPLE_THREADS; ++i) total_max = fmaxf(total_max, partial_max[i]);
    float total_sum = 0.0f;
    for (int i = 0; i < SIMPLE_THREADS; ++i) {
      if (partial_max[i] != -INFINITY) total_sum += partial_sum[i] * expf(partial_max[i] - total_max);
    }
    partial_max[0] = total_max;
    partial_sum[0] = total_sum;
  }
  block_sync();
  const float row_max = partial_max[0];
  const float row_sum = partial_sum[0];

  // Pass 2: out = Σ p·v over chunks of SIMPLE_THREADS keys, p recomputed and shared through memory.
  float accumulator[SIMPLE_DIMS_PER_THREAD] = {};
  for (int first = 0; first < kv_tokens; first += SIMPLE_THREADS) {
    int key = first + threadIdx.x;
    float p = 0.0f;
    if (key < kv_tokens && kv_positions[key] <= limit && row_sum > 0.0f) {
      p = expf(dot_bf16(query, key_row(k, key), head_dim) - row_max) / row_sum;
    }
    probabilities[threadIdx.x] = p;
    block_sync();
    int keys = min(SIMPLE_THREADS, kv_tokens - first);
    for (int j = 0; j < SIMPLE_DIMS_PER_THREAD; ++j) {
      int d = threadIdx.x + j * SIMPLE_THREADS;
      if (d >= head_dim) break;
      for (int i = 0; i < keys; ++i) {
        accumulator[j] += probabilities[i] * bf16_to_float(key_row(v, first + i)[d]);
      }
    }
    block_sync();
  }

  float* out_row = out + ((long long)row * query_heads + head) * head_dim;
  for (int j = 0; j < SIMPLE_DIMS_PER_THREAD; ++j) {
    int d = threadIdx.x + j * SIMPLE_THREADS;
    if (d < head_dim) out_row[d] = accumulator[j];
  }
  if (threadIdx.x == 0) {
    lse[(long long)row * query_heads + head] = row_sum > 0.0f ? row_max + logf(row_sum) : -INFINITY;
  }
}
