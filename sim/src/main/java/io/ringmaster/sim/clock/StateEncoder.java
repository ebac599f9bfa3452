package io.ringmaster.sim.clock;

import java.util.Arrays;

/**
 * Writes a simulation's state as a sequence of longs, every position-like value relative to a
 * reference (the reference GPU's program counter, layer and collective count, and the current tick),
 * so that two states one period apart encode to equal arrays exactly when the later one is the
 * earlier one shifted by that period.
 */
public final class StateEncoder {
  private long[] values = new long[4096];
  private int size;
  private final long referenceTick;
  private final int referencePc;
  private final int referenceLayer;
  private final int referencePosts;

  public StateEncoder(long referenceTick, int referencePc, int referenceLayer, int referencePosts) {
    this.referenceTick = referenceTick;
    this.referencePc = referencePc;
    this.referenceLayer = referenceLayer;
    this.referencePosts = referencePosts;
  }

  public StateEncoder value(long value) {
    if (size == values.length) {
      values = Arrays.copyOf(values, size * 2);
    }
    values[size++] = value;
    return this;
  }

  public StateEncoder flag(boolean flag) {
    return value(flag ? 1 : 0);
  }

  public StateEncoder bits(double value) {
    return value(Double.doubleToRawLongBits(value));
  }

  public StateEncoder time(long tick) {
    return value(tick - referenceTick);
  }

  public StateEncoder pc(int pc) {
    return value(pc - referencePc);
  }

  public StateEncoder layer(int layer) {
    return value(layer - referenceLayer);
  }

  public StateEncoder ordinal(long ordinal) {
    return value(ordinal - referencePosts);
  }

  public int size() {
    return size;
  }

  public long[] toArray() {
    return Arrays.copyOf(values, size);
  }
}
