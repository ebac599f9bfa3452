package io.ringmaster.app.live;

import io.ringmaster.actors.gpu.GpuActor;
import io.ringmaster.actors.live.AttentionProgram;
import io.ringmaster.actors.protocol.RingLayout;
import io.ringmaster.actors.protocol.ShardData;
import io.ringmaster.actors.protocol.ShardSpec;
import io.ringmaster.actors.protocol.StepProgram;
import io.ringmaster.actors.stage.StageDirector;
import io.ringmaster.kernels.HeadLayout;
import io.ringmaster.kernels.Masking;
import io.ringmaster.sim.cost.CostModel;
import io.ringmaster.sim.cost.GpuProfile;
import io.ringmaster.sim.engine.GpuTask;
import io.ringmaster.sim.engine.StageSetup;
import io.ringmaster.topology.input.InputError;
import io.ringmaster.topology.input.Origin;
import io.ringmaster.topology.model.ModelSpec;
import io.ringmaster.topology.network.ClusterNetwork;
import io.ringmaster.topology.placement.Ring;
import io.ringmaster.topology.plan.Precision;
import io.ringmaster.topology.plan.Stage;
import io.ringmaster.topology.plan.TrainingPlan;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.IntStream;
import org.apache.pekko.actor.typed.ActorRef;

/**
 * One stage of a plan as live mode runs it: the plan's rings, placed as the plan says on the cluster's
 * GPUs (GPU g is the g-th GPU actor discovered, in node order), each GPU running the attention-only
 * {@link AttentionProgram} on seeded activations. The same shards and program, simulated on the plan's
 * cluster, are what a live run is compared with.
 */
public final class LivePlan {
  /** The seed of the activations every live plan run draws (the same values run after run). */
  public static final long ACTIVATION_SEED = 20_240_601L;

  private final TrainingPlan plan;
  private final Stage stage;
  /** The cluster GPU of each job GPU, in job (ZeRO rank) order. */
  private final int[] clusterGpus;
  private final List<ShardSpec> shards;
  private final StepProgram program;

  private LivePlan(TrainingPlan plan, Stage stage) {
    this.plan = plan;
    this.stage = stage;
    List<Ring> rings = stage.ringLayout();
    this.clusterGpus = rings.stream().flatMap(ring -> ring.gpus().stream()).mapToInt(Integer::intValue).sorted()
        .toArray();
    HeadLayout heads = heads(plan.model());
    this.program = AttentionProgram.of(plan.model().layers(), stage.tokensPerGpu(), heads);
    ShardSpec[] byJobGpu = new ShardSpec[clusterGpus.length];
    for (Ring ring : rings) {
      for (int rank = 0; rank < ring.size(); rank++) {
        int job = Arrays.binarySearch(clusterGpus, ring.gpu(rank));
        byJobGpu[job] = new ShardSpec(stage.name(), job, ring.index(), rank, ring.size(), stage.tokensPerGpu(),
            RingLayout.valueOf(plan.settings().layout().name()), Masking.CAUSAL, heads, Float.BYTES,
            plan.cluster().node().gpu().memoryBytes());
      }
    }
    this.shards = List.of(byJobGpu);
  }

  /**
   * @throws InputError when the plan asks for what live mode cannot run: bf16 (the cpu backend computes
   *     and sends fp32)
   */
  public static LivePlan of(TrainingPlan plan, Stage stage) {
    if (plan.settings().precision() != Precision.FP32) {
      throw new InputError(Origin.of("plan " + plan.name()), "precision", "live mode computes and sends fp32 on the"
          + " cpu backend; expected fp32, got " + plan.settings().precision().label());
    }
    return new LivePlan(plan, stage);
  }

  public TrainingPlan plan() {
    return plan;
  }

  public Stage stage() {
    return stage;
  }

  public StepProgram program() {
    return program;
  }

  /** Shards in job order (index = the GPU's job index). */
  public List<ShardSpec> shards() {
    return shards;
  }

  public double ropeTheta() {
    return plan.ropeTheta(stage);
  }

  /** GPU actors the stage needs: every cluster GPU up to the highest one its rings use. */
  public int gpuActorsNeeded() {
    return clusterGpus[clusterGpus.length - 1] + 1;
  }

  /** Assignments for the discovered GPU actors (cluster GPU g is {@code gpus.get(g)}). */
  public List<StageDirector.Assignment> assignments(List<ActorRef<GpuActor.Command>> gpus) {
    ShardData data = new ShardData.Seeded(ACTIVATION_SEED, plan.model().layers(), ropeTheta());
    return IntStream.range(0, shards.size())
        .mapToObj(job -> new StageDirector.Assignment(gpus.get(clusterGpus[job]), shards.get(job), program, data))
        .toList();
  }

  /** The same stage for the simulation: the same shards and program on the plan's cluster. */
  public StageSetup simulation(GpuProfile profile, int steps) {
    List<GpuTask> tasks = new ArrayList<>();
    for (int job = 0; job < shards.size(); job++) {
      tasks.add(new GpuTask(clusterGpus[job], shards.get(job), program));
    }
    return new StageSetup(stage.name(), ClusterNetwork.of(plan.cluster()), tasks,
        new CostModel(profile, heads(plan.model()), Float.BYTES), steps);
  }

  private static HeadLayout heads(ModelSpec model) {
    return new HeadLayout(model.attentionHeads(), model.kvHeads(), model.headDim());
  }
}
