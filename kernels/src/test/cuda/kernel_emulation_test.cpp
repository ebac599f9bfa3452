// Runs the CUDA kernels' own code on the CPU (host_emulation.h) against a double-precision reference:
// forward (tensor-core and simple), backward (tensor-core and simple), RoPE, LSE merge, for causal
// contiguous / zigzag / stripe positions, GQA, and lengths that are not multiples of the tiles.
// Built and run by scripts/emulate-kernels.sh; exits non-zero on the first failed comparison.
#include "device.cuh"

#include <unistd.h>

#include <cstdio>
#include <random>
#include <string>

extern "C" {
void position_tile_ranges(const int*, int, int, int*, int*);
void lse_merge(const float*, const float*, const float*, const float*, float*, float*, int, int);
void rope_bf16(const bf16*, const int*, bf16*, int, int, int, double);
void rope_f32(const float*, const int*, float*, int, int, int, double);
#define FORWARD_TC_ARGS                                                                             \
  const bf16*, const bf16*, const bf16*, const int*, const int*, const int*, const int*, const int*, \
      const int*, float*, float*, int, int, int, int, int, float
void attention_forward_tc_d64(FORWARD_TC_ARGS);
void attention_forward_tc_d128(FORWARD_TC_ARGS);
void attention_forward_tc_d64_qsmem(FORWARD_TC_ARGS);
void attention_forward_tc_d128_qsmem(FORWARD_TC_ARGS);
void attention_forward_tc_d64_4warps(FORWARD_TC_ARGS);
void attention_forward_tc_d128_4warps(FORWARD_TC_ARGS);
void attention_forward_wgmma_d64(FORWARD_TC_ARGS);
void attention_forward_wgmma_d128(FORWARD_TC_ARGS);
void attention_forward_simple(const bf16*, const bf16*, const bf16*, const int*, const int*, float*,
                              float*, int, int, int, int, int, int, float);
void attention_backward_row_dot(const float*, const bf16*, float*, int, int);
#define BACKWARD_TC_ARGS                                                                             \
  const bf16*, const bf16*, const bf16*, const bf16*, const float*, const float*, const int*,        \
      const int*, const int*, const int*, const int*, const int*, float*, float*, float*, int, int, \
      int, int, int, float
void attention_backward_tc_d64(BACKWARD_TC_ARGS);
void attention_backward_tc_d128(BACKWARD_TC_ARGS);
void attention_backward_tc_d64_m32(BACKWARD_TC_ARGS);
void attention_backward_tc_d128_m32(BACKWARD_TC_ARGS);
void attention_backward_tc_d64_n128(BACKWARD_TC_ARGS);
void attention_backward_tc_d128_n128(BACKWARD_TC_ARGS);
void attention_backward_simple_dq(const bf16*, const bf16*, const bf16*, const bf16*, const float*,
                                  const float*, const int*, const int*, float*, int, int, int, int,
                                  int, int, float);
void attention_backward_simple_dkdv(const bf16*, const bf16*, const bf16*, const bf16*, const float*,
                                    const float*, const int*, const int*, float*, float*, int, int,
                                    int, int, int, int, float);
}

namespace {

int failures = 0;

struct Case {
  std::string name;
  int q_tokens, kv_tokens, query_heads, kv_heads, head_dim;
  bool causal;
  std::vector<int> q_positions, kv_positions;
};

std::vector<bf16> to_bf16(const std::vector<float>& values) {
  std::vector<bf16> result(values.size());
  for (size_t i = 0; i < values.size(); ++i) result[i] = float_to_bf16(values[i]);
  return result;
}

std::vector<float> rounded(const std::vector<float>& values) {
  std::vector<float> result(values.size());
  for (size_t i = 0; i < values.size(); ++i) result[i] = bf16_to_float(float_to_bf16(values[i]));
  return result;
}

std::vector<float> random_values(size_t count, std::mt19937& random, float spread) {
  std::normal_distribution<float> normal(0.0f, spread);
  std::vector<float> values(count);
  for (auto& v : values) v = normal(random);
  return values;
}

// max |actual - expected| / max |expected|, with -inf == -inf counted as equal.
double relative_error(const std::vector<float>& actual, const std::vector<double>& expected) {
  double largest = 1e-30, worst = 0.0;
  for (size_t i = 0; i < expected.size(); ++i) {
    if (std::isinf(expected[i]) && actual[i] == expected[i]) continue;
    if (std::isinf(expected[i]) || std::isnan(actual[i])) return INFINITY;
    largest = std::max(largest, std::abs(expected[i]));
    worst = std::max(worst, std::abs(actual[i] - expected[i]));
  }
  return worst / largest;
}

void check(const std::string& what, double error, double tolerance) {
  bool ok = error <= tolerance;
  if (!ok) ++failures;
  std::printf("%s %-58s relative error %.3g (tolerance %.0e)\n", ok ? "PASS" : "FAIL", what.c_str(),
              error, tolerance);
  std::fflush(stdout);
}

struct Reference {
  std::vector<double> out, lse;             // forward of the block
  std::vector<double> dq, dk, dv;           // backward against the given global out / lse
};

bool visible(const Case& c, int row, int key) {
  return !c.causal || c.kv_positions[key] <= c.q_positions[row];
}

Reference reference(const Case& c, const std::vector<float>& q, const std::vector<float>& k,
                    const std::vector<float>& v, const std::vector<float>& dout,
                    const std::vector<float>& global_out, const std::vector<float>& global_lse) {
  const int d = c.head_dim, group = c.query_heads / c.kv_heads;
  const double scale = 1.0 / std::sqrt((double)d);
  Reference r;
  r.out.assign((size_t)c.q_tokens * c.query_heads * d, 0.0);
  r.lse.assign((size_t)c.q_tokens * c.query_heads, -INFINITY);
  r.dq.assign(r.out.size(), 0.0);
  r.dk.assign((size_t)c.kv_tokens * c.kv_heads * d, 0.0);
  r.dv.assign(r.dk.size(), 0.0);
  auto qi = [&](int row, int h) { return ((size_t)row * c.query_heads + h) * d; };
  auto ki = [&](int key, int h) { return ((size_t)key * c.kv_heads + h) * d; };
  for (int h = 0; h < c.query_heads; ++h) {
    const int kh = h / group;
    for (int row = 0; row < c.q_tokens; ++row) {
      std::vector<double> scores(c.kv_tokens, -INFINITY);
      double largest = -INFINITY;
      for (int key = 0; key < c.kv_tokens; ++key) {
        if (!visible(c, row, key)) continue;
        double s = 0;
        for (int x = 0; x < d; ++x) s += (double)q[qi(row, h) + x] * k[ki(key, kh) + x];
        scores[key] = s * scale;
        largest = std::max(largest, scores[key]);
      }
      if (largest == -INFINITY) continue;
      double sum = 0;
      for (int key = 0; key < c.kv_tokens; ++key) sum += std::exp(scores[key] - largest);
      r.lse[(size_t)row * c.query_heads + h] = largest + std::log(sum);
      for (int key = 0; key < c.kv_tokens; ++key) {
        double p = std::exp(scores[key] - largest) / sum;
        for (int x = 0; x < d; ++x) r.out[qi(row, h) + x] += p * v[ki(key, kh) + x];
      }
      // Backward of this block against the global out / lse.
      const double row_lse = global_lse[(size_t)row * c.query_heads + h];
      if (row_lse == -INFINITY) continue;
      double delta = 0;
      for (int x = 0; x < d; ++x) delta += (double)dout[qi(row, h) + x] * global_out[qi(row, h) + x];
      for (int key = 0; key < c.kv_tokens; ++key) {
        if (!visible(c, row, key)) continue;
        double p = std::exp(scores[key] - row_lse);
        double dp = 0;
        for (int x = 0; x < d; ++x) dp += (double)dout[qi(row, h) + x] * v[ki(key, kh) + x];
        double ds = p * (dp - delta);
        for (int x = 0; x < d; ++x) {
          r.dv[ki(key, kh) + x] += p * dout[qi(row, h) + x];
          r.dq[qi(row, h) + x] += scale * ds * k[ki(key, kh) + x];
          r.dk[ki(key, kh) + x] += scale * ds * q[qi(row, h) + x];
        }
      }
    }
  }
  return r;
}

std::vector<double> as_double(const std::vector<float>& values) {
  return std::vector<double>(values.begin(), values.end());
}

void tile_ranges(const std::vector<int>& positions, int tile_rows, std::vector<int>& low,
                 std::vector<int>& high) {
  const int tiles = ((int)positions.size() + tile_rows - 1) / tile_rows;
  low.assign(tiles, 0);
  high.assign(tiles, 0);
  rm_emulation::launch(dim3{(unsigned)((tiles + 127) / 128), 1, 1}, dim3{128, 1, 1}, 0, [&] {
    position_tile_ranges(positions.data(), (int)positions.size(), tile_rows, low.data(), high.data());
  });
}

void run_case(const Case& c, std::mt19937& random) {
  const int d = c.head_dim;
  const float scale = 1.0f / std::sqrt((float)d);
  const size_t q_size = (size_t)c.q_tokens * c.query_heads * d;
  const size_t kv_size = (size_t)c.kv_tokens * c.kv_heads * d;
  const size_t rows = (size_t)c.q_tokens * c.query_heads;
  auto q = rounded(random_values(q_size, random, 1.0f));
  auto k = rounded(random_values(kv_size, random, 1.0f));
  auto v = rounded(random_values(kv_size, random, 1.0f));
  auto dout = rounded(random_values(q_size, random, 1.0f));
  auto q16 = to_bf16(q), k16 = to_bf16(k), v16 = to_bf16(v), dout16 = to_bf16(dout);

  // The global out / lse the backward is recomputed against: this block's own forward, with the LSE
  // raised as if other blocks had contributed, and an unrelated out (the formulas are linear in both).
  Reference own = reference(c, q, k, v, dout, std::vector<float>(q_size), std::vector<float>(rows));
  std::vector<float> global_lse(rows), global_out = random_values(q_size, random, 0.5f);
  for (size_t i = 0; i < rows; ++i) global_lse[i] = (float)(own.lse[i] + 0.25);
  Reference expected = reference(c, q, k, v, dout, global_out, global_lse);

  std::vector<int> q_low, q_high, kv_low, kv_high, q64_low, q64_high, q32_low, q32_high, kv128_low, kv128_high;
  tile_ranges(c.q_positions, 128, q_low, q_high);
  tile_ranges(c.q_positions, 64, q64_low, q64_high);
  tile_ranges(c.q_positions, 32, q32_low, q32_high);
  tile_ranges(c.kv_positions, 64, kv_low, kv_high);
  tile_ranges(c.kv_positions, 128, kv128_low, kv128_high);
  const int causal = c.causal ? 1 : 0;

  // Forward.
  auto run_forward_tc = [&](auto kernel, unsigned threads, const std::string& label) {
    std::vector<float> out(q_size, NAN), lse(rows, NAN);
    const int q_tiles = (c.q_tokens + 127) / 128;
    const int shared = (128 * d + 4 * 64 * d) * 2 + 2 * 64 * 4;
    rm_emulation::launch(dim3{(unsigned)c.query_heads, (unsigned)q_tiles, 1}, dim3{threads, 1, 1}, shared, [&] {
      kernel(q16.data(), k16.data(), v16.data(), c.q_positions.data(), c.kv_positions.data(), q_low.data(),
             q_high.data(), kv_low.data(), kv_high.data(), out.data(), lse.data(), c.q_tokens, c.kv_tokens,
             c.query_heads, c.kv_heads, causal, scale);
    });
    check(c.name + " forward " + label + " out", relative_error(out, expected.out), 2e-2);
    check(c.name + " forward " + label + " lse", relative_error(lse, expected.lse), 1e-3);
  };
  // wgmma: 128 query rows, KV tiles of 128 keys; shared memory from a 1024-byte aligned start.
  auto run_forward_wgmma = [&](auto kernel, const std::string& label) {
    std::vector<float> out(q_size, NAN), lse(rows, NAN);
    const int q_tiles = (c.q_tokens + 127) / 128;
    const int shared = 1024 + (128 * d + 4 * 128 * d) * 2 + 2 * 128 * 4;
    rm_emulation::launch(dim3{(unsigned)c.query_heads, (unsigned)q_tiles, 1}, dim3{256, 1, 1}, shared, [&] {
      kernel(q16.data(), k16.data(), v16.data(), c.q_positions.data(), c.kv_positions.data(), q_low.data(),
             q_high.data(), kv128_low.data(), kv128_high.data(), out.data(), lse.data(), c.q_tokens, c.kv_tokens,
             c.query_heads, c.kv_heads, causal, scale);
    });
    check(c.name + " forward " + label + " out", relative_error(out, expected.out), 2e-2);
    check(c.name + " forward " + label + " lse", relative_error(lse, expected.lse), 1e-3);
  };
  if (d == 64) {
    run_forward_tc(attention_forward_tc_d64, 256, "tc");
    run_forward_tc(attention_forward_tc_d64_qsmem, 256, "tc-qsmem");
    run_forward_tc(attention_forward_tc_d64_4warps, 128, "tc-4warps");
    run_forward_wgmma(attention_forward_wgmma_d64, "wgmma");
  } else if (d == 128) {
    run_forward_tc(attention_forward_tc_d128, 256, "tc");
    run_forward_tc(attention_forward_tc_d128_qsmem, 256, "tc-qsmem");
    run_forward_tc(attention_forward_tc_d128_4warps, 128, "tc-4warps");
    run_forward_wgmma(attention_forward_wgmma_d128, "wgmma");
  }
  {
    std::vector<float> out(q_size, NAN), lse(rows, NAN);
    const int shared = (d + 3 * 128) * 4;
    rm_emulation::launch(dim3{(unsigned)c.q_tokens, (unsigned)c.query_heads, 1}, dim3{128, 1, 1}, shared, [&] {
      attention_forward_simple(q16.data(), k16.data(), v16.data(), c.q_positions.data(), c.kv_positions.data(),
                               out.data(), lse.data(), c.q_tokens, c.kv_tokens, c.query_heads, c.kv_heads, d,
                               causal, scale);
    });
    check(c.name + " forward simple out", relative_error(out, expected.out), 1e-5);
    check(c.name + " forward simple lse", relative_error(lse, expected.lse), 1e-5);
  }

  // Backward.
  std::vector<float> delta(rows, NAN);
  rm_emulation::launch(dim3{(unsigned)((rows + 3) / 4), 1, 1}, dim3{128, 1, 1}, 0, [&] {
    attention_backward_row_dot(global_out.data(), dout16.data(), delta.data(), (int)rows, d);
  });
  {
    std::vector<double> expected_delta(rows, 0.0);
    for (size_t r = 0; r < rows; ++r) {
      for (int x = 0; x < d; ++x) expected_delta[r] += (double)global_out[r * d + x] * dout[r * d + x];
    }
    check(c.name + " backward row dot", relative_error(delta, expected_delta), 1e-5);
  }
  auto run_backward_tc = [&](auto kernel, int block_n, int block_m, const std::string& label) {
    std::vector<float> dq(q_size, 0.0f), dk(kv_size, NAN), dv(kv_size, NAN);
    const int kv_tiles = (c.kv_tokens + block_n - 1) / block_n;
    const int shared = (2 * block_n * d + 4 * block_m * d + block_n * block_m) * 2 + 2 * block_m * 12;
    const std::vector<int>& q_tile_low = block_m == 64 ? q64_low : q32_low;
    const std::vector<int>& q_tile_high = block_m == 64 ? q64_high : q32_high;
    const std::vector<int>& kv_tile_low = block_n == 64 ? kv_low : kv128_low;
    const std::vector<int>& kv_tile_high = block_n == 64 ? kv_high : kv128_high;
    const unsigned threads = block_n / 16 * 32;
    rm_emulation::launch(dim3{(unsigned)c.kv_heads, (unsigned)kv_tiles, 1}, dim3{threads, 1, 1}, shared, [&] {
      kernel(q16.data(), k16.data(), v16.data(), dout16.data(), global_lse.data(), delta.data(),
             c.q_positions.data(), c.kv_positions.data(), q_tile_low.data(), q_tile_high.data(), kv_tile_low.data(),
             kv_tile_high.data(), dq.data(), dk.data(), dv.data(), c.q_tokens, c.kv_tokens, c.query_heads,
             c.kv_heads, causal, scale);
    });
    check(c.name + " backward " + label + " dq", relative_error(dq, expected.dq), 2e-2);
    check(c.name + " backward " + label + " dk", relative_error(dk, expected.dk), 2e-2);
    check(c.name + " backward " + label + " dv", relative_error(dv, expected.dv), 2e-2);
  };
  if (d == 64) {
    run_backward_tc(attention_backward_tc_d64, 64, 64, "tc");
    run_backward_tc(attention_backward_tc_d64_m32, 64, 32, "tc-m32");
    run_backward_tc(attention_backward_tc_d64_n128, 128, 64, "tc-n128");
  }
  if (d == 128) {
    run_backward_tc(attention_backward_tc_d128, 64, 64, "tc");
    run_backward_tc(attention_backward_tc_d128_m32, 64, 32, "tc-m32");
    run_backward_tc(attention_backward_tc_d128_n128, 128, 64, "tc-n128");
  }
  {
    std::vector<float> dq(q_size, NAN), dk(kv_size, NAN), dv(kv_size, NAN);
    rm_emulation::launch(dim3{(unsigned)c.q_tokens, (unsigned)c.query_heads, 1}, dim3{128, 1, 1},
                         (2 * d + 128) * 4, [&] {
      attention_backward_simple_dq(q16.data(), k16.data(), v16.data(), dout16.data(), global_lse.data(),
                                   delta.data(), c.q_positions.data(), c.kv_positions.data(), dq.data(),
                                   c.q_tokens, c.kv_tokens, c.query_heads, c.kv_heads, d, causal, scale);
    });
    rm_emulation::launch(dim3{(unsigned)c.kv_tokens, (unsigned)c.kv_heads, 1}, dim3{128, 1, 1},
                         (2 * d + 256) * 4, [&] {
      attention_backward_simple_dkdv(q16.data(), k16.data(), v16.data(), dout16.data(), global_lse.data(),
                                     delta.data(), c.q_positions.data(), c.kv_positions.data(), dk.data(),
                                     dv.data(), c.q_tokens, c.kv_tokens, c.query_heads, c.kv_heads, d, causal,
                                     scale);
    });
    check(c.name + " backward simple dq", relative_error(dq, expected.dq), 1e-4);
    check(c.name + " backward simple dk", relative_error(dk, expected.dk), 1e-4);
    check(c.name + " backward simple dv", relative_error(dv, expected.dv), 1e-4);
  }
}

std::vector<int> contiguous(int first, int count) {
  std::vector<int> positions(count);
  for (int i = 0; i < count; ++i) positions[i] = first + i;
  return positions;
}

// Rank r of a zigzag ring of n over `total` tokens: chunks r and 2n-1-r.
std::vector<int> zigzag(int rank, int ring, int total) {
  const int chunk = total / (2 * ring);
  std::vector<int> positions = contiguous(rank * chunk, chunk);
  std::vector<int> second = contiguous((2 * ring - 1 - rank) * chunk, chunk);
  positions.insert(positions.end(), second.begin(), second.end());
  return positions;
}

std::vector<int> stripe(int rank, int ring, int count) {
  std::vector<int> positions(count);
  for (int i = 0; i < count; ++i) positions[i] = i * ring + rank;
  return positions;
}

void rope_and_merge(std::mt19937& random) {
  const int tokens = 37, heads = 3, d = 64;
  const double theta = 500000.0;
  std::vector<int> positions = stripe(1, 4, tokens);
  positions[5] = 1000000;  // a large position: the angle must be computed in double
  auto x = rounded(random_values((size_t)tokens * heads * d, random, 1.0f));
  std::vector<double> expected(x.size());
  for (int t = 0; t < tokens; ++t) {
    for (int h = 0; h < heads; ++h) {
      for (int i = 0; i < d / 2; ++i) {
        size_t base = ((size_t)t * heads + h) * d;
        double angle = positions[t] * std::pow(theta, -2.0 * i / d);
        expected[base + i] = x[base + i] * std::cos(angle) - x[base + i + d / 2] * std::sin(angle);
        expected[base + i + d / 2] = x[base + i + d / 2] * std::cos(angle) + x[base + i] * std::sin(angle);
      }
    }
  }
  std::vector<float> y(x.size(), NAN), back(x.size(), NAN);
  rm_emulation::launch(dim3{4, 1, 1}, dim3{128, 1, 1}, 0, [&] {
    rope_f32(x.data(), positions.data(), y.data(), tokens, heads, d, theta);
  });
  check("rope f32", relative_error(y, expected), 1e-6);
  std::vector<int> negated(positions.size());
  for (size_t i = 0; i < positions.size(); ++i) negated[i] = -positions[i];
  rm_emulation::launch(dim3{4, 1, 1}, dim3{128, 1, 1}, 0, [&] {
    rope_f32(y.data(), negated.data(), back.data(), tokens, heads, d, theta);
  });
  check("rope f32 at negated positions undoes it", relative_error(back, as_double(x)), 1e-6);
  auto x16 = to_bf16(x);
  std::vector<bf16> y16(x.size());
  rm_emulation::launch(dim3{4, 1, 1}, dim3{128, 1, 1}, 0, [&] {
    rope_bf16(x16.data(), positions.data(), y16.data(), tokens, heads, d, theta);
  });
  std::vector<float> y16f(x.size());
  for (size_t i = 0; i < x.size(); ++i) y16f[i] = bf16_to_float(y16[i]);
  check("rope bf16", relative_error(y16f, expected), 1e-2);

  // Merge of two partials, one with an empty row on one side and one row empty on both.
  const int rows = 5;
  auto out_a = random_values((size_t)rows * d, random, 1.0f), out_b = random_values((size_t)rows * d, random, 1.0f);
  std::vector<float> lse_a = {0.5f, -INFINITY, 3.0f, -INFINITY, 80.0f};
  std::vector<float> lse_b = {1.5f, 2.0f, -INFINITY, -INFINITY, 79.0f};
  for (int r = 0; r < rows; ++r) {
    if (lse_a[r] == -INFINITY) std::fill_n(out_a.begin() + r * d, d, 0.0f);
    if (lse_b[r] == -INFINITY) std::fill_n(out_b.begin() + r * d, d, 0.0f);
  }
  std::vector<double> merged_out(rows * d), merged_lse(rows);
  for (int r = 0; r < rows; ++r) {
    double a = lse_a[r], b = lse_b[r];
    double m = std::max(a, b);
    merged_lse[r] = m == -INFINITY ? -INFINITY : m + std::log(std::exp(a - m) + std::exp(b - m));
    for (int x0 = 0; x0 < d; ++x0) {
      merged_out[r * d + x0] = m == -INFINITY ? 0.0
                                              : std::exp(a - merged_lse[r]) * out_a[r * d + x0] +
                                                    std::exp(b - merged_lse[r]) * out_b[r * d + x0];
    }
  }
  std::vector<float> out(rows * d, NAN), lse(rows, NAN);
  rm_emulation::launch(dim3{2, 1, 1}, dim3{64, 1, 1}, 0, [&] {
    lse_merge(out_a.data(), lse_a.data(), out_b.data(), lse_b.data(), out.data(), lse.data(), rows, d);
  });
  check("lse merge out", relative_error(out, merged_out), 1e-6);
  check("lse merge lse", relative_error(lse, merged_lse), 1e-6);
}

}  // namespace

int main(int argc, char** argv) {
  alarm(1200);  // a deadlock in an emulated barrier must not hang the build
  std::mt19937 random(20240531);
  const bool quick = argc > 1 && std::string(argv[1]) == "--quick";
  rope_and_merge(random);
  std::vector<Case> cases = {
      {"d64 causal contiguous gqa", 200, 200, 4, 2, 64, true, contiguous(0, 200), contiguous(0, 200)},
      {"d128 causal zigzag-rank1-vs-rank2", 96, 96, 2, 1, 128, true, zigzag(1, 4, 384), zigzag(2, 4, 384)},
      {"d128 causal stripe gqa partial", 150, 70, 4, 2, 128, true, stripe(2, 3, 150), stripe(0, 3, 70)},
      {"d64 full attention", 130, 77, 2, 2, 64, false, contiguous(0, 130), contiguous(500, 77)},
      {"d128 causal later keys (rows see nothing)", 40, 64, 1, 1, 128, true, contiguous(0, 40),
       contiguous(20, 64)},
      {"d128 causal, keys in 5 tiles, the last hidden", 260, 600, 2, 1, 128, true, contiguous(340, 260),
       contiguous(0, 600)},
      {"d64 full attention gqa, 3 key tiles", 140, 300, 4, 1, 64, false, contiguous(0, 140), contiguous(0, 300)},
      {"d48 causal (simple kernels only)", 33, 45, 3, 1, 48, true, contiguous(12, 33), contiguous(0, 45)},
  };
  for (size_t i = 0; i < cases.size(); ++i) {
    if (quick && i > 1) break;
    run_case(cases[i], random);
  }
  std::printf("%s: %d failed comparison(s)\n", failures == 0 ? "OK" : "FAILED", failures);
  return failures == 0 ? 0 : 1;
}
