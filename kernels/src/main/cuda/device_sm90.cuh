// Hopper's warpgroup matrix multiply (wgmma, sm_90a) as the few primitives the _sm90 kernels use. Under
// nvcc they are inline PTX (PTX ISA 8.0+, "Asynchronous Warpgroup Level Matrix Multiply-Accumulate
// Instructions"); compiled as plain C++ they come from host_emulation.h, which follows the same
// fragment layouts and shared-memory descriptor encoding.
//
// A warpgroup is 4 consecutive warps (threads 128w..128w+127). wgmma.m64nNk16 multiplies a 64x16 A
// (from shared memory through a descriptor, or from registers) by a 16xN B (shared memory) into a 64xN
// fp32 accumulator held in registers: warp i of the group holds rows 16i..16i+15 in exactly the layout
// of mma.m16n8 C fragments, 8 columns per [4] (so accumulators_as_a turns it into A fragments).
// The products run asynchronously: registers and shared memory they use may be touched again only
// after wgmma_wait has retired their group.
//
// Shared-memory operands use the 128-byte swizzle: 8 rows of 128 bytes (64 bf16) form a 1024-byte
// atom, the 16-byte chunk c of row r stored at chunk c ^ (r % 8); the pattern is taken from the address
// bits, so every atom starts on a 1024-byte boundary. A tile of R rows and D columns is D/64 column
// blocks of R rows each (sw128_offset).
#pragma once

#include "device.cuh"

// Element offset of chunk `chunk` (8 bf16) of row `row` in a tile of `rows` rows stored as column blocks
// of 64 bf16 with the 128-byte swizzle.
RM_DEVICE int sw128_offset(int row, int chunk, int rows) {
  return ((chunk >> 3) * rows + row) * 64 + (((chunk & 7) ^ (row & 7)) << 3);
}

constexpr int SW128_ATOM_BYTES = 1024;  // 8 rows x 128 bytes: the swizzle pattern's period

// Matrix descriptor (PTX ISA, "Matrix Descriptor Format"): start address, leading- and stride-dimension
// byte offsets, all >> 4, in bits 0-13, 16-29, 32-45; base offset 0 (atoms are 1024-aligned);
// bits 62-63 = 1: 128-byte swizzle.
RM_DEVICE uint64_t sw128_descriptor(const void* start, uint32_t leading_bytes, uint32_t stride_bytes) {
  const uint64_t address = shared_address(start);
  return ((address & 0x3FFFF) >> 4) | ((uint64_t)((leading_bytes >> 4) & 0x3FFF) << 16) |
         ((uint64_t)((stride_bytes >> 4) & 0x3FFF) << 32) | (1ull << 62);
}

#if defined(__CUDACC__)

// Orders this thread's earlier register writes (accumulators, A fragments) before the wgmma that follow.
RM_DEVICE void wgmma_fence() { asm volatile("wgmma.fence.sync.aligned;\n" ::: "memory"); }
RM_DEVICE void wgmma_commit() { asm volatile("wgmma.commit_group.sync.aligned;\n" ::: "memory"); }
// Waits until at most `pending` of this warpgroup's committed wgmma groups are still running.
template <int pending>
RM_DEVICE void wgmma_wait() {
  asm volatile("wgmma.wait_group.sync.aligned %0;\n" ::"n"(pending) : "memory");
}

// cp.async writes shared memory through the generic proxy, wgmma reads it through the async proxy:
// a writer fences between the two (PTX ISA, "Proxies" in the memory consistency model).
RM_DEVICE void fence_proxy_async() { asm volatile("fence.proxy.async.shared::cta;\n" ::: "memory"); }

// Keeps the compiler from moving reads or writes of accumulators across wgmma issue and wait
// (CUTLASS's warpgroup_fence_operand).
template <int TILES>
RM_DEVICE void fence_accumulators(float (&d)[TILES][4]) {
#pragma unroll
  for (int t = 0; t < TILES; ++t) {
#pragma unroll
    for (int e = 0; e < 4; ++e) asm volatile("" : "+f"(d[t][e])::"memory");
  }
}

#define RM_ACC4(t) "+f"(d[t][0]), "+f"(d[t][1]), "+f"(d[t][2]), "+f"(d[t][3])
#define RM_ACC8(t) RM_ACC4(t), RM_ACC4(t + 1)
#define RM_ACC32 RM_ACC8(0), RM_ACC8(2), RM_ACC8(4), RM_ACC8(6)
#define RM_ACC64 RM_ACC32, RM_ACC8(8), RM_ACC8(10), RM_ACC8(12), RM_ACC8(14)
#define RM_REGS32                                                                                         \
  "{%0, %1, %2, %3, %4, %5, %6, %7, %8, %9, %10, %11, %12, %13, %14, %15, %16, %17, %18, %19, %20, %21, " \
  "%22, %23, %24, %25, %26, %27, %28, %29, %30, %31}"
#define RM_REGS64                                                                                         \
  "{%0, %1, %2, %3, %4, %5, %6, %7, %8, %9, %10, %11, %12, %13, %14, %15, %16, %17, %18, %19, %20, %21, " \
  "%22, %23, %24, %25, %26, %27, %28, %29, %30, %31, %32, %33, %34, %35, %36, %37, %38, %39, %40, %41, "  \
  "%42, %43, %44, %45, %46, %47, %48, %49, %50, %51, %52, %53, %54, %55, %56, %57, %58, %59, %60, %61, "  \
  "%62, %63}"

// D (64x128) = A·B (+ D when accumulate): A and B K-major in shared memory (B = rows of a tile, as Kᵀ).
RM_DEVICE void wgmma_m64n128_ss(float (&d)[16][4], uint64_t a, uint64_t b, bool accumulate) {
  asm volatile(
      "{\n.reg .pred p;\nsetp.ne.b32 p, %66, 0;\n"
      "wgmma.mma_async.sync.aligned.m64n128k16.f32.bf16.bf16 " RM_REGS64 ", %64, %65, p, 1, 1, 0, 0;\n}\n"
      : RM_ACC64
      : "l"(a), "l"(b), "r"((int)accumulate));
}

RM_DEVICE void wgmma_m64n64_ss(float (&d)[8][4], uint64_t a, uint64_t b, bool accumulate) {
  asm volatile(
      "{\n.reg .pred p;\nsetp.ne.b32 p, %34, 0;\n"
      "wgmma.mma_async.sync.aligned.m64n64k16.f32.bf16.bf16 " RM_REGS32 ", %32, %33, p, 1, 1, 0, 0;\n}\n"
      : RM_ACC32
      : "l"(a), "l"(b), "r"((int)accumulate));
}

// D (64x64) += A·B: A from registers (mma A fragments of each warp's 16 rows), B MN-major in shared
// memory (B = the tile itself, as V in P·V; transposed on the fly).
RM_DEVICE void wgmma_m64n64_rs_tb(float (&d)[8][4], const uint32_t (&a)[4], uint64_t b) {
  asm volatile(
      "{\n.reg .pred p;\nsetp.ne.b32 p, %37, 0;\n"
      "wgmma.mma_async.sync.aligned.m64n64k16.f32.bf16.bf16 " RM_REGS32
      ", {%32, %33, %34, %35}, %36, p, 1, 1, 1;\n}\n"
      : RM_ACC32
      : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "l"(b), "n"(1));
}

#undef RM_ACC4
#undef RM_ACC8
#undef RM_ACC32
#undef RM_ACC64
#undef RM_REGS32
#undef RM_REGS64

#endif
