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

struct ThreadState {
  dim3 thread_idx, block_idx, block_dim, grid_dim;
  struct Cta* cta = nullptr;
  std::vector<std::vector<PendingCopy>> committed;
  std::vector<PendingCopy> open;
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

inline void cp_async_16(void* shared, const void* global, bool valid) {
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

inline void atomic_add_f32(float* target, float value) {
  std::atomic_ref<float>(*target).fetch_add(value);
}
