package io.ringmaster.kernels;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * How a blockwise kernel splits a (query block, KV block) pair into query tiles of at most
 * {@code tileRows} rows, and which keys each tile must read. A tile reads the KV prefix up to the last
 * key it may see, and needs a mask only when that prefix holds a key hidden from one of its rows.
 * Every layout keeps a block's positions ascending (contiguous, zigzag's two chunks, stripes), so the
 * prefix is exactly the visible keys and fully masked work (half of zigzag's blocks) is skipped; for
 * other orders the prefix is a correct superset. A last tile shorter than the others is normal, so
 * block lengths need not be a multiple of {@code tileRows}.
 */
public record QueryTilePlan(List<QueryTile> tiles) {
  /** Rows {@code [firstRow, endRow)} read keys {@code [0, keyPrefix)}, masked when {@code masked}. */
  public record QueryTile(int firstRow, int endRow, int keyPrefix, boolean masked) {
    public int rows() {
      return endRow - firstRow;
    }

    public boolean empty() {
      return keyPrefix == 0;
    }
  }

  public static QueryTilePlan of(
      TokenPositions queries, TokenPositions keys, Masking masking, int tileRows) {
    if (tileRows <= 0) {
      throw new IllegalArgumentException("tile rows must be positive, got " + tileRows);
    }
    List<QueryTile> tiles = new ArrayList<>();
    for (int first = 0; first < queries.count(); first += tileRows) {
      int end = Math.min(first + tileRows, queries.count());
      tiles.add(masking == Masking.CAUSAL
          ? causalTile(queries, keys, first, end)
          : new QueryTile(first, end, keys.count(), false));
    }
    return new QueryTilePlan(List.copyOf(tiles));
  }

  private static QueryTile causalTile(TokenPositions queries, TokenPositions keys, int first, int end) {
    int earliestQuery = Integer.MAX_VALUE;
    int latestQuery = Integer.MIN_VALUE;
    for (int row = first; row < end; row++) {
      earliestQuery = Math.min(earliestQuery, queries.at(row));
      latestQuery = Math.max(latestQuery, queries.at(row));
    }
    int keyPrefix = 0;
    for (int key = 0; key < keys.count(); key++) {
      if (keys.at(key) <= latestQuery) {
        keyPrefix = key + 1;
      }
    }
    boolean masked = false;
    for (int key = 0; key < keyPrefix && !masked; key++) {
      masked = keys.at(key) > earliestQuery;
    }
    return new QueryTile(first, end, keyPrefix, masked);
  }

  /** True when no query row may see any key: the block is skipped whole. */
  public boolean empty() {
    return tiles.stream().allMatch(QueryTile::empty);
  }

  /** (query, key) score pairs the tiles compute, masked ones included: the work actually done. */
  public long computedPairs() {
    return tiles.stream().mapToLong(tile -> (long) tile.rows() * tile.keyPrefix()).sum();
  }

  /** (query, key) pairs the mask lets through: the useful work, used for FLOP counts. */
  public static long visiblePairs(TokenPositions queries, TokenPositions keys, Masking masking) {
    if (masking == Masking.NONE) {
      return (long) queries.count() * keys.count();
    }
    int[] sortedKeys = keys.positions().clone();
    Arrays.sort(sortedKeys);
    long pairs = 0;
    for (int row = 0; row < queries.count(); row++) {
      pairs += keysAtOrBefore(sortedKeys, queries.at(row));
    }
    return pairs;
  }

  private static int keysAtOrBefore(int[] sortedKeys, int position) {
    int low = 0;
    int high = sortedKeys.length;
    while (low < high) {
      int middle = (low + high) >>> 1;
      if (sortedKeys[middle] <= position) {
        low = middle + 1;
      } else {
        high = middle;
      }
    }
    return low;
  }
}
