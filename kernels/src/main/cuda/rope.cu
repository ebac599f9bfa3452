// Rotary position embedding (Su et al., RoFormer), in the half-split ("rotate_half") form of Llama and
// GPT-NeoX: dimension i < d/2 pairs with i + d/2 and turns by position · theta^(-2i/d). The angle is
// computed in double: at a position of 10^6 a float angle would already be off by ~0.06 rad. Positions
// may be negative: RoPE at -p is the inverse rotation, which is RoPE's backward.
#include "device.cuh"

template <typename T>
RM_DEVICE float load_as_float(const T* p);

template <>
RM_DEVICE float load_as_float<float>(const float* p) {
  return *p;
}

template <>
RM_DEVICE float load_as_float<bf16>(const bf16* p) {
  return bf16_to_float(*p);
}

RM_DEVICE void store_float(float* p, float value) { *p = value; }
RM_DEVICE void store_float(bf16* p, float value) { *p = float_to_bf16(value); }

template <typename T>
RM_DEVICE void rope(const T* __restrict__ x, const int* __restrict__ positions, T* __restrict__ y,
                    int tokens, int heads, int head_dim, double theta) {
  int half = head_dim / 2;
  long long pairs = (long long)tokens * heads * half;
  for (long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x; i < pairs;
       i += (long long)gridDim.x * blockDim.x) {
    int dim = (int)(i % half);
    long long row = i / half;  // token * heads + head
    int token = (int)(row / heads);
    double angle = (double)positions[token] * pow(theta, -2.0 * dim / head_dim);
    double sine;
    double cosine;
    sincos(angle, &sine, &cosine);
    float s = (float)sine;
    float c = (float)cosine;
    const T* source = x + row * head_dim;
    T* target = y + row * head_dim;
    float first = load_as_float(source + dim);
    float second = load_as_float(source + dim + half);
    store_float(target + dim, first * c - second * s);
    store_float(target + dim + half, second * c + first * s);
  }
}

extern "C" __global__ void rope_bf16(const bf16* __restrict__ x, const int* __restrict__ positions,
                                     bf16* __restrict__ y, int tokens, int heads, int head_dim,
                                     double theta) {
  rope(x, positions, y, tokens, heads, head_dim, theta);
}

extern "C" __global__ void rope_f32(const float* __restrict__ x, const int* __restrict__ positions,
                                    float* __restrict__ y, int tokens, int heads, int head_dim,
                                    double theta) {
  rope(x, positions, y, tokens, heads, head_dim, theta);
}
