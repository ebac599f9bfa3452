package io.ringmaster.actors.wire;

/** One class that may cross the wire and the id both ends know it by. */
public record WireRegistration(int id, Class<?> type) {}
