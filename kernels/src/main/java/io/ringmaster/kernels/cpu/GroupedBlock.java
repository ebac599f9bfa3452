package io.ringmaster.kernels.cpu;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import io.ringmaster.kernels.HeadLayout;
import io.ringmaster.kernels.QueryTilePlan.QueryTile;
import io.ringmaster.kernels.TokenPositions;

/**
 * One (query block, KV block) pair inside a call's scope, with heads grouped by the KV head they read:
 * queries {@code [kvHeads][queriesPerKvHead][rows][d]}, pre-scaled by {@code 1/sqrt(d)}; keys and
 * values {@code [kvHeads][keys][d]}. A query tile flattens its group to {@code [kvHeads][group*rows][d]}
 * so one batched matmul covers every query head of a KV head.
 */
record GroupedBlock(
    HeadLayout heads,
    NDArray queries,
    NDArray keys,
    NDArray values,
    NDArray queryPositions,
    NDArray keyPositions,
    NDArray negativeInfinity) {

  static GroupedBlock of(
      NDManager scope,
      HeadLayout heads,
      NDArray q,
      NDArray k,
      NDArray v,
      TokenPositions qPositions,
      TokenPositions kvPositions) {
    return new GroupedBlock(
        heads,
        grouped(heads, q.mul(heads.softmaxScale())),
        k.transpose(1, 0, 2),
        v.transpose(1, 0, 2),
        scope.create(qPositions.positions(), new Shape(qPositions.count(), 1)),
        scope.create(kvPositions.positions(), new Shape(1, kvPositions.count())),
        scope.create(Float.NEGATIVE_INFINITY));
  }

  /** Token-major {@code [rows][queryHeads][e]} to grouped {@code [kvHeads][group][rows][e]} (a view). */
  NDArray grouped(NDArray tokenMajor) {
    return grouped(heads, tokenMajor);
  }

  private static NDArray grouped(HeadLayout heads, NDArray tokenMajor) {
    Shape shape = tokenMajor.getShape();
    return tokenMajor.reshape(shape.get(0), heads.kvHeads(), heads.queriesPerKvHead(), shape.get(2)).transpose(1, 2, 0, 3);
  }

  /** Grouped {@code [kvHeads][group][rows][e]} back to token-major {@code [rows][queryHeads][e]}. */
  NDArray tokenMajor(NDArray grouped) {
    Shape shape = grouped.getShape();
    return grouped.transpose(2, 0, 1, 3).reshape(shape.get(2), heads.queryHeads(), shape.get(3));
  }

  Shape tileShape(QueryTile tile, int lastDim) {
    return new Shape(heads.kvHeads(), heads.queriesPerKvHead(), tile.rows(), lastDim);
  }

  /*
   * The tile accessors below take the tile's own scope: everything derived from what they return lands
   * there and is freed with the tile, so a call holds one tile's scores at a time, not all of them.
   */

  /** The tile's rows of a grouped tensor, flattened to {@code [kvHeads][group*rows][e]}. */
  NDArray tileRows(NDManager tileScope, NDArray grouped, QueryTile tile) {
    long lastDim = grouped.getShape().get(3);
    return grouped
        .get(tileScope, new NDIndex(":, :, {}:{}, :", tile.firstRow(), tile.endRow()))
        .reshape(heads.kvHeads(), (long) heads.queriesPerKvHead() * tile.rows(), lastDim);
  }

  NDArray queryTile(NDManager tileScope, QueryTile tile) {
    return tileRows(tileScope, queries, tile);
  }

  NDArray keyPrefix(NDManager tileScope, QueryTile tile) {
    return keys.get(tileScope, new NDIndex(":, :{}, :", tile.keyPrefix()));
  }

  NDArray valuePrefix(NDManager tileScope, QueryTile tile) {
    return values.get(tileScope, new NDIndex(":, :{}, :", tile.keyPrefix()));
  }

  /**
   * Scaled scores {@code [kvHeads][group*rows][keyPrefix]} of the tile's queries (as from
   * {@link #queryTile}), -inf where the causal mask hides a key.
   */
  NDArray scores(NDManager tileScope, NDArray queryTile, QueryTile tile) {
    NDArray scores = queryTile.matMul(keyPrefix(tileScope, tile).transpose(0, 2, 1));
    if (!tile.masked()) {
      return scores;
    }
    Shape grouped = new Shape(heads.kvHeads(), heads.queriesPerKvHead(), tile.rows(), tile.keyPrefix());
    NDArray visible = keyPositions
        .get(tileScope, new NDIndex(":, :{}", tile.keyPrefix()))
        .lte(queryPositions.get(tileScope, new NDIndex("{}:{}, :", tile.firstRow(), tile.endRow())));
    return NDArrays.where(visible.broadcast(grouped), scores.reshape(grouped), negativeInfinity).reshape(scores.getShape());
  }
}
