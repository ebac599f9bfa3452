package io.ringmaster.actors.gpu;

/** Everything behind one GPU actor: the same behaviour runs on either mode's wiring. */
public record GpuWiring(Device device, RingTransport transport, Collectives collectives, VirtualTime virtualTime) {}
