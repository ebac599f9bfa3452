package io.ringmaster.sim.engine;

import io.ringmaster.sim.clock.Ticks;
import java.util.function.Consumer;

/**
 * How far a stage's simulation has come, for progress lines: GPU 0's place in its step program and the
 * virtual time, as the stage's coordinator last published them. The coordinator publishes when it
 * starts, every {@link #INSTANTS_PER_SNAPSHOT} virtual instants (not every event: its loop runs tens of
 * millions of instants) and when it finishes; any thread may read the latest snapshot. Publishing only
 * reads the simulation's state, so nothing the simulation does depends on it.
 */
public final class StageProgress {
  /**
   * Instants between snapshots: about a hundred a second on the big stages, one state read per 4096
   * instants of about 1.6 µs each (docs/simulation.md), well below anything measurable. A power of two,
   * so that the coordinator's check is a mask.
   */
  static final int INSTANTS_PER_SNAPSHOT = 1 << 12;

  /** Where a stage is in its life. */
  public enum Phase { QUEUED, RUNNING, FINISHED }

  /**
   * @param trainingStep the step GPU 0 runs, from 0
   * @param programCounter GPU 0's position in its step program: the op it runs or waits on; the
   *     program's length once the step is done
   * @param virtualTicks the virtual instant (nanoseconds from the stage's start)
   */
  public record Snapshot(Phase phase, int trainingStep, int programCounter, long virtualTicks) {
    public static final Snapshot QUEUED = new Snapshot(Phase.QUEUED, 0, 0, 0);

    public double virtualSeconds() {
      return Ticks.seconds(virtualTicks);
    }
  }

  private final Consumer<Snapshot> onPublish;
  private volatile Snapshot latest = Snapshot.QUEUED;

  /** Progress that is only read ({@link #latest}). */
  public StageProgress() {
    this(snapshot -> {});
  }

  /** Progress that also hands every snapshot to {@code onPublish}, on the coordinator's thread, as it is published. */
  public StageProgress(Consumer<Snapshot> onPublish) {
    this.onPublish = onPublish;
  }

  public Snapshot latest() {
    return latest;
  }

  void publish(Snapshot snapshot) {
    latest = snapshot;
    onPublish.accept(snapshot);
  }
}
