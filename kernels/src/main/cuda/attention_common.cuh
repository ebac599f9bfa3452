// Pieces both attention kernels use: tile loads into swizzled shared memory, re-packing mma
// accumulators as A fragments, and the constants and dot product of the simple kernels.
#pragma once

#include "device.cuh"

// Rows [first_row, first_row + ROWS) of one head of a token-major [tokens][heads][D] tensor into a
// swizzled shared tile, 16 bytes per cp.async; rows past `tokens` are zeros.
template <int D, int ROWS, int THREADS>
RM_DEVICE void load_rows_async(bf16* tile, const bf16* __restrict__ source, int first_row, int tokens,
                               int heads, int head) {
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
    cp_async_16(tile + swizzled_offset(row, chunk, CHUNKS), from, valid);
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

// D[t] and D[t+1] += A·B for B's 8-column tiles t and t+1 at k-step k_step, where B's columns are rows
// of a row-major shared tile (B = Tileᵀ, as Kᵀ in Q·Kᵀ): one ldmatrix.x4 fetches both B fragments.
// Lanes 8i..8i+7 address matrix i: rows 8t.. (i = 0, 1) or 8(t+1).. (i = 2, 3), chunk 2·k_step + i % 2.
template <int CHUNKS>
RM_DEVICE void mma_with_rows_of(const bf16* tile, int t, int k_step, const uint32_t (&a)[4], float (&d0)[4],
                                float (&d1)[4]) {
  const int lane = threadIdx.x % 32;
  const int matrix = lane >> 3;
  uint32_t b[4];
  ldmatrix_x4(b, tile + swizzled_offset(t * 8 + (matrix >> 1) * 8 + (lane & 7), k_step * 2 + (matrix & 1), CHUNKS));
  mma_bf16_16816(d0, a, b[0], b[1]);
  mma_bf16_16816(d1, a, b[2], b[3]);
}

// The same where B is the row-major shared tile itself (as V in P·V): ldmatrix.x4.trans. Lanes 8i..8i+7
// address rows 16·k_step + 8·(i % 2).., chunk t + i / 2.
template <int CHUNKS>
RM_DEVICE void mma_with_tile(const bf16* tile, int t, int k_step, const uint32_t (&a)[4], float (&d0)[4],
                             float (&d1)[4]) {
  const int lane = threadIdx.x % 32;
  const int matrix = lane >> 3;
  uint32_t b[4];
  ldmatrix_x4_trans(b, tile + swizzled_offset(k_step * 16 + (matrix & 1) * 8 + (lane & 7), t + (matrix >> 1), CHUNKS));
  mma_bf16_16816(d0, a, b[0], b[1]);
  mma_bf16_16816(d1, a, b[2], b[3]);
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
