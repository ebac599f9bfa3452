// Element-wise kernels of the ring: the fp32 LSE merge of partial results, sums, bf16 <-> fp32 and the
// per-tile position ranges that let the attention kernels skip tiles a causal mask hides completely.
#include "device.cuh"

#include <limits.h>

// Ring attention's merge (reference/ring-attention.md):
//   lse' = log(e^lse_a + e^lse_b),  out' = e^(lse_a - lse')·out_a + e^(lse_b - lse')·out_b
// computed around the larger LSE so nothing overflows; rows with lse = -inf on both sides stay empty.
extern "C" __global__ void lse_merge(const float* __restrict__ out_a, const float* __restrict__ lse_a,
                                     const float* __restrict__ out_b, const float* __restrict__ lse_b,
                                     float* __restrict__ out, float* __restrict__ lse, int rows,
                                     int head_dim) {
  long long total = (long long)rows * head_dim;
  for (long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x; i < total;
       i += (long long)gridDim.x * blockDim.x) {
    int row = (int)(i / head_dim);
    float a = lse_a[row];
    float b = lse_b[row];
    float larger = fmaxf(a, b);
    float merged_out = 0.0f;
    float merged_lse = -INFINITY;
    if (larger != -INFINITY) {
      float weight_a = expf(a - larger);
      float weight_b = expf(b - larger);
      float sum = weight_a + weight_b;
      merged_lse = larger + logf(sum);
      merged_out = (weight_a * out_a[i] + weight_b * out_b[i]) / sum;
    }
    out[i] = merged_out;
    if (i % head_dim == 0) lse[row] = merged_lse;
  }
}

extern "C" __global__ void add_f32(const float* __restrict__ a, const float* __restrict__ b,
                                   float* __restrict__ sum, long long count) {
  for (long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x; i < count;
       i += (long long)gridDim.x * blockDim.x) {
    sum[i] = a[i] + b[i];
  }
}

extern "C" __global__ void convert_bf16_to_f32(const bf16* __restrict__ source, float* __restrict__ target,
                                               long long count) {
  for (long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x; i < count;
       i += (long long)gridDim.x * blockDim.x) {
    target[i] = bf16_to_float(source[i]);
  }
}

extern "C" __global__ void convert_f32_to_bf16(const float* __restrict__ source, bf16* __restrict__ target,
                                               long long count) {
  for (long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x; i < count;
       i += (long long)gridDim.x * blockDim.x) {
    target[i] = float_to_bf16(source[i]);
  }
}

// Smallest and largest position in each tile of `tile_rows` consecutive rows. One thread per tile: there
// are at most a few thousand tiles and each reads at most 128 ints.
extern "C" __global__ void position_tile_ranges(const int* __restrict__ positions, int tokens,
                                                int tile_rows, int* __restrict__ tile_min,
                                                int* __restrict__ tile_max) {
  int tiles = (tokens + tile_rows - 1) / tile_rows;
  int tile = blockIdx.x * blockDim.x + threadIdx.x;
  if (tile >= tiles) return;
  int smallest = INT_MAX;
  int largest = INT_MIN;
  int end = min(tokens, (tile + 1) * tile_rows);
  for (int row = tile * tile_rows; row < end; ++row) {
    smallest = min(smallest, positions[row]);
    largest = max(largest, positions[row]);
  }
  tile_min[tile] = smallest;
  tile_max[tile] = largest;
}
