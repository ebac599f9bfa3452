package io.ringmaster.sim.report;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonGenerator;
import io.ringmaster.actors.protocol.Activity;
import io.ringmaster.actors.protocol.Pass;
import io.ringmaster.actors.protocol.ShardSpec;
import io.ringmaster.actors.protocol.Work;
import io.ringmaster.sim.clock.Ticks;
import io.ringmaster.sim.engine.GpuTask;
import io.ringmaster.sim.engine.SimulationObserver;
import io.ringmaster.sim.engine.StageSetup;
import io.ringmaster.sim.network.Traffic;
import io.ringmaster.topology.network.Link;
import java.io.IOException;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * One simulated training step as a Chrome / Perfetto trace (the Trace Event Format's JSON, which
 * ui.perfetto.dev and chrome://tracing load): a track per GPU with its attention blocks, dense work,
 * optimizer step and what it waits for (ring blocks, ZeRO collectives, host copies), and a track per
 * busy link with the transfers crossing it. Transfers share a link, so a link gets as many tracks as
 * transfers overlap on it ("NIC n3 out", "NIC n3 out #2", ...).
 *
 * <p>It records as a {@link SimulationObserver} of a stage run without fast-forward. Big stages make
 * millions of events, so it keeps the first {@code maxEvents} in virtual time and says where it stopped.
 */
public final class ChromeTrace implements SimulationObserver {
  private static final int GPU_PROCESS = 1;
  private static final int LINK_PROCESS = 2;
  private static final double TICKS_PER_MICROSECOND = Ticks.PER_SECOND / 1e6;

  private final StageSetup setup;
  private final int maxEvents;
  private final List<Slice> slices = new ArrayList<>();
  private final Activity[] activities;
  private final long[] activitySince;
  private final Map<Integer, OpenTransfer> openTransfers = new HashMap<>();
  /** Per link id, its lanes: one per transfer that overlapped others on it. */
  private final Map<Integer, List<Lane>> lanes = new HashMap<>();
  /** Every lane, by track id (the order lanes were opened). */
  private final List<Lane> tracks = new ArrayList<>();
  private long lastEndTick;
  /** Where recording stopped when {@code maxEvents} were reached; -1 while it goes on. */
  private long stoppedTick = -1;

  public ChromeTrace(StageSetup setup, int maxEvents) {
    if (maxEvents < 1) {
      throw new IllegalArgumentException("maxEvents must be at least 1, got " + maxEvents);
    }
    this.setup = setup;
    this.maxEvents = maxEvents;
    int gpus = setup.gpus().size();
    activities = new Activity[gpus];
    activitySince = new long[gpus];
    Arrays.fill(activities, Activity.IDLE);
  }

  /**
   * What a recorded trace covers: {@code events} slices from the step's start to {@code coveredSeconds}
   * of virtual time; {@code truncated} when it stopped at its limit before the step ended.
   */
  public record Coverage(int events, double coveredSeconds, boolean truncated) {}

  public Coverage coverage() {
    boolean truncated = stoppedTick >= 0;
    return new Coverage(slices.size(), Ticks.seconds(truncated ? stoppedTick : lastEndTick), truncated);
  }

  // --- recording ---

  @Override
  public boolean watchesActivities() {
    return true;
  }

  @Override
  public void activity(int gpu, Activity activity, long sinceTick) {
    if (activity == activities[gpu] && sinceTick == activitySince[gpu]) {
      return;
    }
    String waiting = switch (activities[gpu]) {
      case RING_WAIT -> "wait: ring block";
      case COLLECTIVE_WAIT -> "wait: ZeRO collective";
      case HOST_COPY -> "host copy";
      default -> null;
    };
    if (waiting != null) {
      add(new Slice(GPU_PROCESS, gpu, waiting, "wait", activitySince[gpu], sinceTick), sinceTick);
    }
    activities[gpu] = activity;
    activitySince[gpu] = sinceTick;
  }

  @Override
  public void workStarted(int gpu, Work work, long startTick, long endTick) {
    if (work instanceof Work.AttentionBlock block) {
      add(new Slice(GPU_PROCESS, gpu, "attention " + pass(block.pass()) + " L" + block.layer() + " step " + block.step(),
          "attention", startTick, endTick), startTick);
    } else if (work instanceof Work.Dense dense) {
      add(new Slice(GPU_PROCESS, gpu, dense(dense) + " " + pass(dense.pass()) + " L" + dense.layer(), "dense",
          startTick, endTick), startTick);
    } else if (work instanceof Work.OptimizerStep step) {
      add(new Slice(GPU_PROCESS, gpu, step.onHost() ? "Adam on the host CPU" : "Adam", "optimizer", startTick,
          endTick), startTick);
    }
  }

  @Override
  public void transferStarted(long tick, int transfer, int[] links, long bytes, Traffic traffic) {
    if (stoppedTick >= 0 || links.length == 0) {
      return;
    }
    int[] laneIds = new int[links.length];
    for (int i = 0; i < links.length; i++) {
      laneIds[i] = takeLane(links[i]);
    }
    openTransfers.put(transfer, new OpenTransfer(tick, links, laneIds, name(traffic, bytes), traffic));
  }

  @Override
  public void transferFinished(long tick, int transfer) {
    OpenTransfer open = openTransfers.remove(transfer);
    if (open == null) {
      return;
    }
    for (int i = 0; i < open.links().length; i++) {
      Lane lane = lanes.get(open.links()[i]).get(open.laneIds()[i]);
      lane.busy = false;
      add(new Slice(LINK_PROCESS, lane.track, open.name(), open.traffic().name().toLowerCase(Locale.ROOT),
          open.startTick(), tick), tick);
    }
  }

  private int takeLane(int link) {
    List<Lane> linkLanes = lanes.computeIfAbsent(link, id -> new ArrayList<>());
    for (int i = 0; i < linkLanes.size(); i++) {
      if (!linkLanes.get(i).busy) {
        linkLanes.get(i).busy = true;
        return i;
      }
    }
    Lane lane = new Lane(tracks.size(), link, linkLanes.size());
    lane.busy = true;
    linkLanes.add(lane);
    tracks.add(lane);
    return lane.index;
  }

  /** Records {@code slice}, reported at {@code nowTick}, unless the trace is full. */
  private void add(Slice slice, long nowTick) {
    if (stoppedTick >= 0) {
      return;
    }
    if (slices.size() == maxEvents) {
      stoppedTick = nowTick;
      return;
    }
    slices.add(slice);
    lastEndTick = Math.max(lastEndTick, slice.endTick());
  }

  // --- writing ---

  /** Writes the trace: metadata naming every track, then every slice as a complete ("X") event. */
  public void write(OutputStream out) throws IOException {
    try (JsonGenerator json = Json.MAPPER.getFactory().createGenerator(out, JsonEncoding.UTF8)) {
      json.writeStartObject();
      json.writeStringField("displayTimeUnit", "ms");
      json.writeObjectFieldStart("otherData");
      json.writeStringField("stage", setup.stage());
      json.writeStringField("source", "ringmaster simulate --trace: one training step in virtual time");
      Coverage coverage = coverage();
      json.writeNumberField("events", coverage.events());
      json.writeBooleanField("truncated", coverage.truncated());
      json.writeEndObject();
      json.writeArrayFieldStart("traceEvents");
      metadata(json, GPU_PROCESS, "process_name", 0, "name", "GPUs");
      metadata(json, LINK_PROCESS, "process_name", 0, "name", "links (busy ones)");
      for (int gpu = 0; gpu < setup.gpus().size(); gpu++) {
        GpuTask task = setup.gpus().get(gpu);
        ShardSpec shard = task.shard();
        threadName(json, GPU_PROCESS, gpu, "GPU " + task.clusterGpu() + " (ring " + shard.ring() + ", rank "
            + shard.rank() + ")", gpu);
      }
      List<Lane> byLink = new ArrayList<>(tracks);
      byLink.sort(Comparator.comparingInt((Lane lane) -> lane.link).thenComparingInt(lane -> lane.index));
      for (int position = 0; position < byLink.size(); position++) {
        Lane lane = byLink.get(position);
        threadName(json, LINK_PROCESS, lane.track, laneName(lane), position);
      }
      for (Slice slice : slices) {
        json.writeStartObject();
        json.writeStringField("name", slice.name());
        json.writeStringField("cat", slice.category());
        json.writeStringField("ph", "X");
        json.writeNumberField("ts", slice.startTick() / TICKS_PER_MICROSECOND);
        json.writeNumberField("dur", (slice.endTick() - slice.startTick()) / TICKS_PER_MICROSECOND);
        json.writeNumberField("pid", slice.process());
        json.writeNumberField("tid", slice.track());
        json.writeEndObject();
      }
      json.writeEndArray();
      json.writeEndObject();
    }
  }

  /** "NIC n3.nic0>leaf0", "#2" and on for a link's further lanes. */
  private String laneName(Lane lane) {
    Link link = setup.network().links().get(lane.link);
    String kind = link.kind().name().toLowerCase(Locale.ROOT).replace('_', ' ');
    return kind + " " + link.name() + (lane.index == 0 ? "" : " #" + (lane.index + 1));
  }

  private static void threadName(JsonGenerator json, int process, int track, String name, int sortIndex)
      throws IOException {
    metadata(json, process, "thread_name", track, "name", name);
    metadata(json, process, "thread_sort_index", track, "sort_index", sortIndex);
  }

  /** A metadata ("M") event: {@code kind} of track {@code track} of {@code process} is {@code value}. */
  private static void metadata(JsonGenerator json, int process, String kind, int track, String field, Object value)
      throws IOException {
    json.writeStartObject();
    json.writeStringField("name", kind);
    json.writeStringField("ph", "M");
    json.writeNumberField("pid", process);
    json.writeNumberField("tid", track);
    json.writeObjectFieldStart("args");
    json.writeObjectField(field, value);
    json.writeEndObject();
    json.writeEndObject();
  }

  private static String pass(Pass pass) {
    return switch (pass) {
      case FORWARD -> "fwd";
      case RECOMPUTE -> "recompute";
      case BACKWARD -> "bwd";
    };
  }

  private static String dense(Work.Dense dense) {
    return switch (dense.kind()) {
      case EMBEDDING -> "embedding";
      case BEFORE_ATTENTION -> "norm, QKV, RoPE";
      case AFTER_ATTENTION -> "O, norm, MLP";
      case LM_HEAD -> "LM head, loss";
      case ROPE -> "RoPE";
    };
  }

  private static String name(Traffic traffic, long bytes) {
    String what = switch (traffic) {
      case RING -> "ring block";
      case COLLECTIVE -> "ZeRO collective";
      case OFFLOAD -> "host copy";
    };
    return String.format(Locale.ROOT, "%s %.1f MB", what, bytes / 1e6);
  }

  private record Slice(int process, int track, String name, String category, long startTick, long endTick) {}

  private record OpenTransfer(long startTick, int[] links, int[] laneIds, String name, Traffic traffic) {}

  private static final class Lane {
    private final int track;
    private final int link;
    private final int index;
    private boolean busy;

    private Lane(int track, int link, int index) {
      this.track = track;
      this.link = link;
      this.index = index;
    }
  }
}
