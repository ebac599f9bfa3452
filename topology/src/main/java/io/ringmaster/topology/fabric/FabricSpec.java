package io.ringmaster.topology.fabric;

/** The network between nodes' NICs. */
public sealed interface FabricSpec permits SingleSwitch, LeafSpine {
  /** Added by every switch-to-switch or switch-to-NIC hop inside the fabric. */
  double latencySeconds();

  /** In words, for reports. */
  String describe();
}
