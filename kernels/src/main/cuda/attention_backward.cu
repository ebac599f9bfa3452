// Blockwise attention backward: the gradients of one (query block, KV block) pair, recomputed against the
// final output and LSE of the query rows (ring attention's backward; flash-attention-2's algorithm):
//   P = exp(scale · Q Kᵀ - lse),  dV = Pᵀ dO,  dP = dO Vᵀ,  dS = P ∘ (dP - rowsum(dO ∘ O)),
//   dQ = scale · dS K,  dK = scale · dSᵀ Q.
// Q, K, V, dO bf16; O, lse, dQ, dK, dV fp32; layouts token-major [tokens][heads][head_dim]. Under GQA the
// dK, dV of a KV head sum over the query heads that read it.
//
//  - attention_backward_row_dot: D = rowsum(dO ∘ O), one warp per (row, head).
//  - attention_backward_tc_*: tensor cores (mma.sync m16n8k16 bf16, fp32 accumulate). A CTA owns the
//    keys of one KV tile (16 per warp: 64 keys and 4 warps, or 128 keys and 8 warps in the _n128
//    kernels) of one KV head and keeps their dK, dV in registers while it walks every visible query tile
//    (64 rows, or 32 in the _m32 kernels) of every query head in the group, Q and dO double-buffered by
//    cp.async. Shared memory at head dim 128: 108 KB; _n128 149 KB (fewer dQ atomics and Q/dO reads per
//    FLOP); _m32 70 KB (fits GPUs that allow 99 KB per block, e.g. sm_89).
//    It computes Sᵀ and dPᵀ directly (keys as rows) so Pᵀ and dSᵀ are A fragments of dV and dK as they
//    are; dSᵀ goes through shared memory once for dQ = dS K, which is added to dQ with fp32 atomics
//    (dQ must be zeroed before the launch).
//  - attention_backward_simple_dq / _dkdv: one CTA per query row / per key, fp32 dot products; any head
//    dim up to 512; the fallback and the yardstick.
#include "attention_common.cuh"

#include <limits.h>

constexpr int ROW_DOT_WARPS = 4;

extern "C" __global__ void __launch_bounds__(ROW_DOT_WARPS * 32)
    attention_backward_row_dot(const float* __restrict__ out, const bf16* __restrict__ dout,
                               float* __restrict__ delta, int rows, int head_dim) {
  RM_EXPECT_LAUNCH(ROW_DOT_WARPS * 32, 0);
  const int row = blockIdx.x * ROW_DOT_WARPS + threadIdx.x / 32;
  const int lane = threadIdx.x % 32;
  if (row >= rows) return;  // whole warps leave together
  const float* o = out + (long long)row * head_dim;
  const bf16* g = dout + (long long)row * head_dim;
  float sum = 0.0f;
  for (int d = lane; d < head_dim; d += 32) sum += o[d] * bf16_to_float(g[d]);
#pragma unroll
  for (int mask = 16; mask > 0; mask >>= 1) sum += shfl_xor(sum, mask);
  if (lane == 0) delta[row] = sum;
}

namespace backward_tc {

template <int D, int BLOCK_N, int BLOCK_M>
struct Shape {
  static constexpr int WARPS = BLOCK_N / 16;  // 16 keys each
  static constexpr int THREADS = WARPS * 32;
  static constexpr int CHUNKS = D / 8;
  static constexpr int K_STEPS = D / 16;        // over the head dim (Sᵀ = K Qᵀ, dPᵀ = V dOᵀ)
  static constexpr int S_TILES = BLOCK_M / 8;   // 8-query column tiles of Sᵀ
  static constexpr int D_TILES = D / 8;         // 8-wide column tiles of dK, dV, dQ
  static constexpr int KV_ELEMENTS = BLOCK_N * D;
  static constexpr int Q_ELEMENTS = BLOCK_M * D;
  static constexpr int DS_CHUNKS = BLOCK_M / 8;  // a dSᵀ row holds the tile's queries
  // dQ = dS K: each warp takes 16 query rows and a part of the head dim, in passes of at most 8 tiles.
  static constexpr int ROW_GROUPS = BLOCK_M / 16;
  static constexpr int D_PARTS = WARPS / ROW_GROUPS;  // needs WARPS >= ROW_GROUPS
  static constexpr int TILES_PER_WARP = D_TILES / D_PARTS;
  static constexpr int PASS_TILES = TILES_PER_WARP < 8 ? TILES_PER_WARP : 8;
  static constexpr int PASSES = TILES_PER_WARP / PASS_TILES;
  // K, V, Q[2], dO[2], dSᵀ (bf16); then per query buffer: lse·log2(e), D, visibility limit.
  static constexpr int SHARED_BYTES =
      (2 * KV_ELEMENTS + 4 * Q_ELEMENTS + BLOCK_N * BLOCK_M) * 2 + 2 * BLOCK_M * (4 + 4 + 4);
  static_assert(WARPS % ROW_GROUPS == 0 && D_TILES % D_PARTS == 0 && PASS_TILES % 2 == 0, "dQ split");
};

template <int D, int BLOCK_N, int BLOCK_M>
RM_DEVICE void attention_backward(const bf16* __restrict__ q, const bf16* __restrict__ k,
                                  const bf16* __restrict__ v, const bf16* __restrict__ dout,
                                  const float* __restrict__ lse, const float* __restrict__ delta,
                                  const int* __restrict__ q_positions, const int* __restrict__ kv_positions,
                                  const int* __restrict__ q_tile_min, const int* __restrict__ q_tile_max,
                                  const int* __restrict__ kv_tile_min, const int* __restrict__ kv_tile_max,
                                  float* __restrict__ dq, float* __restrict__ dk, float* __restrict__ dv,
                                  int q_tokens, int kv_tokens, int query_heads, int kv_heads, int causal,
                                  float scale) {
  using S = Shape<D, BLOCK_N, BLOCK_M>;
  RM_DYNAMIC_SHARED(shared);
  RM_EXPECT_LAUNCH(S::THREADS, S::SHARED_BYTES);
  bf16* shared_k = reinterpret_cast<bf16*>(shared);
  bf16* shared_v = shared_k + S::KV_ELEMENTS;
  bf16* shared_q = shared_v + S::KV_ELEMENTS;         // two buffers
  bf16* shared_dout = shared_q + 2 * S::Q_ELEMENTS;   // two buffers
  bf16* shared_ds = shared_dout + 2 * S::Q_ELEMENTS;
  float* shared_lse = reinterpret_cast<float*>(shared_ds + BLOCK_N * BLOCK_M);  // two buffers each
  float* shared_delta = shared_lse + 2 * BLOCK_M;
  int* shared_limit = reinterpret_cast<int*>(shared_delta + 2 * BLOCK_M);

  // Grid (KV heads, KV tiles): the first wave takes the first (under a causal mask, heaviest) KV tile
  // of every head.
  const int kv_tile = blockIdx.y;
  const int kv_head = blockIdx.x;
  const int group_size = query_heads / kv_heads;
  const int first_key = kv_tile * BLOCK_N;
  const int warp = threadIdx.x / 32;
  const int lane = threadIdx.x % 32;
  const int group = lane >> 2;
  const int quad = lane & 3;
  const int matrix = lane >> 3;
  const int matrix_row = lane & 7;
  const int q_tiles = (q_tokens + BLOCK_M - 1) / BLOCK_M;
  const int steps = group_size * q_tiles;  // (query head in group, query tile), query tile fastest
  const int k_min = kv_tile_min[kv_tile];
  const int k_max = kv_tile_max[kv_tile];
  const bool partial_kv_tile = first_key + BLOCK_N > kv_tokens;

  // This thread's two keys: fragment rows group and group + 8 of its warp's 16.
  int key_position[2];
#pragma unroll
  for (int half = 0; half < 2; ++half) {
    int key = first_key + warp * 16 + group + half * 8;
    key_position[half] = key < kv_tokens ? kv_positions[key] : INT_MAX;
  }

  auto visible = [&](int step) { return !causal || q_tile_max[step % q_tiles] >= k_min; };
  auto next_visible = [&](int step) {
    while (step < steps && !visible(step)) ++step;
    return step;
  };
  auto load_queries = [&](int step, int buffer) {
    const int head = kv_head * group_size + step / q_tiles;
    const int first_row = (step % q_tiles) * BLOCK_M;
    load_rows_async<D, BLOCK_M, S::THREADS>(shared_q + buffer * S::Q_ELEMENTS, q, first_row, q_tokens,
                                            query_heads, head);
    load_rows_async<D, BLOCK_M, S::THREADS>(shared_dout + buffer * S::Q_ELEMENTS, dout, first_row,
                                            q_tokens, query_heads, head);
    if (threadIdx.x < BLOCK_M) {
      const int row = first_row + threadIdx.x;
      const int slot = buffer * BLOCK_M + threadIdx.x;
      if (row < q_tokens) {
        const float row_lse = lse[(long long)row * query_heads + head];
        // A row that saw no key at all (lse = -inf) has no gradient: +inf makes every p exactly 0.
        shared_lse[slot] = row_lse == -INFINITY ? INFINITY : row_lse * RM_LOG2E;
        shared_delta[slot] = delta[(long long)row * query_heads + head];
        shared_limit[slot] = causal ? q_positions[row] : INT_MAX - 1;
      } else {
        shared_lse[slot] = INFINITY;
        shared_delta[slot] = 0.0f;
        shared_limit[slot] = INT_MIN;
      }
    }
  };

  int step = next_visible(0);
  load_rows_async<D, BLOCK_N, S::THREADS>(shared_k, k, first_key, kv_tokens, kv_heads, kv_head);
  load_rows_async<D, BLOCK_N, S::THREADS>(shared_v, v, first_key, kv_tokens, kv_heads, kv_head);
  if (step < steps) load_queries(step, 0);
  cp_async_commit();
  cp_async_wait<0>();
  block_sync();

  float dk_accumulator[S::D_TILES][4];
  float dv_accumulator[S::D_TILES][4];
#pragma unroll
  for (int t = 0; t < S::D_TILES; ++t) {
#pragma unroll
    for (int e = 0; e < 4; ++e) dk_accumulator[t][e] = dv_accumulator[t][e] = 0.0f;
  }
  const float scale_log2 = scale * RM_LOG2E;
  // A fragments of this warp's 16 rows of K or V (the same addressing as Q in the forward kernel).
  auto key_fragment_address = [&](const bf16* tile, int k_step) {
    return tile + swizzled_offset(warp * 16 + (lane & 15), k_step * 2 + (lane >> 4), S::CHUNKS);
  };

  int buffer = 0;
  while (step < steps) {
    const int next = next_visible(step + 1);
    if (next < steps) load_queries(next, buffer ^ 1);
    cp_async_commit();
    cp_async_wait<1>();
    block_sync();

    const int head = kv_head * group_size + step / q_tiles;
    const int q_tile = step % q_tiles;
    const int first_row = q_tile * BLOCK_M;
    const bf16* tile_q = shared_q + buffer * S::Q_ELEMENTS;
    const bf16* tile_dout = shared_dout + buffer * S::Q_ELEMENTS;
    const float* tile_lse = shared_lse + buffer * BLOCK_M;
    const float* tile_delta = shared_delta + buffer * BLOCK_M;
    const int* tile_limit = shared_limit + buffer * BLOCK_M;

    // Sᵀ = K Qᵀ and dPᵀ = V dOᵀ: rows are this warp's keys, columns the tile's queries.
    float s[S::S_TILES][4];
    float dp[S::S_TILES][4];
#pragma unroll
    for (int t = 0; t < S::S_TILES; ++t) {
#pragma unroll
      for (int e = 0; e < 4; ++e) s[t][e] = dp[t][e] = 0.0f;
    }
#pragma unroll
    for (int k_step = 0; k_step < S::K_STEPS; ++k_step) {
      uint32_t a_k[4];
      uint32_t a_v[4];
      ldmatrix_x4(a_k, key_fragment_address(shared_k, k_step));
      ldmatrix_x4(a_v, key_fragment_address(shared_v, k_step));
#pragma unroll
      for (int t = 0; t < S::S_TILES; t += 2) {
        mma_with_rows_of<S::CHUNKS>(tile_q, t, k_step, a_k, s[t], s[t + 1]);
        mma_with_rows_of<S::CHUNKS>(tile_dout, t, k_step, a_v, dp[t], dp[t + 1]);
      }
    }

    // Pᵀ = exp(scale·Sᵀ - lse) and dSᵀ = Pᵀ ∘ (dPᵀ - D), masked entries exactly 0.
    const bool cut_by_mask = partial_kv_tile || (causal && q_tile_min[q_tile] < k_max);
#pragma unroll
    for (int t = 0; t < S::S_TILES; ++t) {
#pragma unroll
      for (int e = 0; e < 4; ++e) {
        const int column = t * 8 + quad * 2 + (e & 1);
        float p = fast_exp2(fmaf(s[t][e], scale_log2, -tile_lse[column]));
        if (cut_by_mask && key_position[e >> 1] > tile_limit[column]) p = 0.0f;
        s[t][e] = p;
        dp[t][e] = p * (dp[t][e] - tile_delta[column]);
      }
    }

    // dV += Pᵀ dO and dK += dSᵀ Q: the accumulators of two adjacent query tiles are one A fragment;
    // dO and Q are B operands read transposed from their row-major tiles.
#pragma unroll
    for (int k_step = 0; k_step < BLOCK_M / 16; ++k_step) {
      uint32_t p_fragment[4];
      uint32_t ds_fragment[4];
      accumulators_as_a(p_fragment, s, k_step);
      accumulators_as_a(ds_fragment, dp, k_step);
#pragma unroll
      for (int t = 0; t < S::D_TILES; t += 2) {
        mma_with_tile<S::CHUNKS>(tile_dout, t, k_step, p_fragment, dv_accumulator[t], dv_accumulator[t + 1]);
        mma_with_tile<S::CHUNKS>(tile_q, t, k_step, ds_fragment, dk_accumulator[t], dk_accumulator[t + 1]);
      }
    }

    // dSᵀ to shared memory (rows = keys, the tile's queries per row) for dQ, which needs dS with queries
    // as rows.
#pragma unroll
    for (int t = 0; t < S::S_TILES; ++t) {
#pragma unroll
      for (int half = 0; half < 2; ++half) {
        const int key_row = warp * 16 + group + half * 8;
        uint32_t* target = reinterpret_cast<uint32_t*>(
            shared_ds + swizzled_offset(key_row, t, S::DS_CHUNKS) + quad * 2);
        *target = pack_bf16x2(dp[t][half * 2], dp[t][half * 2 + 1]);
      }
    }
    block_sync();

    // dQ = scale · dS K over all BLOCK_N keys for this warp's 16 query rows and its part of the head dim, in
    // passes of at most 8 column tiles to bound the registers, atomically added to global dQ.
    const int row_group = warp % S::ROW_GROUPS;
    const int first_tile = (warp / S::ROW_GROUPS) * S::TILES_PER_WARP;
#pragma unroll
    for (int pass = 0; pass < S::PASSES; ++pass) {
      float dq_accumulator[S::PASS_TILES][4];
#pragma unroll
      for (int t = 0; t < S::PASS_TILES; ++t) {
#pragma unroll
        for (int e = 0; e < 4; ++e) dq_accumulator[t][e] = 0.0f;
      }
#pragma unroll
      for (int k_step = 0; k_step < BLOCK_N / 16; ++k_step) {
        // A = dS [query][key] read transposed out of dSᵀ [key][query].
        uint32_t a[4];
        ldmatrix_x4_trans(a, shared_ds + swizzled_offset(k_step * 16 + (matrix >> 1) * 8 + matrix_row,
                                                         row_group * 2 + (matrix & 1), S::DS_CHUNKS));
#pragma unroll
        for (int t = 0; t < S::PASS_TILES; t += 2) {
          mma_with_tile<S::CHUNKS>(shared_k, first_tile + pass * S::PASS_TILES + t, k_step, a, dq_accumulator[t],
                                   dq_accumulator[t + 1]);
        }
      }
#pragma unroll
      for (int half = 0; half < 2; ++half) {
        const int row = first_row + row_group * 16 + group + half * 8;
        if (row >= q_tokens) continue;
        float* dq_row = dq + ((long long)row * query_heads + head) * D +
                        (first_tile + pass * S::PASS_TILES) * 8;
#pragma unroll
        for (int t = 0; t < S::PASS_TILES; ++t) {
          atomic_add_f32(dq_row + t * 8 + quad * 2, dq_accumulator[t][half * 2] * scale);
          atomic_add_f32(dq_row + t * 8 + quad * 2 + 1, dq_accumulator[t][half * 2 + 1] * scale);
        }
      }
    }

    block_sync();  // the buffers and dSᵀ are free for the next step
    step = next;
    buffer ^= 1;
  }

#pragma unroll
  for (int half = 0; half < 2; ++half) {
    const int key = first_key + warp * 16 + group + half * 8;
    if (key >= kv_tokens) continue;
    float* dk_row = dk + ((long long)key * kv_heads + kv_head) * D;
    float* dv_row = dv + ((long long)key * kv_heads + kv_head) * D;
#pragma unroll
    for (int t = 0; t < S::D_TILES; ++t) {
      dk_row[t * 8 + quad * 2] = dk_accumulator[t][half * 2] * scale;
      dk_row[t * 8 + quad * 2 + 1] = dk_accumulator[t][half * 2 + 1] * scale;
      dv_row[t * 8 + quad * 2] = dv_accumulator[t][half * 2];
      dv_row[t * 8 + quad * 2 + 1] = dv_accumulator[t][half * 2 + 1];
    }
  }
}

}  // namespace backward_tc

#define RM_BACKWARD_TC(NAME, D, BLOCK_N, BLOCK_M)                                            \
  extern "C" __global__ void __launch_bounds__(backward_tc::Shape<D, BLOCK_N, BLOCK_M>::THREADS)  \
      NAME(const bf16* __restrict__ q, const bf16* __restrict__ k, const bf16* __restrict__ v,   \
           const bf16* __restrict__ dout, const float* __restrict__ lse,                        \
           const float* __restrict__ delta, const int* __restrict__ q_positions,                \
           const int* __restrict__ kv_positions, const int* __restrict__ q_tile_min,            \
           const int* __restrict__ q_tile_max, const int* __restrict__ kv_tile_min,             \
           const int* __restrict__ kv_tile_max, float* __restrict__ dq, float* __restrict__ dk, \
           float* __restrict__ dv, int q_tokens, int kv_tokens, int query_heads, int kv_heads,  \
           int causal, float scale) {                                                           \
    backward_tc::attention_backward<D, BLOCK_N, BLOCK_M>(                                        \
        q, k, v, dout, lse, delta, q_positions, kv_positions, q_tile_min, q_tile_max,            \
        kv_tile_min, kv_tile_max, dq, dk, dv, q_tokens, kv_tokens, query_heads, kv_heads,        \
        causal, scale);                                                                          \
  }

RM_BACKWARD_TC(attention_backward_tc_d64, 64, 64, 64)
RM_BACKWARD_TC(attention_backward_tc_d128, 128, 64, 64)
RM_BACKWARD_TC(attention_backward_tc_d64_m32, 64, 64, 32)
RM_BACKWARD_TC(attention_backward_tc_d128_m32, 128, 64, 32)
RM_BACKWARD_TC(attention_backward_tc_d64_n128, 64, 128, 64)
RM_BACKWARD_TC(attention_backward_tc_d128_n128, 128, 128, 64)

// ---------------------------------------------------------------------------------------------------
// The simple kernels: fp32 dot products, chunks of SIMPLE_THREADS rows shared through memory.

// dQ of one (query row, head): shared memory holds q and dO (2·head_dim floats) and SIMPLE_THREADS dS.
extern "C" __global__ void __launch_bounds__(SIMPLE_THREADS)
    attention_backward_simple_dq(const bf16* __restrict__ q, const bf16* __restrict__ k,
                                 const bf16* __restrict__ v, const bf16* __restrict__ dout,
                                 const float* __restrict__ lse, const float* __restrict__ delta,
                                 const int* __restrict__ q_positions, const int* __restrict__ kv_positions,
                                 float* __restrict__ dq, int q_tokens, int kv_tokens, int query_heads,
                                 int kv_heads, int head_dim, int causal, float scale) {
  RM_DYNAMIC_SHARED(shared);
  RM_EXPECT_LAUNCH(SIMPLE_THREADS, (2 * head_dim + SIMPLE_THREADS) * 4);
  float* query = reinterpret_cast<float*>(shared);
  float* gradient = query + head_dim;
  float* ds = gradient + head_dim;

  const int row = blockIdx.x;
  const int head = blockIdx.y;
  const int kv_head = head / (query_heads / kv_heads);
  const long long index = (long long)row * query_heads + head;
  const int limit = causal ? q_positions[row] : INT_MAX;
  const float row_lse = lse[index];
  const float row_delta = delta[index];
  for (int d = threadIdx.x; d < head_dim; d += SIMPLE_THREADS) {
    query[d] = bf16_to_float(q[index * head_dim + d]);
    gradient[d] = bf16_to_float(dout[index * head_dim + d]);
  }
  block_sync();

  auto key_row = [&](const bf16* base, int key) {
    return base + ((long long)key * kv_heads + kv_head) * head_dim;
  };
  float accumulator[SIMPLE_DIMS_PER_THREAD] = {};
  for (int first = 0; first < kv_tokens; first += SIMPLE_THREADS) {
    const int key = first + threadIdx.x;
    float value = 0.0f;
    if (key < kv_tokens && kv_positions[key] <= limit && row_lse != -INFINITY) {
      float p = expf(scale * dot_bf16(query, key_row(k, key), head_dim) - row_lse);
      float dp = dot_bf16(gradient, key_row(v, key), head_dim);
      value = p * (dp - row_delta);
    }
    ds[threadIdx.x] = value;
    block_sync();
    const int keys = min(SIMPLE_THREADS, kv_tokens - first);
    for (int j = 0; j < SIMPLE_DIMS_PER_THREAD; ++j) {
      const int d = threadIdx.x + j * SIMPLE_THREADS;
      if (d >= head_dim) break;
      for (int i = 0; i < keys; ++i) accumulator[j] += ds[i] * bf16_to_float(key_row(k, first + i)[d]);
    }
    block_sync();
  }
  for (int j = 0; j < SIMPLE_DIMS_PER_THREAD; ++j) {
    const int d = threadIdx.x + j * SIMPLE_THREADS;
    if (d < head_dim) dq[index * head_dim + d] = accumulator[j] * scale;
  }
}

// dK, dV of one (key, KV head), summed over every query row of every query head of its group. Shared
// memory holds k and v (2·head_dim floats), then SIMPLE_THREADS p and SIMPLE_THREADS dS.
extern "C" __global__ void __launch_bounds__(SIMPLE_THREADS)
    attention_backward_simple_dkdv(const bf16* __restrict__ q, const bf16* __restrict__ k,
                                   const bf16* __restrict__ v, const bf16* __restrict__ dout,
                                   const float* __restrict__ lse, const float* __restrict__ delta,
                                   const int* __restrict__ q_positions,
                                   const int* __restrict__ kv_positions, float* __restrict__ dk,
                                   float* __restrict__ dv, int q_tokens, int kv_tokens, int query_heads,
                                   int kv_heads, int head_dim, int causal, float scale) {
  RM_DYNAMIC_SHARED(shared);
  RM_EXPECT_LAUNCH(SIMPLE_THREADS, (2 * head_dim + 2 * SIMPLE_THREADS) * 4);
  float* key_values = reinterpret_cast<float*>(shared);
  float* value_values = key_values + head_dim;
  float* probabilities = value_values + head_dim;
  float* ds = probabilities + SIMPLE_THREADS;

  const int key = blockIdx.x;
  const int kv_head = blockIdx.y;
  const int group_size = query_heads / kv_heads;
  const long long key_index = (long long)key * kv_heads + kv_head;
  const int key_position = kv_positions[key];
  for (int d = threadIdx.x; d < head_dim; d += SIMPLE_THREADS) {
    key_values[d] = bf16_to_float(k[key_index * head_dim + d]);
    value_values[d] = bf16_to_float(v[key_index * head_dim + d]);
  }
  block_sync();

  // Query rows of the group, flattened as (head in group, row), row fastest.
  const int rows = group_size * q_tokens;
  auto row_index = [&](int flat) {
    const int head = kv_head * group_size + flat / q_tokens;
    return (long long)(flat % q_tokens) * query_heads + head;
  };
  float dk_accumulator[SIMPLE_DIMS_PER_THREAD] = {};
  float dv_accumulator[SIMPLE_DIMS_PER_THREAD] = {};
  for (int first = 0; first < rows; first += SIMPLE_THREADS) {
    const int flat = first + threadIdx.x;
    float p = 0.0f;
    float value = 0.0f;
    if (flat < rows) {
      const long long index = row_index(flat);
      const float row_lse = lse[index];
      const bool visible = !causal || key_position <= q_positions[flat % q_tokens];
      if (visible && row_lse != -INFINITY) {
        p = expf(scale * dot_bf16(key_values, q + index * head_dim, head_dim) - row_lse);
        float dp = dot_bf16(value_values, dout + index * head_dim, head_dim);
        value = p * (dp - delta[index]);
      }
    }
    probabilities[threadIdx.x] = p;
    ds[threadIdx.x] = value;
    block_sync();
    const int count = min(SIMPLE_THREADS, rows - first);
    for (int j = 0; j < SIMPLE_DIMS_PER_THREAD; ++j) {
      const int d = threadIdx.x + j * SIMPLE_THREADS;
      if (d >= head_dim) break;
      for (int i = 0; i < count; ++i) {
        const long long index = row_index(first + i);
        dv_accumulator[j] += probabilities[i] * bf16_to_float(dout[index * head_dim + d]);
        dk_accumulator[j] += ds[i] * bf16_to_float(q[index * head_dim + d]);
      }
    }
    block_sync();
  }
  for (int j = 0; j < SIMPLE_DIMS_PER_THREAD; ++j) {
    const int d = threadIdx.x + j * SIMPLE_THREADS;
    if (d < head_dim) {
      dk[key_index * head_dim + d] = dk_accumulator[j] * scale;
      dv[key_index * head_dim + d] = dv_accumulator[j];
    }
  }
}
