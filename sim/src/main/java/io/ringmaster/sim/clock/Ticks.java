package io.ringmaster.sim.clock;

/**
 * Virtual time is an integer count of nanoseconds. Integer time makes the order of events exact (no
 * two runs can round an instant differently) and a shift of a whole schedule by a period exact, which
 * fast-forwarding over identical layers relies on. Durations round up to the next nanosecond, at most
 * a millionth of the millisecond-long blocks and transfers the simulation is made of; finer ticks
 * (picoseconds were tried) keep rounding jitter of a few ticks alive from layer to layer, so a
 * converged schedule never repeats exactly and nothing can be skipped. A long holds 292 years.
 */
public final class Ticks {
  public static final double PER_SECOND = 1e9;
  public static final long NEVER = Long.MAX_VALUE;

  private Ticks() {}

  /** A duration rounded up, so that nothing is ever done before its time. */
  public static long ofSeconds(double seconds) {
    if (!(seconds >= 0) || Double.isInfinite(seconds)) {
      throw new IllegalArgumentException("a duration must be finite and non-negative: " + seconds);
    }
    return (long) Math.ceil(seconds * PER_SECOND);
  }

  public static double seconds(long ticks) {
    return ticks / PER_SECOND;
  }
}
