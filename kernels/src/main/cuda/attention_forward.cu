// Blockwise attention forward: softmax(scale · Q Kᵀ + mask) V of one query block against one KV block,
// normalised within the block, with the fp32 log-sum-exp of every query row so ring attention can merge
// blocks afterwards. Layouts are token-major [tokens][heads][head_dim]; Q, K, V bf16; out, lse fp32.
// Masks compare the global positions of rows and keys (positions arrays), so contiguous, zigzag and
// stripe shards all run through the same kernel. A row that sees no key gets lse = -inf and out = 0.
//
// Two kernels:
//  - attention_forward_tc_*: flash-attention-2 tiling on tensor cores (mma.sync m16n8k16 bf16, fp32
//    accumulate). A CTA of 8 warps owns 128 query rows (16 per warp) of one head and walks the KV tiles
//    of 64 keys, double-buffered in shared memory by cp.async; S = Q Kᵀ and the online softmax stay in
//    registers, P is re-packed as the A operand of P·V without a round trip through shared memory.
//    Tiles a causal mask hides completely are skipped; the mask is applied only on tiles it cuts.
//    Grid: (query heads, query tiles).
//  - attention_forward_simple: one CTA per (query row, head), fp32 dot products. Any head dim up to 512;
//    obviously correct, slow; the fallback and the yardstick for the tensor-core kernel.
#include "attention_common.cuh"

#include <limits.h>

namespace forward_tc {

constexpr int BLOCK_M = 128;  // query rows per CTA
constexpr int BLOCK_N = 64;   // keys per KV tile
constexpr int WARPS = 8;      // 16 query rows each
constexpr int THREADS = WARPS * 32;

template <int D>
struct Shape {
  static constexpr int CHUNKS = D / 8;         // 16-byte chunks per row
  static constexpr int K_STEPS = D / 16;       // mma k-steps over the head dim (S = Q Kᵀ)
  static constexpr int S_TILES = BLOCK_N / 8;  // 8-key column tiles of S
  static constexpr int O_TILES = D / 8;        // 8-wide column tiles of O
  static constexpr int Q_ELEMENTS = BLOCK_M * D;
  static constexpr int KV_ELEMENTS = BLOCK_N * D;
  // Q, then K[2], V[2] (bf16), then the key positions of both buffers (int).
  static constexpr int SHARED_BYTES = (Q_ELEMENTS + 4 * KV_ELEMENTS) * 2 + 2 * BLOCK_N * 4;
};

template <int D, bool Q_IN_REGISTERS>
RM_DEVICE void attention_forward(const bf16* __restrict__ q, const bf16* __restrict__ k,
                                 const bf16* __restrict__ v, const int* __restrict__ q_positions,
                                 const int* __restrict__ kv_positions, const int* __restrict__ q_tile_min,
                                 const int* __restrict__ q_tile_max, const int* __restrict__ kv_tile_min,
                                 const int* __restrict__ kv_tile_max, float* __restrict__ out,
                                 float* __restrict__ lse, int q_tokens, int kv_tokens, int query_heads,
                                 int kv_heads, int causal, float scale) {
  using S = Shape<D>;
  RM_DYNAMIC_SHARED(shared);
  RM_EXPECT_LAUNCH(THREADS, S::SHARED_BYTES);
  bf16* shared_q = reinterpret_cast<bf16*>(shared);
  bf16* shared_k = shared_q + S::Q_ELEMENTS;
  bf16* shared_v = shared_k + 2 * S::KV_ELEMENTS;
  int* shared_key_positions = reinterpret_cast<int*>(shared_v + 2 * S::KV_ELEMENTS);

  // Grid (heads, query tiles): the first wave takes the last (under a causal mask, heaviest) query
  // tile of every head, so the long tiles do not all end up in the last wave.
  const int q_tile = gridDim.y - 1 - blockIdx.y;
  const int head = blockIdx.x;
  const int kv_head = head / (query_heads / kv_heads);
  const int first_q_row = q_tile * BLOCK_M;
  const int warp = threadIdx.x / 32;
  const int lane = threadIdx.x % 32;
  const int group = lane >> 2;  // fragment row within the 8-row half
  const int quad = lane & 3;    // fragment column pair
  const int kv_tiles = (kv_tokens + BLOCK_N - 1) / BLOCK_N;
  const int q_max = q_tile_max[q_tile];
  const int q_min = q_tile_min[q_tile];

  // This thread's two query rows (fragment rows group and group + 8 of its warp's 16). A key is visible
  // to a row when key_position <= limit; keys past the block's end carry INT_MAX and are never visible.
  int limit[2];
#pragma unroll
  for (int half = 0; half < 2; ++half) {
    int row = first_q_row + warp * 16 + group + half * 8;
    limit[half] = (row < q_tokens && causal) ? q_positions[row] : INT_MAX - 1;
  }

  auto visible = [&](int tile) { return !causal || kv_tile_min[tile] <= q_max; };
  auto next_visible = [&](int tile) {
    while (tile < kv_tiles && !visible(tile)) ++tile;
    return tile;
  };
  auto load_kv = [&](int tile, int buffer) {
    int first_key = tile * BLOCK_N;
    load_rows_async<D, BLOCK_N, THREADS>(shared_k + buffer * S::KV_ELEMENTS, k, first_key, kv_tokens, kv_heads,
                                kv_head);
    load_rows_async<D, BLOCK_N, THREADS>(shared_v + buffer * S::KV_ELEMENTS, v, first_key, kv_tokens, kv_heads,
                                kv_head);
    if (threadIdx.x < BLOCK_N) {
      int key = first_key + threadIdx.x;
      shared_key_positions[buffer * BLOCK_N + threadIdx.x] = key < kv_tokens ? kv_positions[key] : INT_MAX;
    }
  };

  int tile = next_visible(0);
  load_rows_async<D, BLOCK_M, THREADS>(shared_q, q, first_q_row, q_tokens, query_heads, head);
  if (tile < kv_tiles) load_kv(tile, 0);
  cp_async_commit();
  cp_async_wait<0>();
  block_sync();

  // Q as mma A fragments: lanes 0-15 address rows 0-15 of the first 8 columns, lanes 16-31 the next 8.
  uint32_t q_fragments[Q_IN_REGISTERS ? S::K_STEPS : 1][4];
  auto q_fragment_address = [&](int k_step) {
    return shared_q + swizzled_offset(warp * 16 + (lane & 15), k_step * 2 + (lane >> 4), S::CHUNKS);
  };
  if (Q_IN_REGISTERS) {
#pragma unroll
    for (int k_step = 0; k_step < S::K_STEPS; ++k_step) {
      ldmatrix_x4(q_fragments[Q_IN_REGISTERS ? k_step : 0], q_fragment_address(k_step));
    }
  }

  float o[S::O_TILES][4];
#pragma unroll
  for (int t = 0; t < S::O_TILES; ++t) o[t][0] = o[t][1] = o[t][2] = o[t][3] = 0.0f;
  float row_max[2] = {-INFINITY, -INFINITY};  // in units of log2, i.e. already times scale · log2(e)
  float row_sum[2] = {0.0f, 0.0f};            // this thread's share; the quad is summed at the end
  const float scale_log2 = scale * RM_LOG2E;

  int buffer = 0;
  while (tile < kv_tiles) {
    const int next = next_visible(tile + 1);
    if (next < kv_tiles) load_kv(next, buffer ^ 1);
    cp_async_commit();
    cp_async_wait<1>();
    block_sync();

    const bf16* tile_k = shared_k + buffer * S::KV_ELEMENTS;
    const bf16* tile_v = shared_v + buffer * S::KV_ELEMENTS;
    const int* key_positions = shared_key_positions + buffer * BLOCK_N;

    // S = Q Kᵀ: B fragments straight from K's rows (K row-major is Kᵀ column-major).
    float s[S::S_TILES][4];
#pragma unroll
    for (int t = 0; t < S::S_TILES; ++t) s[t][0] = s[t][1] = s[t][2] = s[t][3] = 0.0f;
#pragma unroll
    for (int k_step = 0; k_step < S::K_STEPS; ++k_step) {
      uint32_t q_loaded[4];
      if (!Q_IN_REGISTERS) ldmatrix_x4(q_loaded, q_fragment_address(k_step));
      const uint32_t(&a)[4] = Q_IN_REGISTERS ? q_fragments[Q_IN_REGISTERS ? k_step : 0] : q_loaded;
#pragma unroll
      for (int t = 0; t < S::S_TILES; t += 2) mma_with_rows_of<S::CHUNKS>(tile_k, t, k_step, a, s[t], s[t + 1]);
    }

    const bool cut_by_mask =
        (tile + 1) * BLOCK_N > kv_tokens || (causal && kv_tile_max[tile] > q_min);
    if (cut_by_mask) {
#pragma unroll
      for (int t = 0; t < S::S_TILES; ++t) {
#pragma unroll
        for (int e = 0; e < 4; ++e) {
          if (key_positions[t * 8 + quad * 2 + (e & 1)] > limit[e >> 1]) s[t][e] = -INFINITY;
        }
      }
    }

    // Online softmax (flash-attention-2): rescale what was accumulated when a row's maximum grows.
#pragma unroll
    for (int half = 0; half < 2; ++half) {
      float tile_max = -INFINITY;
#pragma unroll
      for (int t = 0; t < S::S_TILES; ++t) {
        tile_max = fmaxf(tile_max, fmaxf(s[t][half * 2], s[t][half * 2 + 1]));
      }
      tile_max = fmaxf(tile_max, shfl_xor(tile_max, 1));
      tile_max = fmaxf(tile_max, shfl_xor(tile_max, 2));
      const float new_max = fmaxf(row_max[half], tile_max * scale_log2);
      // A row that has seen only masked keys keeps max -inf; subtracting 0 then keeps every p at 0.
      const float base = new_max == -INFINITY ? 0.0f : new_max;
      const float correction = fast_exp2(row_max[half] - base);
      row_max[half] = new_max;
      row_sum[half] *= correction;
#pragma unroll
      for (int t = 0; t < S::O_TILES; ++t) {
        o[t][half * 2] *= correction;
        o[t][half * 2 + 1] *= correction;
      }
#pragma unroll
      for (int t = 0; t < S::S_TILES; ++t) {
#pragma unroll
        for (int e = half * 2; e < half * 2 + 2; ++e) {
          const float p = fast_exp2(fmaf(s[t][e], scale_log2, -base));
          s[t][e] = p;
          row_sum[half] += p;
        }
      }
    }

    // O += P V: the S accumulators of two adjacent key tiles are exactly one A fragment of P; V's B
    // fragments come transposed out of its row-major tile.
#pragma unroll
    for (int k_step = 0; k_step < BLOCK_N / 16; ++k_step) {
      uint32_t p[4];
      accumulators_as_a(p, s, k_step);
#pragma unroll
      for (int t = 0; t < S::O_TILES; t += 2) mma_with_tile<S::CHUNKS>(tile_v, t, k_step, p, o[t], o[t + 1]);
    }

    block_sync();  // everyone is done with this buffer before the next iteration refills it
    tile = next;
    buffer ^= 1;
  }

#pragma unroll
  for (int half = 0; half < 2; ++half) {
    float sum = row_sum[half];
    sum += shfl_xor(sum, 1);
    sum += shfl_xor(sum, 2);
    const int row = first_q_row + warp * 16 + group + half * 8;
    if (row >= q_tokens) continue;
    const float inverse = sum > 0.0f ? 1.0f / sum : 0.0f;
    float* out_row = out + ((long long)row * query_heads + head) * D;
#pragma unroll
    for (int t = 0; t < S::O_TILES; ++t) {
      out_row[t * 8 + quad * 2] = o[t][half * 2] * inverse;
      out_row[t * 8 + quad * 2 + 1] = o[t][half * 2 + 1] * inverse;
    }
    if (quad == 0) {
      lse[(long long)row * query_heads + head] =
          sum > 0.0f ? row_max[half] * RM_LN2 + logf(sum) : -INFINITY;
    }
  }
}

}  // namespace forward_tc

#define RM_FORWARD_TC(NAME, D, Q_IN_REGISTERS)                                                        \
  extern "C" __global__ void __launch_bounds__(forward_tc::THREADS) NAME(                           \
      const bf16* __restrict__ q, const bf16* __restrict__ k, const bf16* __restrict__ v,          \
      const int* __restrict__ q_positions, const int* __restrict__ kv_positions,                   \
      const int* __restrict__ q_tile_min, const int* __restrict__ q_tile_max,                      \
      const int* __restrict__ kv_tile_min, const int* __restrict__ kv_tile_max,                    \
      float* __restrict__ out, float* __restrict__ lse, int q_tokens, int kv_tokens,               \
      int query_heads, int kv_heads, int causal, float scale) {                                    \
    forward_tc::attention_forward<D, Q_IN_REGISTERS>(q, k, v, q_positions, kv_positions,           \
                                                     q_tile_min, q_tile_max, kv_tile_min,          \
                                                     kv_tile_max, out, lse, q_tokens, kv_tokens,   \
                                                     query_heads, kv_heads, causal, scale);        \
  }

RM_FORWARD_TC(attention_forward_tc_d64, 64, true)
RM_FORWARD_TC(attention_forward_tc_d128, 128, true)
RM_FORWARD_TC(attention_forward_tc_d64_qsmem, 64, false)
RM_FORWARD_TC(attention_forward_tc_d128_qsmem, 128, false)

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
