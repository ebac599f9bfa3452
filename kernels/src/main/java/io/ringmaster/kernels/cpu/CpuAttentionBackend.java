package io.ringmaster.kernels.cpu;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.jni.JniUtils;
import io.ringmaster.kernels.AttentionBackend;
import io.ringmaster.kernels.BlockGradients;
import io.ringmaster.kernels.HeadLayout;
import io.ringmaster.kernels.HostTensor;
import io.ringmaster.kernels.Masking;
import io.ringmaster.kernels.PartialAttention;
import io.ringmaster.kernels.QueryTilePlan;
import io.ringmaster.kernels.QueryTilePlan.QueryTile;
import io.ringmaster.kernels.RotaryEmbedding;
import io.ringmaster.kernels.Tensor;
import io.ringmaster.kernels.TokenPositions;

/**
 * Blockwise attention on DJL's PyTorch engine (CPU, offline). Each call works in its own NDManager
 * scope, reading its inputs through views and never changing them; only the tensors it returns
 * outlive the call, each in a manager of its own that {@link Tensor#close()} frees. So a ring loop
 * that closes what it no longer needs keeps native memory flat ({@link #liveArrays()} counts what is
 * still held).
 *
 * <p>Inside a call the heads are grouped by KV head, {@code [kvHeads][queriesPerKvHead * rows][d]}, so
 * one batched matmul serves a whole GQA group and dK/dV come out already summed over the group.
 * Query rows are processed in tiles of {@link QueryTilePlan}: fully masked keys are never read.
 */
public final class CpuAttentionBackend implements AttentionBackend {
  /**
   * Query rows per tile. Small enough that a causal diagonal block wastes little work on masked
   * scores, large enough that the ~20 µs per DJL call stays small next to a tile's matmuls: the
   * CpuAttentionBench tile sweep (docs/kernels.md) on this project's 2-core machine.
   */
  public static final int DEFAULT_TILE_ROWS = 256;

  private static final int[] LAST_AXIS = {-1};
  private static final NDIndex EVERYTHING = new NDIndex("...");

  private final NDManager root;
  private final int tileRows;

  private CpuAttentionBackend(NDManager root, int tileRows) {
    this.root = root;
    this.tileRows = tileRows;
  }

  public static CpuAttentionBackend create() {
    return create(DEFAULT_TILE_ROWS);
  }

  public static CpuAttentionBackend create(int tileRows) {
    if (tileRows <= 0) {
      throw new IllegalArgumentException("tile rows must be positive, got " + tileRows);
    }
    return new CpuAttentionBackend(NDManager.newBaseManager(Device.cpu(), "PyTorch"), tileRows);
  }

  @Override
  public String name() {
    return "cpu (DJL " + Engine.getDjlVersion() + ", PyTorch " + Engine.getEngine("PyTorch").getVersion()
        + ", " + JniUtils.getNumThreads() + " threads, " + tileRows + "-row tiles)";
  }

  public int tileRows() {
    return tileRows;
  }

  /** NDArrays this backend still holds: tensors not yet closed and anything a call leaked. */
  public int liveArrays() {
    return root.getManagedArrays().size();
  }

  @Override
  public Tensor upload(HostTensor host) {
    NDManager owner = root.newSubManager();
    return new CpuTensor(owner.create(host.values(), new Shape(host.tokens(), host.heads(), host.headDim())), owner);
  }

  @Override
  public Tensor applyRope(Tensor x, TokenPositions positions, double theta) {
    if (x.tokens() != positions.count()) {
      throw new IllegalArgumentException(x.tokens() + " rows but " + positions.count() + " positions");
    }
    RotaryEmbedding.Tables tables = new RotaryEmbedding(theta).tables(positions, x.headDim());
    int pairs = tables.pairs();
    try (NDManager scope = root.newSubManager()) {
      Shape tableShape = new Shape(x.tokens(), 1, pairs);
      NDArray cos = scope.create(tables.cos(), tableShape);
      NDArray sin = scope.create(tables.sin(), tableShape);
      NDArray values = view(scope, x);
      NDArray first = values.get("..., :{}", pairs);
      NDArray second = values.get("..., {}:", pairs);
      NDArray rotatedFirst = first.mul(cos).sub(second.mul(sin));
      NDArray rotatedSecond = second.mul(cos).add(first.mul(sin));
      return adopt(rotatedFirst.concat(rotatedSecond, 2));
    }
  }

  @Override
  public PartialAttention forwardBlock(
      Tensor q, Tensor k, Tensor v, TokenPositions qPositions, TokenPositions kvPositions, Masking masking) {
    HeadLayout heads = HeadLayout.ofBlock(q, k, v, qPositions, kvPositions);
    QueryTilePlan plan = QueryTilePlan.of(qPositions, kvPositions, masking, tileRows);
    if (plan.empty()) {
      return new PartialAttention(
          filled(q.tokens(), heads.queryHeads(), heads.headDim(), 0f),
          filled(q.tokens(), heads.queryHeads(), 1, Float.NEGATIVE_INFINITY));
    }
    try (NDManager scope = root.newSubManager()) {
      GroupedBlock block = GroupedBlock.of(scope, heads, view(scope, q), view(scope, k), view(scope, v), qPositions, kvPositions);
      NDList outs = new NDList();
      NDList lses = new NDList();
      for (QueryTile tile : plan.tiles()) {
        if (tile.empty()) {
          outs.add(scope.zeros(block.tileShape(tile, heads.headDim())));
          lses.add(scope.full(block.tileShape(tile, 1), Float.NEGATIVE_INFINITY));
          continue;
        }
        try (NDManager tileScope = scope.newSubManager()) {
          NDArray scores = block.scores(tileScope, block.queryTile(tileScope, tile), tile);
          // A row that sees no key has max -inf; clamping keeps exp() at 0 instead of NaN (-inf - -inf).
          NDArray rowMax = scores.max(LAST_AXIS, true).maximum(-Float.MAX_VALUE);
          NDArray weights = scores.sub(rowMax).exp();
          NDArray rowSum = weights.sum(LAST_AXIS, true);
          // rowSum >= 1 for a row that sees a key (its max contributes exp(0)), 0 for an empty row.
          NDArray out = weights.matMul(block.valuePrefix(tileScope, tile)).div(rowSum.maximum(1f));
          outs.add(keep(out.reshape(block.tileShape(tile, heads.headDim())), scope));
          lses.add(keep(rowMax.add(rowSum.log()).reshape(block.tileShape(tile, 1)), scope));
        }
      }
      return new PartialAttention(adopt(block.tokenMajor(concatRows(outs))), adopt(block.tokenMajor(concatRows(lses))));
    }
  }

  @Override
  public PartialAttention merge(PartialAttention running, PartialAttention block) {
    try (NDManager scope = root.newSubManager()) {
      NDArray runningLse = view(scope, running.lse());
      NDArray blockLse = view(scope, block.lse());
      NDArray max = runningLse.maximum(blockLse).maximum(-Float.MAX_VALUE);
      NDArray runningWeight = runningLse.sub(max).exp();
      NDArray blockWeight = blockLse.sub(max).exp();
      NDArray sum = runningWeight.add(blockWeight);
      NDArray out = view(scope, running.out()).mul(runningWeight)
          .add(view(scope, block.out()).mul(blockWeight))
          .div(sum.maximum(1f));
      return new PartialAttention(adopt(out), adopt(max.add(sum.log())));
    }
  }

  @Override
  public BlockGradients backwardBlock(
      Tensor q,
      Tensor k,
      Tensor v,
      Tensor out,
      Tensor dOut,
      Tensor lse,
      TokenPositions qPositions,
      TokenPositions kvPositions,
      Masking masking) {
    HeadLayout heads = HeadLayout.ofBlock(q, k, v, qPositions, kvPositions);
    requireRowsLike(q, out, heads.headDim(), "out");
    requireRowsLike(q, dOut, heads.headDim(), "dOut");
    requireRowsLike(q, lse, 1, "lse");
    QueryTilePlan plan = QueryTilePlan.of(qPositions, kvPositions, masking, tileRows);
    if (plan.empty()) {
      return new BlockGradients(
          filled(q.tokens(), heads.queryHeads(), heads.headDim(), 0f),
          filled(k.tokens(), heads.kvHeads(), heads.headDim(), 0f),
          filled(k.tokens(), heads.kvHeads(), heads.headDim(), 0f));
    }
    try (NDManager scope = root.newSubManager()) {
      GroupedBlock block = GroupedBlock.of(scope, heads, view(scope, q), view(scope, k), view(scope, v), qPositions, kvPositions);
      NDArray dOutValues = view(scope, dOut);
      NDArray dOutGrouped = block.grouped(dOutValues);
      NDArray rowDelta = block.grouped(dOutValues.mul(view(scope, out)).sum(LAST_AXIS, true));
      NDArray rowLse = block.grouped(view(scope, lse)).maximum(-Float.MAX_VALUE);
      NDArray dk = scope.zeros(new Shape(heads.kvHeads(), k.tokens(), heads.headDim()));
      NDArray dv = scope.zeros(new Shape(heads.kvHeads(), k.tokens(), heads.headDim()));
      NDList dqs = new NDList();
      for (QueryTile tile : plan.tiles()) {
        if (tile.empty()) {
          dqs.add(scope.zeros(block.tileShape(tile, heads.headDim())));
          continue;
        }
        try (NDManager tileScope = scope.newSubManager()) {
          NDArray queryTile = block.queryTile(tileScope, tile);
          NDArray probabilities =
              block.scores(tileScope, queryTile, tile).sub(block.tileRows(tileScope, rowLse, tile)).exp();
          NDArray dOutTile = block.tileRows(tileScope, dOutGrouped, tile);
          NDArray dProbabilities = dOutTile.matMul(block.valuePrefix(tileScope, tile).transpose(0, 2, 1));
          NDArray dScores = probabilities.mul(dProbabilities.sub(block.tileRows(tileScope, rowDelta, tile)));
          NDArray dqTile = dScores.matMul(block.keyPrefix(tileScope, tile)).mul(heads.softmaxScale());
          dqs.add(keep(dqTile.reshape(block.tileShape(tile, heads.headDim())), scope));
          // The grouped queries are pre-scaled, so this product already carries the softmax scale.
          addToPrefix(tileScope, dk, tile.keyPrefix(), dScores.transpose(0, 2, 1).matMul(queryTile));
          addToPrefix(tileScope, dv, tile.keyPrefix(), probabilities.transpose(0, 2, 1).matMul(dOutTile));
        }
      }
      return new BlockGradients(
          adopt(block.tokenMajor(concatRows(dqs))), adopt(dk.transpose(1, 0, 2)), adopt(dv.transpose(1, 0, 2)));
    }
  }

  @Override
  public Tensor add(Tensor a, Tensor b) {
    try (NDManager scope = root.newSubManager()) {
      return adopt(view(scope, a).add(view(scope, b)));
    }
  }

  @Override
  public void close() {
    root.close();
  }

  private Tensor filled(int tokens, int heads, int headDim, float value) {
    NDManager owner = root.newSubManager();
    return new CpuTensor(owner.full(new Shape(tokens, heads, headDim), value), owner);
  }

  /** Adds into the first rows of a call-scoped accumulator; the sum is a tile-scoped temporary. */
  private static void addToPrefix(NDManager tileScope, NDArray accumulator, int prefixRows, NDArray contribution) {
    NDIndex prefix = new NDIndex(":, :{}", prefixRows);
    accumulator.set(prefix, accumulator.get(tileScope, prefix).add(contribution));
  }

  /** Moves a tile's result into the call's scope before the tile's scope closes. */
  private static NDArray keep(NDArray tileResult, NDManager scope) {
    tileResult.attach(scope);
    return tileResult;
  }

  private static NDArray concatRows(NDList tiles) {
    return tiles.size() == 1 ? tiles.singletonOrThrow() : NDArrays.concat(tiles, 2);
  }

  private static void requireRowsLike(Tensor q, Tensor other, int headDim, String name) {
    if (other.tokens() != q.tokens() || other.heads() != q.heads() || other.headDim() != headDim) {
      throw new IllegalArgumentException(name + " is [" + other.tokens() + "," + other.heads() + ","
          + other.headDim() + "], expected [" + q.tokens() + "," + q.heads() + "," + headDim + "]");
    }
  }

  /** A view of the tensor owned by the call's scope, so results derived from it land in the scope. */
  private static NDArray view(NDManager scope, Tensor tensor) {
    if (!(tensor instanceof CpuTensor cpu)) {
      throw new IllegalArgumentException("not a tensor of the cpu backend: " + tensor.getClass().getName());
    }
    return cpu.array().get(scope, EVERYTHING);
  }

  /** Moves a result out of the call's scope into a manager of its own. */
  private Tensor adopt(NDArray result) {
    NDManager owner = root.newSubManager();
    result.attach(owner);
    return new CpuTensor(result, owner);
  }
}
