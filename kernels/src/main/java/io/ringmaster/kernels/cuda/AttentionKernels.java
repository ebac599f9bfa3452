package io.ringmaster.kernels.cuda;

/**
 * Launches our kernels with the geometry each was written for: grid, block and dynamic shared memory
 * must match the constants in kernels/src/main/cuda (each is named beside its number here).
 */
final class AttentionKernels {
  /** forward_tc::BLOCK_M, BLOCK_N and THREADS in attention_forward.cu. */
  static final int FORWARD_QUERY_TILE = 128;
  static final int KEY_TILE = 64;
  private static final int FORWARD_THREADS = 256;
  /** backward_tc::THREADS in attention_backward.cu (BLOCK_N is KEY_TILE). */
  private static final int BACKWARD_THREADS = 128;
  /** SIMPLE_THREADS in both attention files; ROW_DOT_WARPS in attention_backward.cu. */
  private static final int SIMPLE_THREADS = 128;
  private static final int ROW_DOT_ROWS_PER_BLOCK = 4;
  private static final int ELEMENTWISE_THREADS = 256;
  private static final int TILE_RANGE_THREADS = 128;
  /** SIMPLE_MAX_HEAD_DIM in both attention files. */
  static final int SIMPLE_MAX_HEAD_DIM = 512;

  private final CudaDevice device;
  private final KernelChoice choice;

  AttentionKernels(CudaDevice device, KernelChoice choice) {
    this.device = device;
    this.choice = choice;
  }

  /** forward_tc::Shape<D>::SHARED_BYTES: Q, two K and two V tiles in bf16, two tiles of key positions. */
  static int forwardSharedBytes(int headDim) {
    return (FORWARD_QUERY_TILE * headDim + 4 * KEY_TILE * headDim) * 2 + 2 * KEY_TILE * 4;
  }

  /** backward_tc::Shape<D, BLOCK_M>::SHARED_BYTES: K, V, two Q and dO tiles, dSᵀ; lse, D, limits. */
  static int backwardSharedBytes(int headDim, int queryTile) {
    return (2 * KEY_TILE * headDim + 4 * queryTile * headDim + KEY_TILE * queryTile) * 2 + 2 * queryTile * 12;
  }

  static boolean hasTensorCoreKernels(int headDim) {
    return headDim == 64 || headDim == 128;
  }

  void forward(CudaTensor q, CudaTensor k, CudaTensor v, DevicePositions qPositions, DevicePositions kvPositions,
      boolean causal, CudaTensor out, CudaTensor lse) {
    int headDim = q.headDim();
    float scale = (float) (1.0 / Math.sqrt(headDim));
    int causalFlag = causal ? 1 : 0;
    if (q.tokens() == 0) return;
    if (choice.forward() != KernelChoice.Forward.SIMPLE && hasTensorCoreKernels(headDim)) {
      String kernel = "attention_forward_tc_d" + headDim
          + (choice.forward() == KernelChoice.Forward.TENSOR_CORES_Q_SHARED ? "_qsmem" : "");
      DevicePositions.TileRanges queryTiles = qPositions.tiles(FORWARD_QUERY_TILE, this);
      DevicePositions.TileRanges keyTiles = kvPositions.tiles(KEY_TILE, this);
      device.launch(kernel, ceilDiv(q.tokens(), FORWARD_QUERY_TILE), q.heads(), FORWARD_THREADS,
          forwardSharedBytes(headDim), q.pointer(), k.pointer(), v.pointer(), qPositions.pointer(),
          kvPositions.pointer(), queryTiles.smallest(), queryTiles.largest(), keyTiles.smallest(),
          keyTiles.largest(), out.pointer(), lse.pointer(), q.tokens(), k.tokens(), q.heads(), k.heads(),
          causalFlag, scale);
    } else {
      device.launch("attention_forward_simple", q.tokens(), q.heads(), SIMPLE_THREADS,
          (headDim + 3 * SIMPLE_THREADS) * 4, q.pointer(), k.pointer(), v.pointer(), qPositions.pointer(),
          kvPositions.pointer(), out.pointer(), lse.pointer(), q.tokens(), k.tokens(), q.heads(), k.heads(),
          headDim, causalFlag, scale);
    }
  }

  /** D = rowsum(dO ∘ O) per (row, head): {@code out} fp32, {@code dOut} bf16, {@code delta} fp32. */
  void rowDot(CudaTensor out, CudaTensor dOut, CudaTensor delta) {
    int rows = out.tokens() * out.heads();
    if (rows == 0) return;
    device.launch("attention_backward_row_dot", ceilDiv(rows, ROW_DOT_ROWS_PER_BLOCK), 1,
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
    if (choice.backward() != KernelChoice.Backward.SIMPLE && hasTensorCoreKernels(headDim)) {
      boolean smallTiles = choice.backward() == KernelChoice.Backward.TENSOR_CORES_QUERY_TILE_32;
      int queryTile = smallTiles ? 32 : 64;
      String kernel = "attention_backward_tc_d" + headDim + (smallTiles ? "_m32" : "");
      DevicePositions.TileRanges queryTiles = qPositions.tiles(queryTile, this);
      DevicePositions.TileRanges keyTiles = kvPositions.tiles(KEY_TILE, this);
      device.launch(kernel, ceilDiv(k.tokens(), KEY_TILE), k.heads(), BACKWARD_THREADS,
          backwardSharedBytes(headDim, queryTile), q.pointer(), k.pointer(), v.pointer(), dOut.pointer(),
          lse.pointer(), delta.pointer(), qPositions.pointer(), kvPositions.pointer(), queryTiles.smallest(),
          queryTiles.largest(), keyTiles.smallest(), keyTiles.largest(), dq.pointer(), dk.pointer(),
          dv.pointer(), q.tokens(), k.tokens(), q.heads(), k.heads(), causalFlag, scale);
    } else {
      device.launch("attention_backward_simple_dq", q.tokens(), q.heads(), SIMPLE_THREADS,
          (2 * headDim + SIMPLE_THREADS) * 4, q.pointer(), k.pointer(), v.pointer(), dOut.pointer(),
          lse.pointer(), delta.pointer(), qPositions.pointer(), kvPositions.pointer(), dq.pointer(), q.tokens(),
          k.tokens(), q.heads(), k.heads(), headDim, causalFlag, scale);
      device.launch("attention_backward_simple_dkdv", k.tokens(), k.heads(), SIMPLE_THREADS,
          (2 * headDim + 2 * SIMPLE_THREADS) * 4, q.pointer(), k.pointer(), v.pointer(), dOut.pointer(),
          lse.pointer(), delta.pointer(), qPositions.pointer(), kvPositions.pointer(), dk.pointer(),
          dv.pointer(), q.tokens(), k.tokens(), q.heads(), k.heads(), headDim, causalFlag, scale);
    }
  }

  /** {@code direction} +1 rotates, -1 rotates back; x and y have the same element type. */
  void rope(CudaTensor x, DevicePositions positions, double theta, int direction, CudaTensor y) {
    long pairs = x.elements() / 2;
    if (pairs == 0) return;
    String kernel = x.type() == ElementType.BF16 ? "rope_bf16" : "rope_f32";
    device.launch(kernel, elementwiseBlocks(pairs), 1, ELEMENTWISE_THREADS, 0, x.pointer(), positions.pointer(),
        y.pointer(), x.tokens(), x.heads(), x.headDim(), theta, direction);
  }

  void merge(CudaTensor outA, CudaTensor lseA, CudaTensor outB, CudaTensor lseB, CudaTensor out, CudaTensor lse) {
    if (out.elements() == 0) return;
    device.launch("lse_merge", elementwiseBlocks(out.elements()), 1, ELEMENTWISE_THREADS, 0, outA.pointer(),
        lseA.pointer(), outB.pointer(), lseB.pointer(), out.pointer(), lse.pointer(),
        out.tokens() * out.heads(), out.headDim());
  }

  void add(CudaTensor a, CudaTensor b, CudaTensor sum) {
    if (sum.elements() == 0) return;
    device.launch("add_f32", elementwiseBlocks(sum.elements()), 1, ELEMENTWISE_THREADS, 0, a.pointer(),
        b.pointer(), sum.pointer(), sum.elements());
  }

  void convert(CudaTensor source, CudaTensor target) {
    if (source.elements() == 0) return;
    String kernel = source.type() == ElementType.BF16 ? "convert_bf16_to_f32" : "convert_f32_to_bf16";
    device.launch(kernel, elementwiseBlocks(source.elements()), 1, ELEMENTWISE_THREADS, 0, source.pointer(),
        target.pointer(), source.elements());
  }

  void tileRanges(DevicePositions positions, int tileRows, DevicePositions.TileRanges ranges) {
    int tiles = ceilDiv(positions.count(), tileRows);
    if (tiles == 0) return;
    device.launch("position_tile_ranges", ceilDiv(tiles, TILE_RANGE_THREADS), 1, TILE_RANGE_THREADS, 0,
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
