package io.ringmaster.kernels.cuda;

import java.util.ArrayList;
import java.util.List;

/**
 * Launches our kernels with the geometry each was written for: grid, block and dynamic shared memory
 * must match the constants in kernels/src/main/cuda (each is named beside its number here).
 */
final class AttentionKernels {
  /** BLOCK_M of forward_tc (attention_forward.cu) and forward_wgmma (attention_forward_sm90.cu). */
  static final int FORWARD_QUERY_TILE = 128;
  /** SW128_ATOM_BYTES in device_sm90.cuh: the wgmma kernel aligns its tiles to it within the allocation. */
  private static final int SWIZZLE_ATOM_BYTES = 1024;
  /** backward_tc::Shape::THREADS in attention_backward.cu: a warp per 16 keys. */
  private static final int BACKWARD_KEYS_PER_WARP = 16;
  /** SIMPLE_THREADS in both attention files; ROW_DOT_WARPS in attention_backward.cu. */
  private static final int SIMPLE_THREADS = 128;
  private static final int ROW_DOT_ROWS_PER_BLOCK = 4;
  private static final int ELEMENTWISE_THREADS = 256;
  private static final int TILE_RANGE_THREADS = 128;
  /** SIMPLE_MAX_HEAD_DIM in both attention files. */
  static final int SIMPLE_MAX_HEAD_DIM = 512;

  private static final String FORWARD_SIMPLE = "attention_forward_simple";
  private static final String BACKWARD_SIMPLE_DQ = "attention_backward_simple_dq";
  private static final String BACKWARD_SIMPLE_DKDV = "attention_backward_simple_dkdv";
  private static final String ROW_DOT = "attention_backward_row_dot";
  private static final String ROPE_BF16 = "rope_bf16";
  private static final String ROPE_F32 = "rope_f32";
  private static final String MERGE = "lse_merge";
  private static final String ADD = "add_f32";
  private static final String TO_F32 = "convert_bf16_to_f32";
  private static final String TO_BF16 = "convert_f32_to_bf16";
  private static final String TILE_RANGES = "position_tile_ranges";

  private final CudaDevice device;
  private final KernelChoice choice;

  AttentionKernels(CudaDevice device, KernelChoice choice) {
    this.device = device;
    this.choice = choice;
  }

  /**
   * forward_tc::Shape and forward_wgmma::Shape SHARED_BYTES: Q, two K and two V tiles in bf16, two tiles of
   * key positions; the wgmma kernel also the slack to align its tiles.
   */
  static int forwardSharedBytes(KernelChoice.Forward forward, int headDim) {
    int keyTile = forward.keyTile();
    int alignment = forward == KernelChoice.Forward.WGMMA ? SWIZZLE_ATOM_BYTES : 0;
    return alignment + (FORWARD_QUERY_TILE * headDim + 4 * keyTile * headDim) * 2 + 2 * keyTile * 4;
  }

  /** backward_tc::Shape<D, BLOCK_N, BLOCK_M>::SHARED_BYTES: K, V, two Q and dO tiles, dSᵀ; lse, D, limits. */
  static int backwardSharedBytes(int headDim, int keyTile, int queryTile) {
    return (2 * keyTile * headDim + 4 * queryTile * headDim + keyTile * queryTile) * 2 + 2 * queryTile * 12;
  }

  static boolean hasTensorCoreKernels(int headDim) {
    return headDim == 64 || headDim == 128;
  }

  /** The forward kernel for this head dim; null when it is the simple one. */
  static String forwardTensorCoreKernel(KernelChoice choice, int headDim) {
    if (choice.forward() == KernelChoice.Forward.SIMPLE || !hasTensorCoreKernels(headDim)) return null;
    return choice.forward().kernel(headDim);
  }

  /** The backward kernel for this head dim; null when they are the simple ones. */
  static String backwardTensorCoreKernel(KernelChoice choice, int headDim) {
    if (choice.backward() == KernelChoice.Backward.SIMPLE || !hasTensorCoreKernels(headDim)) return null;
    return "attention_backward_tc_d" + headDim + choice.backward().kernelSuffix();
  }

  /** Every kernel a backend with this choice may launch at this head dim (to check against the PTX). */
  static List<String> kernels(KernelChoice choice, int headDim) {
    List<String> names = new ArrayList<>(List.of(ROW_DOT, ROPE_BF16, ROPE_F32, MERGE, ADD, TO_F32, TO_BF16, TILE_RANGES));
    String forward = forwardTensorCoreKernel(choice, headDim);
    names.add(forward == null ? FORWARD_SIMPLE : forward);
    String backward = backwardTensorCoreKernel(choice, headDim);
    names.addAll(backward == null ? List.of(BACKWARD_SIMPLE_DQ, BACKWARD_SIMPLE_DKDV) : List.of(backward));
    return names;
  }

  void forward(CudaTensor q, CudaTensor k, CudaTensor v, DevicePositions qPositions, DevicePositions kvPositions,
      boolean causal, CudaTensor out, CudaTensor lse) {
    int headDim = q.headDim();
    float scale = (float) (1.0 / Math.sqrt(headDim));
    int causalFlag = causal ? 1 : 0;
    if (q.tokens() == 0) return;
    String kernel = forwardTensorCoreKernel(choice, headDim);
    if (kernel != null) {
      KernelChoice.Forward forward = choice.forward();
      DevicePositions.TileRanges queryTiles = qPositions.tiles(FORWARD_QUERY_TILE, this);
      DevicePositions.TileRanges keyTiles = kvPositions.tiles(forward.keyTile(), this);
      device.launch(kernel, q.heads(), ceilDiv(q.tokens(), FORWARD_QUERY_TILE), forward.threads(),
          forwardSharedBytes(forward, headDim), q.pointer(), k.pointer(), v.pointer(), qPositions.pointer(),
          kvPositions.pointer(), queryTiles.smallest(), queryTiles.largest(), keyTiles.smallest(),
          keyTiles.largest(), out.pointer(), lse.pointer(), q.tokens(), k.tokens(), q.heads(), k.heads(),
          causalFlag, scale);
    } else {
      device.launch(FORWARD_SIMPLE, q.tokens(), q.heads(), SIMPLE_THREADS,
          (headDim + 3 * SIMPLE_THREADS) * 4, q.pointer(), k.pointer(), v.pointer(), qPositions.pointer(),
          kvPositions.pointer(), out.pointer(), lse.pointer(), q.tokens(), k.tokens(), q.heads(), k.heads(),
          headDim, causalFlag, scale);
    }
  }

  /** D = rowsum(dO ∘ O) per (row, head): {@code out} fp32, {@code dOut} bf16, {@code delta} fp32. */
  void rowDot(CudaTensor out, CudaTensor dOut, CudaTensor delta) {
    int rows = out.tokens() * out.heads();
    if (rows == 0) return;
    device.launch(ROW_DOT, ceilDiv(rows, ROW_DOT_ROWS_PER_BLOCK), 1,
        ROW_DOT_ROWS_PER_BLOCK * 32, 0, out.pointer(), dOut.pointer(), delta.pointer(), rows, out.headDim());
  }

  /** dQ, dK, dV of one block; {@code delta} from {@link #rowDot}. dQ is zeroed here (atomics add into it). */
  void backward(CudaTensor q, CudaTensor k, CudaTensor v, CudaTensor dOut, CudaTensor lse, CudaTensor delta,
      DevicePositions qPositions, DevicePositions kvPositions, boolean causal, CudaTensor dq, CudaTensor dk,
      CudaTensor dv) {
    int headDim = q.headDim();
    float scale = (float) (1.0 / Math.sqrt(headDim));
    int causalFlag = causal ? 1 : 0;
    device.zero(dq.pointer(), dq.bytes());
    if (k.tokens() == 0) return;
    if (q.tokens() == 0) {
      device.zero(dk.pointer(), dk.bytes());
      device.zero(dv.pointer(), dv.bytes());
      return;
    }
    String kernel = backwardTensorCoreKernel(choice, headDim);
    if (kernel != null) {
      int keyTile = choice.backward().keyTile();
      int queryTile = choice.backward().queryTile();
      DevicePositions.TileRanges queryTiles = qPositions.tiles(queryTile, this);
      DevicePositions.TileRanges keyTiles = kvPositions.tiles(keyTile, this);
      device.launch(kernel, k.heads(), ceilDiv(k.tokens(), keyTile), keyTile / BACKWARD_KEYS_PER_WARP * 32,
          backwardSharedBytes(headDim, keyTile, queryTile), q.pointer(), k.pointer(), v.pointer(), dOut.pointer(),
          lse.pointer(), delta.pointer(), qPositions.pointer(), kvPositions.pointer(), queryTiles.smallest(),
          queryTiles.largest(), keyTiles.smallest(), keyTiles.largest(), dq.pointer(), dk.pointer(),
          dv.pointer(), q.tokens(), k.tokens(), q.heads(), k.heads(), causalFlag, scale);
    } else {
      device.launch(BACKWARD_SIMPLE_DQ, q.tokens(), q.heads(), SIMPLE_THREADS,
          (2 * headDim + SIMPLE_THREADS) * 4, q.pointer(), k.pointer(), v.pointer(), dOut.pointer(),
          lse.pointer(), delta.pointer(), qPositions.pointer(), kvPositions.pointer(), dq.pointer(), q.tokens(),
          k.tokens(), q.heads(), k.heads(), headDim, causalFlag, scale);
      device.launch(BACKWARD_SIMPLE_DKDV, k.tokens(), k.heads(), SIMPLE_THREADS,
          (2 * headDim + 2 * SIMPLE_THREADS) * 4, q.pointer(), k.pointer(), v.pointer(), dOut.pointer(),
          lse.pointer(), delta.pointer(), qPositions.pointer(), kvPositions.pointer(), dk.pointer(),
          dv.pointer(), q.tokens(), k.tokens(), q.heads(), k.heads(), headDim, causalFlag, scale);
    }
  }

  /** RoPE into y (same element type as x); negated positions rotate back. */
  void rope(CudaTensor x, DevicePositions positions, double theta, CudaTensor y) {
    long pairs = x.elements() / 2;
    if (pairs == 0) return;
    String kernel = x.type() == ElementType.BF16 ? ROPE_BF16 : ROPE_F32;
    device.launch(kernel, elementwiseBlocks(pairs), 1, ELEMENTWISE_THREADS, 0, x.pointer(), positions.pointer(),
        y.pointer(), x.tokens(), x.heads(), x.headDim(), theta);
  }

  void merge(CudaTensor outA, CudaTensor lseA, CudaTensor outB, CudaTensor lseB, CudaTensor out, CudaTensor lse) {
    if (out.elements() == 0) return;
    device.launch(MERGE, elementwiseBlocks(out.elements()), 1, ELEMENTWISE_THREADS, 0, outA.pointer(),
        lseA.pointer(), outB.pointer(), lseB.pointer(), out.pointer(), lse.pointer(),
        out.tokens() * out.heads(), out.headDim());
  }

  void add(CudaTensor a, CudaTensor b, CudaTensor sum) {
    if (sum.elements() == 0) return;
    device.launch(ADD, elementwiseBlocks(sum.elements()), 1, ELEMENTWISE_THREADS, 0, a.pointer(),
        b.pointer(), sum.pointer(), sum.elements());
  }

  void convert(CudaTensor source, CudaTensor target) {
    if (source.elements() == 0) return;
    String kernel = source.type() == ElementType.BF16 ? TO_F32 : TO_BF16;
    device.launch(kernel, elementwiseBlocks(source.elements()), 1, ELEMENTWISE_THREADS, 0, source.pointer(),
        target.pointer(), source.elements());
  }

  void tileRanges(DevicePositions positions, int tileRows, DevicePositions.TileRanges ranges) {
    int tiles = ceilDiv(positions.count(), tileRows);
    if (tiles == 0) return;
    device.launch(TILE_RANGES, ceilDiv(tiles, TILE_RANGE_THREADS), 1, TILE_RANGE_THREADS, 0,
        positions.pointer(), positions.count(), tileRows, ranges.smallest(), ranges.largest());
  }

  /** Grid-stride kernels: enough blocks to fill the GPU, no more than the work needs. */
  private int elementwiseBlocks(long elements) {
    long needed = (elements + ELEMENTWISE_THREADS - 1) / ELEMENTWISE_THREADS;
    return (int) Math.max(1, Math.min(needed, 16L * device.info().multiprocessors()));
  }

  private static int ceilDiv(int a, int b) {
    return (a + b - 1) / b;
  }
}
