package io.ringmaster.actors.protocol;

import io.ringmaster.actors.wire.WireMessage;
import io.ringmaster.kernels.HostTensor;

/**
 * A live GPU's results for one layer of given rows ({@link ShardData.Given}), in its rank's row order:
 * the attention output and LSE, and the gradients with respect to its pre-RoPE q, k and v rows.
 */
public record LayerResult(int ring, int rank, int layer, HostTensor out, HostTensor lse, HostTensor dq,
    HostTensor dk, HostTensor dv) implements WireMessage {}
