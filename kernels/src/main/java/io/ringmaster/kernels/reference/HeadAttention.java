package io.ringmaster.kernels.reference;

import io.ringmaster.kernels.Masking;
import io.ringmaster.kernels.TokenPositions;
import java.util.Arrays;
import java.util.Optional;

/**
 * One query head against its KV head, in double: scores {@code S = scale·Q·Kᵀ} with masked pairs at
 * {@code -inf}, {@code P = softmax(S)} row by row, {@code out = P·V}; and, given {@code dOut},
 * {@code dP = dOut·Vᵀ}, {@code dS = P∘(dP − rowsum(P∘dP))·scale}, {@code dQ = dS·K}, {@code dK = dSᵀ·Q},
 * {@code dV = Pᵀ·dOut}. Matrices are arrays of rows, {@code [token][headDim]}.
 *
 * <p>Rows go in blocks of {@link #BLOCK_ROWS}, whose scores over every key are materialised; products
 * walk the keys in chunks of {@link #CHUNK_KEYS}, so a chunk loaded into cache serves the whole block.
 * Every innermost loop adds four products to consecutive elements of one row ({@link #addFour}), a
 * loop the JIT turns into vector instructions; a chunk no query of a row can see is skipped for it.
 */
final class HeadAttention {
  /** Query rows per block: a block's probabilities and score gradients are 2 × 64 × keys doubles (8 MiB at 8K keys). */
  private static final int BLOCK_ROWS = 64;
  /** Keys per chunk: a chunk of Kᵀ or Vᵀ (256 keys × 64 dims in double, 128 KiB) stays in a core's L2 cache. */
  private static final int CHUNK_KEYS = 256;
  /** Products summed per pass over a target row (see {@link #addFour}). */
  private static final int TERMS = 4;

  /** The head's gradients with respect to its KV head's K and V, {@code [keys][headDim]}. */
  record Gradients(double[][] dk, double[][] dv) {}

  /** The query side: output, LSE ({@code -inf} for a row that sees no key), dQ, and the K,V gradients. */
  record Rows(double[][] out, double[] lse, double[][] dq, Gradients keys) {}

  private final double[][] q;
  private final double[][] k;
  private final double[][] v;
  /** Q, K and V transposed, {@code [headDim][tokens]}, for the products whose target rows run over tokens. */
  private final double[][] qTransposed;
  private final double[][] kTransposed;
  private final double[][] vTransposed;
  private final TokenPositions qPositions;
  private final TokenPositions kvPositions;
  private final boolean causal;
  private final double scale;
  private final int queries;
  private final int keys;
  private final int dim;
  /** The smallest key position in each chunk: a causal row sees some of the chunk exactly when it is at most its own. */
  private final int[] chunkFirstPosition;

  HeadAttention(double[][] q, double[][] k, double[][] v, TokenPositions qPositions, TokenPositions kvPositions,
      Masking masking, int dim, double scale) {
    this.q = q;
    this.k = k;
    this.v = v;
    this.qPositions = qPositions;
    this.kvPositions = kvPositions;
    this.causal = masking == Masking.CAUSAL;
    this.scale = scale;
    this.queries = qPositions.count();
    this.keys = kvPositions.count();
    this.dim = dim;
    this.qTransposed = transposed(q, dim);
    this.kTransposed = transposed(k, dim);
    this.vTransposed = transposed(v, dim);
    this.chunkFirstPosition = new int[(keys + CHUNK_KEYS - 1) / CHUNK_KEYS];
    Arrays.fill(chunkFirstPosition, Integer.MAX_VALUE);
    for (int key = 0; key < keys; key++) {
      chunkFirstPosition[key / CHUNK_KEYS] = Math.min(chunkFirstPosition[key / CHUNK_KEYS], kvPositions.at(key));
    }
  }

  /** Forward, and backward when {@code dOut} ({@code [queries][headDim]}) is given; gradients 0 otherwise. */
  Rows run(Optional<double[][]> dOut) {
    double[][] out = new double[queries][dim];
    double[] lse = new double[queries];
    double[][] dq = new double[queries][dim];
    double[][] dkTransposed = new double[dim][keys];
    double[][] dvTransposed = new double[dim][keys];
    int blockRows = Math.min(BLOCK_ROWS, queries);
    double[][] probabilities = new double[blockRows][keys];
    double[][] scoreGradients = new double[dOut.isPresent() ? blockRows : 0][keys];
    double[][] outGradientTransposed = dOut.map(rows -> transposed(rows, dim)).orElse(new double[0][]);
    for (int first = 0; first < queries; first += BLOCK_ROWS) {
      int rows = Math.min(BLOCK_ROWS, queries - first);
      int end = visibleEnd(first, rows);
      products(q, first, rows, kTransposed, end, probabilities);
      softmax(first, rows, end, probabilities, lse);
      addWeighted(probabilities, rows, end, v, out, first);
      if (dOut.isPresent()) {
        products(dOut.get(), first, rows, vTransposed, end, scoreGradients);
        scoreGradients(rows, end, probabilities, scoreGradients);
        addWeighted(scoreGradients, rows, end, k, dq, first);
        addTransposedWeighted(qTransposed, first, rows, end, scoreGradients, dkTransposed);
        addTransposedWeighted(outGradientTransposed, first, rows, end, probabilities, dvTransposed);
      }
    }
    return new Rows(out, lse, dq, new Gradients(transposed(dkTransposed, keys), transposed(dvTransposed, keys)));
  }

  /**
   * The end of the keys some row of the block sees: every key from it on is hidden from the whole block
   * (a causal block of a contiguous sequence sees only the keys up to its last row).
   */
  private int visibleEnd(int first, int rows) {
    if (!causal) {
      return keys;
    }
    int lastPosition = Integer.MIN_VALUE;
    for (int row = first; row < first + rows; row++) {
      lastPosition = Math.max(lastPosition, qPositions.at(row));
    }
    int end = keys;
    while (end > 0 && kvPositions.at(end - 1) > lastPosition) {
      end--;
    }
    return end;
  }

  /** {@code target[r][key] = a[first + r] · b[key]} for keys below {@code end} in chunks the row sees, 0 elsewhere. */
  private void products(double[][] a, int first, int rows, double[][] bTransposed, int end, double[][] target) {
    for (int chunk = 0; chunk * CHUNK_KEYS < end; chunk++) {
      int start = chunk * CHUNK_KEYS;
      int chunkEnd = Math.min(start + CHUNK_KEYS, end);
      for (int r = 0; r < rows; r++) {
        Arrays.fill(target[r], start, chunkEnd, 0.0);
        if (seesChunk(first + r, chunk)) {
          for (int d = 0; d < dim; d += TERMS) {
            addFour(target[r], start, chunkEnd, a[first + r], d, bTransposed, d, Math.min(TERMS, dim - d));
          }
        }
      }
    }
  }

  /** Turns each row's dot products into its scaled, masked scores' softmax in place, and records the row's LSE. */
  private void softmax(int first, int rows, int end, double[][] values, double[] lse) {
    for (int r = 0; r < rows; r++) {
      int row = first + r;
      double[] rowValues = values[r];
      double max = Double.NEGATIVE_INFINITY;
      for (int key = 0; key < end; key++) {
        double score = sees(row, key) ? scale * rowValues[key] : Double.NEGATIVE_INFINITY;
        rowValues[key] = score;
        max = Math.max(max, score);
      }
      if (max == Double.NEGATIVE_INFINITY) {
        Arrays.fill(rowValues, 0, end, 0.0);
        lse[row] = Double.NEGATIVE_INFINITY;
        continue;
      }
      double sum = 0.0;
      for (int key = 0; key < end; key++) {
        double score = rowValues[key];
        rowValues[key] = score == Double.NEGATIVE_INFINITY ? 0.0 : Math.exp(score - max);
        sum += rowValues[key];
      }
      for (int key = 0; key < end; key++) {
        rowValues[key] /= sum;
      }
      lse[row] = max + Math.log(sum);
    }
  }

  /** {@code dP} in place to {@code dS = P∘(dP − rowsum(P∘dP))·scale}; 0 where P is 0. */
  private void scoreGradients(int rows, int end, double[][] probabilities, double[][] values) {
    for (int r = 0; r < rows; r++) {
      double[] p = probabilities[r];
      double[] rowValues = values[r];
      double rowDelta = 0.0;
      for (int key = 0; key < end; key++) {
        if (p[key] != 0.0) {
          rowDelta += p[key] * rowValues[key];
        }
      }
      for (int key = 0; key < end; key++) {
        rowValues[key] = p[key] == 0.0 ? 0.0 : p[key] * (rowValues[key] - rowDelta) * scale;
      }
    }
  }

  /** {@code target[first + r] += Σ_key weights[r][key] · b[key]} over the keys below {@code end}. */
  private void addWeighted(double[][] weights, int rows, int end, double[][] b, double[][] target, int first) {
    for (int start = 0; start < end; start += CHUNK_KEYS) {
      int chunkEnd = Math.min(start + CHUNK_KEYS, end);
      for (int r = 0; r < rows; r++) {
        for (int key = start; key < chunkEnd; key += TERMS) {
          addFour(target[first + r], 0, dim, weights[r], key, b, key, Math.min(TERMS, chunkEnd - key));
        }
      }
    }
  }

  /**
   * {@code targetTransposed[d][key] += Σ_r aTransposed[d][first + r] · weights[r][key]} over the keys below
   * {@code end}: {@code Kᵀ}-side gradients such as {@code dKᵀ = Qᵀ·dS}, kept transposed so that the target
   * rows run over keys like the block's rows.
   */
  private void addTransposedWeighted(double[][] aTransposed, int first, int rows, int end, double[][] weights,
      double[][] targetTransposed) {
    for (int start = 0; start < end; start += CHUNK_KEYS) {
      int chunkEnd = Math.min(start + CHUNK_KEYS, end);
      for (int d = 0; d < dim; d++) {
        for (int r = 0; r < rows; r += TERMS) {
          addFour(targetTransposed[d], start, chunkEnd, aTransposed[d], first + r, weights, r,
              Math.min(TERMS, rows - r));
        }
      }
    }
  }

  /**
   * {@code target[x] += Σ_{i < terms} weights[weightFrom + i] · b[bFrom + i][x]} for {@code x} in
   * {@code [start, end)}, {@code terms <= 4}. Four products per element in one pass load and store the
   * target once for four products, where one product per pass is bound by those loads and stores; the
   * loop over consecutive elements of whole rows is one the JIT turns into vector instructions. A group
   * whose weights are all 0 (masked pairs) is skipped.
   */
  private static void addFour(double[] target, int start, int end, double[] weights, int weightFrom, double[][] b,
      int bFrom, int terms) {
    double w0 = weights[weightFrom];
    double w1 = terms > 1 ? weights[weightFrom + 1] : 0.0;
    double w2 = terms > 2 ? weights[weightFrom + 2] : 0.0;
    double w3 = terms > 3 ? weights[weightFrom + 3] : 0.0;
    if (w0 == 0.0 && w1 == 0.0 && w2 == 0.0 && w3 == 0.0) {
      return;
    }
    double[] b0 = b[bFrom];
    double[] b1 = terms > 1 ? b[bFrom + 1] : b0;
    double[] b2 = terms > 2 ? b[bFrom + 2] : b0;
    double[] b3 = terms > 3 ? b[bFrom + 3] : b0;
    for (int x = start; x < end; x++) {
      target[x] += w0 * b0[x] + w1 * b1[x] + w2 * b2[x] + w3 * b3[x];
    }
  }

  private boolean sees(int row, int key) {
    return !causal || kvPositions.at(key) <= qPositions.at(row);
  }

  private boolean seesChunk(int row, int chunk) {
    return !causal || chunkFirstPosition[chunk] <= qPositions.at(row);
  }

  /** {@code [width][rows.length]} from {@code [rows.length][width]}. */
  private static double[][] transposed(double[][] rows, int width) {
    double[][] result = new double[width][rows.length];
    for (int row = 0; row < rows.length; row++) {
      for (int column = 0; column < width; column++) {
        result[column][row] = rows[row][column];
      }
    }
    return result;
  }
}
