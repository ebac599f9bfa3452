package io.ringmaster.actors.wire;

/**
 * Marker for every message that may cross the network between nodes. The actors module's
 * {@code reference.conf} binds it to {@link WireSerializer}; a class that implements it must also be
 * listed in {@code ringmaster.wire.registrations}, so both ends agree on its wire id.
 */
public interface WireMessage {}
