package io.ringmaster.topology.node;

/**
 * A node's PCIe tree. GPUs are grouped in index order under root ports, {@code gpusPerSwitch} per
 * port; a port with more than one device (GPUs and NICs) has a PCIe switch, whose uplink to the
 * root complex (the host bridge) all devices under it share.
 *
 * @param gpusPerSwitch GPUs under one root port (1: each GPU on its own root port)
 * @param hostBridgeBytesPerSecond one direction of a switch's uplink to the root complex
 * @param peerToPeer whether GPUs under one switch exchange data through it directly (otherwise they
 *     bounce through host memory, crossing the root complex)
 * @param latencySeconds added by every PCIe hop
 */
public record PcieTree(int gpusPerSwitch, double hostBridgeBytesPerSecond, boolean peerToPeer, double latencySeconds) {}
