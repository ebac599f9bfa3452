package io.ringmaster.topology.network;

/** What a link is physically, for reports ("ring KV transfer through the NICs") and traces. */
public enum LinkKind {
  /** GPU to NVSwitch/peer over NVLink. */
  NVLINK,
  /** A PCIe lane bundle between a GPU (or NIC) and its PCIe switch or root port. */
  PCIE,
  /** The link between a PCIe switch / root port and the CPU's root complex and host memory. */
  HOST_BRIDGE,
  /** A node's network interface to its first fabric switch. */
  NIC,
  /** A link between fabric switches (leaf to spine). */
  FABRIC
}
