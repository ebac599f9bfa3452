package io.ringmaster.actors.protocol;

/** A copy between a GPU and its node's host memory (ZeRO offload). */
public enum HostDirection {
  HOST_TO_GPU,
  GPU_TO_HOST
}
