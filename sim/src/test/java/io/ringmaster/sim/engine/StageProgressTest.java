package io.ringmaster.sim.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.ringmaster.actors.protocol.RingLayout;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

class StageProgressTest {
  private final SimulationEngine engine = SharedEngine.get();

  @Test
  void snapshotsStartAtTheBeginningOnlyMoveForwardAndEndAtTheEndOfTheStep() throws Exception {
    // six micro-batches without fast-forward: enough instants for several snapshots between start and end
    StageSetup setup = FastForwardTest.stage(RingLayout.RING, 3, false, 6);
    SimOptions options = SimOptions.DEFAULT.withFastForward(false);
    List<StageProgress.Snapshot> seen = new ArrayList<>();
    StageProgress progress = new StageProgress(seen::add);
    assertThat(progress.latest()).isEqualTo(StageProgress.Snapshot.QUEUED);

    StageOutcome observed = engine.await(engine.submit(setup, options, progress), setup, Heartbeat.NONE);

    long instants = observed.engine().instants();
    // one as the coordinator starts, one every 4096 instants, one at the end
    assertThat(seen).hasSize(1 + (int) (instants / StageProgress.INSTANTS_PER_SNAPSHOT) + 1);
    assertThat(seen.size()).isGreaterThan(4);
    assertThat(seen.get(0)).isEqualTo(new StageProgress.Snapshot(StageProgress.Phase.RUNNING, 0, 0, 0));
    for (int i = 1; i < seen.size(); i++) {
      StageProgress.Snapshot before = seen.get(i - 1);
      StageProgress.Snapshot after = seen.get(i);
      assertThat(after.programCounter()).as("snapshot %d", i).isGreaterThanOrEqualTo(before.programCounter());
      assertThat(after.virtualTicks()).as("snapshot %d", i).isGreaterThanOrEqualTo(before.virtualTicks());
      assertThat(after.trainingStep()).isZero();
    }
    assertThat(seen.subList(0, seen.size() - 1)).allMatch(s -> s.phase() == StageProgress.Phase.RUNNING);
    StageProgress.Snapshot last = seen.get(seen.size() - 1);
    assertThat(last.phase()).isEqualTo(StageProgress.Phase.FINISHED);
    assertThat(last.programCounter()).isEqualTo(setup.gpus().get(0).program().ops().size());
    assertThat(last.virtualSeconds()).isEqualTo(observed.engine().virtualSeconds());
    assertThat(progress.latest()).isEqualTo(last);

    // watching changes nothing
    assertThat(FastForwardTest.json(observed)).isEqualTo(FastForwardTest.json(engine.simulate(setup, options)));
  }

  @Test
  void aHeartbeatBeatsWhileTheWorkRunsAndNotAfter() throws Exception {
    CompletableFuture<String> work = new CompletableFuture<>();
    int[] beats = {0};
    // the work ends during the third beat: the wait returns then, without a fourth
    Heartbeat heartbeat = new Heartbeat(Duration.ofMillis(1), () -> {
      if (++beats[0] == 3) {
        work.complete("done");
      }
    });
    assertThat(heartbeat.await(work, Duration.ofMinutes(1))).isEqualTo("done");
    assertThat(beats[0]).isEqualTo(3);
    assertThat(heartbeat.await(CompletableFuture.completedFuture("again"), Duration.ofMinutes(1))).isEqualTo("again");
    assertThat(beats[0]).isEqualTo(3);
  }
}
