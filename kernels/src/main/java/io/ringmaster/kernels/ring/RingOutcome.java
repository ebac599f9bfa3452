package io.ringmaster.kernels.ring;

import io.ringmaster.kernels.HostTensor;
import io.ringmaster.kernels.layout.Sharding;
import java.util.List;
import java.util.function.Function;

/**
 * Per-rank results of one ring attention forward and backward, with wall seconds of the forward and
 * backward ring steps (uploads, RoPE and copies to the host excluded).
 */
public record RingOutcome(
    Sharding sharding, List<RankOutcome> ranks, double forwardSeconds, double backwardSeconds) {

  /** One rank's rows: output, LSE and the gradients w.r.t. its pre-RoPE inputs. */
  public record RankOutcome(HostTensor out, HostTensor lse, RankGradients gradients) {}

  public HostTensor out() {
    return joined(RankOutcome::out);
  }

  public HostTensor lse() {
    return joined(RankOutcome::lse);
  }

  public HostTensor dq() {
    return joined(rank -> rank.gradients().dq());
  }

  public HostTensor dk() {
    return joined(rank -> rank.gradients().dk());
  }

  public HostTensor dv() {
    return joined(rank -> rank.gradients().dv());
  }

  private HostTensor joined(Function<RankOutcome, HostTensor> part) {
    return sharding.join(ranks.stream().map(part).toList());
  }
}
