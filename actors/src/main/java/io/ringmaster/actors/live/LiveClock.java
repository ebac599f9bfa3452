package io.ringmaster.actors.live;

import java.time.Instant;

/**
 * Wall-clock nanoseconds since the Unix epoch, read through the monotonic clock: durations never go
 * backwards within a JVM, and instants of worker JVMs on one machine (or on NTP-synchronised hosts)
 * can be laid on one time line, as a stage report spanning several workers needs.
 */
final class LiveClock {
  static final double SECONDS_PER_TICK = 1e-9;
  private static final long EPOCH_OFFSET_NANOS = epochNanos(Instant.now()) - System.nanoTime();

  private LiveClock() {}

  static long nowTicks() {
    return System.nanoTime() + EPOCH_OFFSET_NANOS;
  }

  private static long epochNanos(Instant instant) {
    return instant.getEpochSecond() * 1_000_000_000L + instant.getNano();
  }
}
