package io.ringmaster.actors.gpu;

/**
 * The virtual-time side of a simulated GPU actor. The coordinator hands the actor every command of
 * one virtual instant in a single {@link GpuActor.VirtualInstant}; the actor tells this port when the
 * instant is entered and when it has processed all of it. Live actors get no virtual instants and use
 * {@link #NONE}.
 */
public interface VirtualTime {
  VirtualTime NONE = new VirtualTime() {
    @Override
    public void enter(long tick) {
      throw new IllegalStateException("a live GPU actor got a virtual instant");
    }

    @Override
    public void processed(ProgramRunner runner) {
      throw new IllegalStateException("a live GPU actor got a virtual instant");
    }
  };

  /** The clock now reads {@code tick}. */
  void enter(long tick);

  /** Every command of the instant (or a fast-forward) has been handled; {@code runner} is the state after it. */
  void processed(ProgramRunner runner);
}
