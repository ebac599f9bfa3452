package io.ringmaster.kernels.ring;

import io.ringmaster.kernels.HostTensor;

/** A rank's gradients w.r.t. its own pre-RoPE q, k and v rows, once backward is complete. */
public record RankGradients(HostTensor dq, HostTensor dk, HostTensor dv) {}
