package io.ringmaster.sim.report;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ringmaster.actors.protocol.RingLayout;
import io.ringmaster.kernels.Masking;
import io.ringmaster.sim.cost.ProfileLoader;
import io.ringmaster.sim.engine.SharedEngine;
import io.ringmaster.sim.engine.SimOptions;
import io.ringmaster.sim.engine.StageOutcome;
import io.ringmaster.sim.engine.StageSetup;
import io.ringmaster.sim.engine.TestClusters;
import io.ringmaster.sim.workload.MemoryTerms;
import io.ringmaster.sim.workload.ModelShape;
import io.ringmaster.sim.workload.StageAssembly;
import io.ringmaster.sim.workload.StageShape;
import io.ringmaster.sim.workload.StageWorkload;
import io.ringmaster.sim.workload.TrainingSetup;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class ChromeTraceTest {
  private static final ModelShape MODEL = new ModelShape(2, 1024, 16, 4, 64, 3584, 32000);
  private static final int GPUS = 8;
  private static final int RING = 4;
  private static final StageSetup SETUP = setup();

  @Test
  void everyGpuHasItsBlocksDenseWorkAndWaitsAndEveryBusyLinkItsTransfersWithoutOverlap() throws Exception {
    ChromeTrace trace = new ChromeTrace(SETUP, 1_000_000);
    StageOutcome outcome = simulate(trace);
    JsonNode json = written(trace);
    assertThat(trace.coverage().truncated()).isFalse();
    assertThat(json.get("otherData").get("truncated").asBoolean()).isFalse();

    List<JsonNode> slices = new ArrayList<>();
    Map<String, String> trackNames = new HashMap<>();
    for (JsonNode event : json.get("traceEvents")) {
      if (event.get("ph").asText().equals("X")) {
        slices.add(event);
      } else if (event.get("name").asText().equals("thread_name")) {
        trackNames.put(track(event), event.get("args").get("name").asText());
      }
    }
    assertThat(slices).hasSize(trace.coverage().events());
    // zigzag: a block at every ring step; forward, recompute and backward of each layer
    long blocksPerGpu = 2L * 3 * RING;
    for (int gpu = 0; gpu < GPUS; gpu++) {
      int g = gpu;
      assertThat(slices.stream().filter(s -> s.get("pid").asInt() == 1 && s.get("tid").asInt() == g
          && s.get("cat").asText().equals("attention"))).hasSize((int) blocksPerGpu);
      assertThat(trackNames.get("1/" + gpu)).startsWith("GPU " + gpu + " (ring " + gpu / RING);
    }
    assertThat(outcome.report().steps().get(0).gpus().get(0).attentionBlocks()).isEqualTo(blocksPerGpu);
    assertThat(slices).anyMatch(s -> s.get("cat").asText().equals("dense"))
        .anyMatch(s -> s.get("cat").asText().equals("optimizer"))
        .anyMatch(s -> s.get("cat").asText().equals("wait"))
        .anyMatch(s -> s.get("cat").asText().equals("ring"))
        .anyMatch(s -> s.get("cat").asText().equals("collective"))
        .anyMatch(s -> s.get("cat").asText().equals("offload"));
    assertThat(trackNames).containsValue("nic n0.nic0>switch");

    double stepMicros = outcome.report().steps().get(0).finishSeconds() * 1e6;
    Map<String, List<JsonNode>> byTrack = new HashMap<>();
    for (JsonNode slice : slices) {
      assertThat(slice.get("ts").asDouble()).isGreaterThanOrEqualTo(0);
      assertThat(slice.get("dur").asDouble()).isGreaterThanOrEqualTo(0);
      assertThat(slice.get("ts").asDouble() + slice.get("dur").asDouble()).isLessThanOrEqualTo(stepMicros + 1e-3);
      assertThat(trackNames).containsKey(track(slice));
      byTrack.computeIfAbsent(track(slice), key -> new ArrayList<>()).add(slice);
    }
    // Perfetto nests slices of a track: ours must not overlap on any track
    for (List<JsonNode> track : byTrack.values()) {
      track.sort(Comparator.comparingDouble(s -> s.get("ts").asDouble()));
      for (int i = 1; i < track.size(); i++) {
        JsonNode before = track.get(i - 1);
        assertThat(track.get(i).get("ts").asDouble())
            .isGreaterThanOrEqualTo(before.get("ts").asDouble() + before.get("dur").asDouble() - 1e-6);
      }
    }
  }

  @Test
  void aTraceStopsAtItsLimitAndSaysWhere() throws Exception {
    ChromeTrace trace = new ChromeTrace(SETUP, 50);
    StageOutcome outcome = simulate(trace);
    ChromeTrace.Coverage coverage = trace.coverage();
    assertThat(coverage.events()).isEqualTo(50);
    assertThat(coverage.truncated()).isTrue();
    assertThat(coverage.coveredSeconds()).isPositive()
        .isLessThan(outcome.report().steps().get(0).finishSeconds());
    JsonNode json = written(trace);
    assertThat(json.get("otherData").get("truncated").asBoolean()).isTrue();
    assertThat(json.get("otherData").get("events").asInt()).isEqualTo(50);
  }

  private static StageOutcome simulate(ChromeTrace trace) {
    return SharedEngine.get().simulate(SETUP, SimOptions.DEFAULT.withObserver(trace).withFastForward(false));
  }

  /** Two nodes of four L40S over PCIe, two rings of four: ZeRO-3 with offload, so every kind of event. */
  private static StageSetup setup() {
    TrainingSetup training = new TrainingSetup(2, 3, true, true, true, RingLayout.ZIGZAG, Masking.CAUSAL);
    StageShape stage = new StageShape("trace", 8L * 2048, RING, GPUS / RING, 1);
    List<List<Integer>> rings = List.of(IntStream.range(0, RING).boxed().toList(),
        IntStream.range(RING, GPUS).boxed().toList());
    StageWorkload workload = new StageWorkload(MODEL, training, stage, rings, MemoryTerms.untracked(48L << 30));
    return StageAssembly.setup(workload, TestClusters.pcieNodes(2, 4), ProfileLoader.load("l40s"), 1);
  }

  private static JsonNode written(ChromeTrace trace) throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    trace.write(out);
    return new ObjectMapper().readTree(out.toByteArray());
  }

  private static String track(JsonNode event) {
    return event.get("pid").asInt() + "/" + event.get("tid").asInt();
  }
}
