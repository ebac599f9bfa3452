// A CPU emulation of the device primitives in device.cuh, so the CUDA kernels' own code (indexing,
// fragment layouts, masks, synchronisation order) runs and is checked on a machine without a GPU.
// Every CUDA thread is a fiber (a CTA's fibers share one OS thread, CTAs run on one OS thread per core);
// __syncthreads is a barrier of the CTA; warp collectives (mma.sync, ldmatrix, shuffles) exchange their
// lanes' registers through a per-warp area between two warp barriers, following the fragment layouts of
// the PTX ISA. A barrier that can never complete stops the process with a message. cp.async copies are deferred until the wait that makes
// them visible, so a missing wait shows up as stale data.
#pragma once

#include <algorithm>
#include <atomic>
#include <csetjmp>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <memory>
#include <thread>
#include <vector>

#include <setjmp.h>
#include <ucontext.h>

#define RM_DEVICE inline
#define __global__
#define __launch_bounds__(...)
#define RM_DYNAMIC_SHARED(name) unsigned char* name = rm_emulation::shared_memory()
#define RM_EXPECT_LAUNCH(threads, shared_bytes) rm_emulation::expect_launch(threads, shared_bytes)

using std::max;
using std::min;

struct dim3 {
  unsigned x = 1, y = 1, z = 1;
};

struct bf16 {
  uint16_t bits;
};

namespace rm_emulation {

struct ThreadState;

// A barrier among fibers of one CTA (all on one OS thread): arriving fibers yield until the last one
// arrives; exited threads no longer count, as on the device.
struct FiberBarrier {
  int participants = 0;
  int arrived = 0;
  uint64_t generation = 0;
};

struct WarpExchange {
  uint32_t words[32][6];
  const void* addresses[32];
};

struct PendingCopy {
  void* target;
  const void* source;
  bool valid;
};

// One wgmma as issued: carried out when wgmma_wait retires its group, so a kernel that reads the
// accumulators, or changes its A registers or the shared memory the product reads, too early gets
// other results than the device would.
struct PendingWgmma {
  float* d;               // this thread's accumulators, [n / 8][4]
  int n;                  // columns of D
  const uint32_t* a;      // this thread's A fragment; null when A comes from shared memory
  uint64_t a_descriptor, b_descriptor;
  bool accumulate, b_mn_major;
};

struct ThreadState {
  dim3 thread_idx, block_idx, block_dim, grid_dim;
  struct Cta* cta = nullptr;
  std::vector<std::vector<PendingCopy>> committed;
  std::vector<PendingCopy> open;
  std::vector<std::vector<PendingWgmma>> wgmma_committed;
  std::vector<PendingWgmma> wgmma_open;
  jmp_buf resume;
  ucontext_t start;
  std::unique_ptr<char[]> stack;
  bool started = false;
  bool done = false;
};

struct Cta {
  Cta(int threads, size_t shared_bytes) : shared(shared_bytes, 0xAB), exchanges(threads / 32), warps(threads / 32) {
    block.participants = threads;
    for (auto& warp : warps) warp.participants = 32;
  }
  FiberBarrier block;
  std::vector<unsigned char> shared;  // filled with 0xAB: reading memory nobody wrote gives garbage
  std::vector<WarpExchange> exchanges;
  std::vector<FiberBarrier> warps;
  jmp_buf scheduler;
  uint64_t progress = 0;  // arrivals and exits: a round of the scheduler without any is a deadlock
};

inline thread_local ThreadState* current = nullptr;
inline thread_local const std::function<void()>* current_kernel = nullptr;

inline unsigned char* shared_memory() { return current->cta->shared.data(); }
// The shared-memory window address of the dynamic allocation: on the device it need not sit on a
// 1024-byte boundary, so here it does not either (kernels that need the alignment must make it).
constexpr uint32_t SHARED_WINDOW_BASE = 16;
inline int lane() { return current->thread_idx.x % 32; }

// A launch with fewer threads or less dynamic shared memory than the kernel needs is a host bug that
// the device would not report (it would read past the allocation); here it stops the process.
inline void expect_launch(long long threads, long long shared_bytes) {
  const long long launched_threads = (long long)current->block_dim.x * current->block_dim.y * current->block_dim.z;
  const long long launched_shared = (long long)current->cta->shared.size();
  if (threads != launched_threads || shared_bytes > launched_shared) {
    std::fprintf(stderr, "launch mismatch: kernel needs %lld threads and %lld shared bytes, got %lld and %lld\n",
                 threads, shared_bytes, launched_threads, launched_shared);
    std::abort();
  }
}
inline WarpExchange& exchange() { return current->cta->exchanges[current->thread_idx.x / 32]; }

inline void yield() {
  if (!_setjmp(current->resume)) _longjmp(current->cta->scheduler, 1);
}

inline void arrive_and_wait(FiberBarrier& barrier) {
  const uint64_t generation = barrier.generation;
  ++current->cta->progress;
  if (++barrier.arrived == barrier.participants) {
    barrier.arrived = 0;
    ++barrier.generation;
    return;
  }
  while (barrier.generation == generation) yield();
}

inline void arrive_and_drop(FiberBarrier& barrier) {
  --barrier.participants;
  if (barrier.participants > 0 && barrier.arrived == barrier.participants) {
    barrier.arrived = 0;
    ++barrier.generation;
  }
}

inline void warp_sync() { arrive_and_wait(current->cta->warps[current->thread_idx.x / 32]); }

inline void fiber_entry() {
  (*current_kernel)();
  ThreadState* self = current;
  if (!self->wgmma_open.empty() || !self->wgmma_committed.empty()) {
    std::fprintf(stderr, "thread %u of block (%u,%u) returned with wgmma still in flight\n", self->thread_idx.x,
                 self->block_idx.x, self->block_idx.y);
    std::abort();
  }
  arrive_and_drop(self->cta->warps[self->thread_idx.x / 32]);
  arrive_and_drop(self->cta->block);
  self->done = true;
  ++self->cta->progress;
  _longjmp(self->cta->scheduler, 1);
}

// Runs one CTA: every CUDA thread a fiber, resumed round-robin until all have returned.
inline void run_block(dim3 grid, dim3 block, size_t shared_bytes, unsigned bx, unsigned by,
                      const std::function<void()>& kernel) {
  const int threads = block.x * block.y * block.z;
  Cta cta(threads, shared_bytes);
  std::vector<ThreadState> fibers(threads);
  current_kernel = &kernel;
  for (int t = 0; t < threads; ++t) {
    ThreadState& fiber = fibers[t];
    fiber.thread_idx = dim3{(unsigned)t, 1, 1};
    fiber.block_idx = dim3{bx, by, 1};
    fiber.block_dim = block;
    fiber.grid_dim = grid;
    fiber.cta = &cta;
    constexpr size_t stack_bytes = 64 * 1024;
    fiber.stack.reset(new char[stack_bytes]);
    getcontext(&fiber.start);
    fiber.start.uc_stack.ss_sp = fiber.stack.get();
    fiber.start.uc_stack.ss_size = stack_bytes;
    fiber.start.uc_link = nullptr;
    makecontext(&fiber.start, fiber_entry, 0);
  }
  for (int remaining = threads; remaining > 0;) {
    const uint64_t progress_before = cta.progress;
    remaining = 0;
    for (ThreadState& fiber : fibers) {
      if (fiber.done) continue;
      current = &fiber;
      if (!_setjmp(cta.scheduler)) {
        if (fiber.started) {
          _longjmp(fiber.resume, 1);
        } else {
          fiber.started = true;
          ucontext_t here;
          swapcontext(&here, &fiber.start);  // never returns here: the fiber longjmps to the scheduler
        }
      }
      if (!fiber.done) ++remaining;
    }
    if (remaining > 0 && cta.progress == progress_before) {
      std::fprintf(stderr, "emulation deadlock: %d threads of block (%u,%u) wait at a barrier forever\n", remaining,
                   bx, by);
      std::abort();
    }
  }
  current = nullptr;
}

// Runs a grid: blocks are shared out to one OS thread per core; each block runs as fibers.
inline void launch(dim3 grid, dim3 block, size_t shared_bytes, const std::function<void()>& kernel) {
  const int threads = block.x * block.y * block.z;
  if (threads % 32 != 0) throw std::runtime_error("block size must be whole warps");
  const unsigned blocks = grid.x * grid.y;
  std::atomic<unsigned> next{0};
  auto worker = [&] {
    for (unsigned b = next++; b < blocks; b = next++) run_block(grid, block, shared_bytes, b % grid.x, b / grid.x, kernel);
  };
  const unsigned workers = std::max(1u, std::min(blocks, std::thread::hardware_concurrency()));
  std::vector<std::thread> pool;
  for (unsigned w = 1; w < workers; ++w) pool.emplace_back(worker);
  worker();
  for (auto& thread : pool) thread.join();
}

inline float bf16_bits_to_float(uint16_t bits) {
  uint32_t word = (uint32_t)bits << 16;
  float value;
  std::memcpy(&value, &word, 4);
  return value;
}

inline uint16_t float_to_bf16_bits(float value) {  // round to nearest even, NaN kept quiet
  uint32_t word;
  std::memcpy(&word, &value, 4);
  if (std::isnan(value)) return 0x7FC0;
  word += 0x7FFF + ((word >> 16) & 1);
  return (uint16_t)(word >> 16);
}

inline float lower(uint32_t pair) { return bf16_bits_to_float(pair & 0xFFFF); }
inline float upper(uint32_t pair) { return bf16_bits_to_float(pair >> 16); }

inline uint16_t element(const void* row, int column) {
  uint16_t value;
  std::memcpy(&value, static_cast<const unsigned char*>(row) + column * 2, 2);
  return value;
}

}  // namespace rm_emulation

#define threadIdx (rm_emulation::current->thread_idx)
#define blockIdx (rm_emulation::current->block_idx)
#define blockDim (rm_emulation::current->block_dim)
#define gridDim (rm_emulation::current->grid_dim)

inline float bf16_to_float(bf16 x) { return rm_emulation::bf16_bits_to_float(x.bits); }
inline bf16 float_to_bf16(float x) { return bf16{rm_emulation::float_to_bf16_bits(x)}; }

inline uint32_t pack_bf16x2(float lower, float upper) {
  return (uint32_t)rm_emulation::float_to_bf16_bits(lower) |
         ((uint32_t)rm_emulation::float_to_bf16_bits(upper) << 16);
}

// mma.m16n8k16 fragments (PTX ISA): g = lane / 4, t = lane % 4.
//   A: a0 (g, 2t..2t+1), a1 (g+8, 2t..), a2 (g, 2t+8..), a3 (g+8, 2t+8..)
//   B: b0 (k = 2t..2t+1, n = g), b1 (k = 2t+8.., n = g)
//   C: c0, c1 (g, 2t..2t+1), c2, c3 (g+8, 2t..2t+1)
inline void mma_bf16_16816(float (&d)[4], const uint32_t (&a)[4], uint32_t b0, uint32_t b1) {
  using namespace rm_emulation;
  WarpExchange& x = exchange();
  const int me = lane();
  for (int i = 0; i < 4; ++i) x.words[me][i] = a[i];
  x.words[me][4] = b0;
  x.words[me][5] = b1;
  warp_sync();
  float matrix_a[16][16];
  float matrix_b[16][8];
  for (int l = 0; l < 32; ++l) {
    const int g = l >> 2, t = l & 3;
    const uint32_t* w = x.words[l];
    matrix_a[g][2 * t] = lower(w[0]);
    matrix_a[g][2 * t + 1] = upper(w[0]);
    matrix_a[g + 8][2 * t] = lower(w[1]);
    matrix_a[g + 8][2 * t + 1] = upper(w[1]);
    matrix_a[g][2 * t + 8] = lower(w[2]);
    matrix_a[g][2 * t + 9] = upper(w[2]);
    matrix_a[g + 8][2 * t + 8] = lower(w[3]);
    matrix_a[g + 8][2 * t + 9] = upper(w[3]);
    matrix_b[2 * t][g] = lower(w[4]);
    matrix_b[2 * t + 1][g] = upper(w[4]);
    matrix_b[2 * t + 8][g] = lower(w[5]);
    matrix_b[2 * t + 9][g] = upper(w[5]);
  }
  warp_sync();
  const int g = me >> 2, t = me & 3;
  for (int e = 0; e < 4; ++e) {
    const int row = g + (e >> 1) * 8;
    const int column = 2 * t + (e & 1);
    float sum = 0.0f;
    for (int k = 0; k < 16; ++k) sum += matrix_a[row][k] * matrix_b[k][column];
    d[e] += sum;
  }
}

// ldmatrix.x4: lanes 8i..8i+7 address the rows of matrix i; register i of lane l receives row l/4,
// columns 2(l%4), 2(l%4)+1 of matrix i -- or, with .trans, rows 2(l%4), 2(l%4)+1 of column l/4.
inline void ldmatrix_common(uint32_t (&r)[4], const void* row, bool transpose) {
  using namespace rm_emulation;
  WarpExchange& x = exchange();
  const int me = lane();
  x.addresses[me] = row;
  warp_sync();
  const int g = me >> 2, t = me & 3;
  for (int i = 0; i < 4; ++i) {
    const void* const* rows = &x.addresses[8 * i];
    uint16_t first = transpose ? element(rows[2 * t], g) : element(rows[g], 2 * t);
    uint16_t second = transpose ? element(rows[2 * t + 1], g) : element(rows[g], 2 * t + 1);
    r[i] = (uint32_t)first | ((uint32_t)second << 16);
  }
  warp_sync();
}

inline void ldmatrix_x4(uint32_t (&r)[4], const void* row) { ldmatrix_common(r, row, false); }
inline void ldmatrix_x4_trans(uint32_t (&r)[4], const void* row) { ldmatrix_common(r, row, true); }

// By default a copy lands at the wait that makes it visible (a missing wait reads stale data). With
// RM_EMULATED_COPIES=early it lands when issued instead, so refilling a buffer that another warp, or a
// wgmma still in flight, has yet to read shows up as wrong data.
inline bool copies_land_early() {
  static const bool early = [] {
    const char* mode = std::getenv("RM_EMULATED_COPIES");
    return mode != nullptr && std::strcmp(mode, "early") == 0;
  }();
  return early;
}

inline void cp_async_16(void* shared, const void* global, bool valid) {
  if (copies_land_early()) {
    if (valid) {
      std::memcpy(shared, global, 16);
    } else {
      std::memset(shared, 0, 16);
    }
    return;
  }
  rm_emulation::current->open.push_back({shared, global, valid});
}

inline void cp_async_commit() {
  rm_emulation::current->committed.push_back(std::move(rm_emulation::current->open));
  rm_emulation::current->open.clear();
}

template <int pending>
inline void cp_async_wait() {
  auto& committed = rm_emulation::current->committed;
  while ((int)committed.size() > pending) {
    for (const auto& copy : committed.front()) {
      if (copy.valid) {
        std::memcpy(copy.target, copy.source, 16);
      } else {
        std::memset(copy.target, 0, 16);
      }
    }
    committed.erase(committed.begin());
  }
}

inline float fast_exp2(float x) { return std::exp2(x); }

inline float shfl_xor(float value, int lane_mask) {
  using namespace rm_emulation;
  WarpExchange& x = exchange();
  const int me = lane();
  std::memcpy(&x.words[me][0], &value, 4);
  warp_sync();
  float result;
  std::memcpy(&result, &x.words[me ^ lane_mask][0], 4);
  warp_sync();
  return result;
}

inline void block_sync() { rm_emulation::arrive_and_wait(rm_emulation::current->cta->block); }

inline void store_f32x2(float* target, float first, float second) {
  if (reinterpret_cast<uintptr_t>(target) % 8 != 0) {
    std::fprintf(stderr, "store_f32x2 at %p: not 8-byte aligned\n", static_cast<void*>(target));
    std::abort();
  }
  target[0] = first;
  target[1] = second;
}

inline void atomic_add_f32(float* target, float value) {
  std::atomic_ref<float>(*target).fetch_add(value);
}

inline uint32_t shared_address(const void* pointer) {
  const auto* byte = static_cast<const unsigned char*>(pointer);
  const auto* base = rm_emulation::shared_memory();
  if (byte < base || byte >= base + rm_emulation::current->cta->shared.size()) {
    std::fprintf(stderr, "shared_address of %p: not in this CTA's shared memory\n", pointer);
    std::abort();
  }
  return rm_emulation::SHARED_WINDOW_BASE + (uint32_t)(byte - base);
}

// ---- wgmma (device_sm90.cuh) ----
// Matrix descriptors are decoded as the PTX ISA describes them ("Matrix Descriptor Format", "Shared
// Memory Matrix Layout"), for the 128-byte swizzle only: start, leading (LBO) and stride (SBO) byte
// offsets >> 4 in bits 0-13, 16-29, 32-45; base offset in bits 49-51; swizzle mode in bits 62-63.
// K-major operand, element (row, k) with k < 16:    start + (row / 8)·SBO + (row % 8)·128 + 2k
// MN-major operand, element (k, mn):   start + (mn / 64)·LBO + 2·(mn % 64) + (k / 8)·SBO + (k % 8)·128
// then the swizzle, on the address: bits 4-6 ^= bits 7-9.
namespace rm_emulation {

inline uint16_t swizzled_shared_element(uint32_t address) {
  const uint32_t physical = address ^ (((address >> 7) & 7) << 4);
  const auto& shared = current->cta->shared;
  if (physical < SHARED_WINDOW_BASE || physical + 2 > SHARED_WINDOW_BASE + shared.size()) {
    std::fprintf(stderr, "wgmma operand at shared address %u: outside the allocation\n", physical);
    std::abort();
  }
  return element(shared.data() + (physical - SHARED_WINDOW_BASE), 0);
}

struct Descriptor {
  uint32_t start, leading, stride;
};

inline Descriptor decode(uint64_t descriptor) {
  if ((descriptor >> 62) != 1 || ((descriptor >> 49) & 7) != 0) {
    std::fprintf(stderr, "wgmma descriptor %016llx: only the 128-byte swizzle with base offset 0 is emulated\n",
                 (unsigned long long)descriptor);
    std::abort();
  }
  return {(uint32_t)(descriptor & 0x3FFF) << 4, (uint32_t)((descriptor >> 16) & 0x3FFF) << 4,
          (uint32_t)((descriptor >> 32) & 0x3FFF) << 4};
}

inline float k_major_element(const Descriptor& d, int row, int k) {
  return bf16_bits_to_float(swizzled_shared_element(d.start + (row / 8) * d.stride + (row % 8) * 128 + 2 * k));
}

inline float mn_major_element(const Descriptor& d, int k, int mn) {
  return bf16_bits_to_float(swizzled_shared_element(d.start + (mn / 64) * d.leading + 2 * (mn % 64) +
                                                    (k / 8) * d.stride + (k % 8) * 128));
}

// Carries out one wgmma for the calling thread. Every lane of the warp retires the same wgmma together;
// A fragments from registers are exchanged within the warp (a warp's 16 rows of D need only its own).
inline void run_wgmma(const PendingWgmma& op) {
  WarpExchange& x = exchange();
  const int me = lane();
  x.addresses[me] = op.a;
  std::memcpy(&x.words[me][0], &op.a_descriptor, 8);
  std::memcpy(&x.words[me][2], &op.b_descriptor, 8);
  x.words[me][4] = (uint32_t)op.n;
  warp_sync();
  for (int l = 0; l < 32; ++l) {
    if (std::memcmp(x.words[l], x.words[0], 5 * 4) != 0 || (x.addresses[l] == nullptr) != (op.a == nullptr)) {
      std::fprintf(stderr, "wgmma: lanes %d and 0 of a warp issued different products\n", l);
      std::abort();
    }
  }
  const int g = me >> 2, t = me & 3;
  const int warp_rows = 16 * (current->thread_idx.x / 32 % 4);  // this warp's rows of the warpgroup's 64
  float a[2][16];
  for (int half = 0; half < 2; ++half) {
    const int row = g + 8 * half;
    for (int k = 0; k < 16; ++k) {
      if (op.a == nullptr) {
        a[half][k] = k_major_element(decode(op.a_descriptor), warp_rows + row, k);
      } else {
        // A fragment: a0 (g, 2t..2t+1), a1 (g+8, 2t..), a2 (g, 2t+8..), a3 (g+8, 2t+8..)
        const auto* holder = static_cast<const uint32_t*>(x.addresses[4 * g + (k % 8) / 2]);
        const uint32_t word = holder[half + 2 * (k / 8)];
        a[half][k] = (k & 1) ? upper(word) : lower(word);
      }
    }
  }
  const Descriptor b = decode(op.b_descriptor);
  for (int tile = 0; tile < op.n / 8; ++tile) {
    for (int e = 0; e < 4; ++e) {
      const int column = tile * 8 + 2 * t + (e & 1);
      float sum = 0.0f;
      for (int k = 0; k < 16; ++k) {
        const float b_value = op.b_mn_major ? mn_major_element(b, k, column) : k_major_element(b, column, k);
        sum += a[e >> 1][k] * b_value;
      }
      float& d = op.d[tile * 4 + e];
      d = (op.accumulate ? d : 0.0f) + sum;
    }
  }
  warp_sync();  // the other lanes have read this lane's A before it may change
}

inline void issue_wgmma(float* d, int n, const uint32_t* a, uint64_t a_descriptor, uint64_t b_descriptor,
                        bool accumulate, bool b_mn_major) {
  current->wgmma_open.push_back({d, n, a, a_descriptor, b_descriptor, accumulate, b_mn_major});
}

}  // namespace rm_emulation

inline void wgmma_fence() {}
inline void fence_proxy_async() {}
template <int TILES>
inline void fence_accumulators(float (&)[TILES][4]) {}

inline void wgmma_commit() {
  auto* self = rm_emulation::current;
  self->wgmma_committed.push_back(std::move(self->wgmma_open));
  self->wgmma_open.clear();
}

template <int pending>
inline void wgmma_wait() {
  auto& committed = rm_emulation::current->wgmma_committed;
  while ((int)committed.size() > pending) {
    for (const auto& op : committed.front()) rm_emulation::run_wgmma(op);
    committed.erase(committed.begin());
  }
}

inline void wgmma_m64n128_ss(float (&d)[16][4], uint64_t a, uint64_t b, bool accumulate) {
  rm_emulation::issue_wgmma(&d[0][0], 128, nullptr, a, b, accumulate, false);
}

inline void wgmma_m64n64_ss(float (&d)[8][4], uint64_t a, uint64_t b, bool accumulate) {
  rm_emulation::issue_wgmma(&d[0][0], 64, nullptr, a, b, accumulate, false);
}

inline void wgmma_m64n64_rs_tb(float (&d)[8][4], const uint32_t (&a)[4], uint64_t b) {
  rm_emulation::issue_wgmma(&d[0][0], 64, a, 0, b, true, true);
}
