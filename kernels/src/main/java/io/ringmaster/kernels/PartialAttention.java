package io.ringmaster.kernels;

/**
 * Attention of a query block against the KV blocks seen so far: the normalised output
 * {@code out [tq][Hq][d]} and the fp32 log-sum-exp {@code lse [tq][Hq][1]} of the scaled scores. Rows
 * that saw no key yet carry {@code lse = -inf} and {@code out = 0}, which the merge treats as empty.
 */
public record PartialAttention(Tensor out, Tensor lse) implements AutoCloseable {
  @Override
  public void close() {
    out.close();
    lse.close();
  }
}
