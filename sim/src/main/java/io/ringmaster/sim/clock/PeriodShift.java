package io.ringmaster.sim.clock;

/**
 * A jump over {@code periods} repetitions of a period the simulation proved identical: each one moves
 * time by {@code ticks}, every GPU's program by {@code ops} ops, layer numbers by {@code layers}
 * (negative in backward, which runs layers downwards) and collective ordinals by {@code posts}.
 */
public record PeriodShift(long periods, long ticks, int ops, int layers, int posts) {
  public long tick(long tick) {
    return tick + periods * ticks;
  }

  public int layer(int layer) {
    return Math.toIntExact(layer + periods * layers);
  }

  public int ordinal(int ordinal) {
    return Math.toIntExact(ordinal + periods * posts);
  }

  /** An accumulator after the jump: each period adds what one period added. */
  public long accumulate(long value, long perPeriod) {
    return value + periods * perPeriod;
  }
}
