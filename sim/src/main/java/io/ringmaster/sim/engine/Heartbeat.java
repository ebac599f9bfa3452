package io.ringmaster.sim.engine;

import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Shows that long work is alive: whoever waits for it through {@link #await} runs {@code beat} every
 * {@code interval} of wall time, counted from this heartbeat's creation, until the work is done. The
 * waiting thread beats, so there is no timer thread to stop; waits one after another keep one cadence.
 * One thread waits through a heartbeat at a time.
 */
public final class Heartbeat {
  /** No beats. */
  public static final Heartbeat NONE = new Heartbeat(Duration.ofDays(365), () -> {});

  private final long intervalNanos;
  private final Runnable beat;
  private long nextBeatNanos;

  public Heartbeat(Duration interval, Runnable beat) {
    if (interval.isNegative() || interval.isZero()) {
      throw new IllegalArgumentException("a heartbeat needs a positive interval, got " + interval);
    }
    this.intervalNanos = interval.toNanos();
    this.beat = beat;
    this.nextBeatNanos = System.nanoTime() + intervalNanos;
  }

  /** The work's value, waiting at most {@code limit} and beating meanwhile. */
  public <T> T await(Future<T> work, Duration limit) throws InterruptedException, ExecutionException,
      TimeoutException {
    long deadlineNanos = System.nanoTime() + limit.toNanos();
    while (true) {
      long nowNanos = System.nanoTime();
      try {
        long waitNanos = Math.min(nextBeatNanos - nowNanos, deadlineNanos - nowNanos);
        return work.get(Math.max(0, waitNanos), TimeUnit.NANOSECONDS);
      } catch (TimeoutException e) {
        nowNanos = System.nanoTime();
        if (nowNanos - deadlineNanos >= 0) {
          throw e;
        }
        if (nowNanos - nextBeatNanos >= 0) {
          beat.run();
          // a wait that began late skips the beats it missed rather than catching up
          do {
            nextBeatNanos += intervalNanos;
          } while (nextBeatNanos - nowNanos <= 0);
        }
      }
    }
  }
}
