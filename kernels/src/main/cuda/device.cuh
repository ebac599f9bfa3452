// The few device primitives the kernels use, in one place. Under nvcc they are inline PTX; compiled as
// plain C++ (the CPU emulator in kernels/src/test/cuda) the same names come from host_emulation.h, so
// the kernels' indexing and fragment layouts can be checked on a machine without a GPU.
#pragma once

#include <stdint.h>
#include <math.h>

#if defined(__CUDACC__)

#include <cuda_bf16.h>

#define RM_DEVICE __device__ __forceinline__
#define RM_DYNAMIC_SHARED(name) extern __shared__ __align__(128) unsigned char name[]
// The launch geometry a kernel was written for; checked by the CPU emulation, free on the device.
#define RM_EXPECT_LAUNCH(threads, shared_bytes) ((void)0)

typedef __nv_bfloat16 bf16;

RM_DEVICE float bf16_to_float(bf16 x) { return __bfloat162float(x); }
RM_DEVICE bf16 float_to_bf16(float x) { return __float2bfloat16_rn(x); }

// Two bf16 in one register, the lower column in the lower 16 bits (the mma fragment convention).
RM_DEVICE uint32_t pack_bf16x2(float lower, float upper) {
  __nv_bfloat162 pair = __floats2bfloat162_rn(lower, upper);
  return *reinterpret_cast<uint32_t*>(&pair);
}

// D += A·B for one warp: A 16x16 bf16 (row-major fragments), B 16x8 bf16 (column fragments), D 16x8 fp32.
// PTX ISA, "Matrix fragments for mma.m16n8k16 with floating point type".
RM_DEVICE void mma_bf16_16816(float (&d)[4], const uint32_t (&a)[4], uint32_t b0, uint32_t b1) {
  asm volatile(
      "mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32 "
      "{%0,%1,%2,%3}, {%4,%5,%6,%7}, {%8,%9}, {%0,%1,%2,%3};\n"
      : "+f"(d[0]), "+f"(d[1]), "+f"(d[2]), "+f"(d[3])
      : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b0), "r"(b1));
}

RM_DEVICE uint32_t shared_address(const void* pointer) {
  return static_cast<uint32_t>(__cvta_generic_to_shared(pointer));
}

// Four 8x8 bf16 matrices from shared memory; lanes 8i..8i+7 give the row addresses of matrix i.
RM_DEVICE void ldmatrix_x4(uint32_t (&r)[4], const void* row) {
  asm volatile("ldmatrix.sync.aligned.m8n8.x4.shared.b16 {%0,%1,%2,%3}, [%4];\n"
               : "=r"(r[0]), "=r"(r[1]), "=r"(r[2]), "=r"(r[3])
               : "r"(shared_address(row)));
}

RM_DEVICE void ldmatrix_x4_trans(uint32_t (&r)[4], const void* row) {
  asm volatile("ldmatrix.sync.aligned.m8n8.x4.trans.shared.b16 {%0,%1,%2,%3}, [%4];\n"
               : "=r"(r[0]), "=r"(r[1]), "=r"(r[2]), "=r"(r[3])
               : "r"(shared_address(row)));
}

// 16 bytes global -> shared without passing through registers; zero-filled when !valid.
RM_DEVICE void cp_async_16(void* shared, const void* global, bool valid) {
  int source_bytes = valid ? 16 : 0;
  asm volatile("cp.async.cg.shared.global [%0], [%1], 16, %2;\n" ::"r"(shared_address(shared)),
               "l"(global), "r"(source_bytes)
               : "memory");
}

RM_DEVICE void cp_async_commit() { asm volatile("cp.async.commit_group;\n" ::: "memory"); }

// Waits until at most `pending` of this thread's committed groups are still in flight.
template <int pending>
RM_DEVICE void cp_async_wait() {
  asm volatile("cp.async.wait_group %0;\n" ::"n"(pending) : "memory");
}

RM_DEVICE float fast_exp2(float x) {
  float y;
  asm("ex2.approx.ftz.f32 %0, %1;\n" : "=f"(y) : "f"(x));
  return y;
}

RM_DEVICE float shfl_xor(float value, int lane_mask) {
  return __shfl_xor_sync(0xffffffffu, value, lane_mask);
}

RM_DEVICE void block_sync() { __syncthreads(); }

// Two floats at an 8-byte aligned address in one store.
RM_DEVICE void store_f32x2(float* target, float first, float second) {
  *reinterpret_cast<float2*>(target) = make_float2(first, second);
}

RM_DEVICE void atomic_add_f32(float* target, float value) { atomicAdd(target, value); }

#else

#include "host_emulation.h"

#endif

// Shared-memory tiles are rows of 16-byte chunks; chunk c of row r is stored at c ^ (r & 7), so that the
// eight row addresses of one ldmatrix land in eight different bank groups (no conflicts for rows of
// 128 or 256 bytes, i.e. head dim 64 or 128). Rows of fewer than 8 chunks swizzle within the row.
RM_DEVICE int swizzled_offset(int row, int chunk, int chunks_per_row) {
  const int mask = chunks_per_row < 8 ? chunks_per_row - 1 : 7;
  return (row * chunks_per_row + (chunk ^ (row & mask))) * 8;  // in bf16 elements
}

#define RM_LOG2E 1.4426950408889634f
#define RM_LN2 0.6931471805599453f
