package io.ringmaster.topology.fabric;

/** Every NIC on one non-blocking switch: the only contention is at the NICs themselves. */
public record SingleSwitch(double latencySeconds) implements FabricSpec {
  @Override
  public String describe() {
    return "one non-blocking switch";
  }
}
