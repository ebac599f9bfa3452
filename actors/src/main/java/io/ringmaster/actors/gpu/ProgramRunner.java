package io.ringmaster.actors.gpu;

import io.ringmaster.actors.protocol.Activity;
import io.ringmaster.actors.protocol.BlockContent;
import io.ringmaster.actors.protocol.BlockReport;
import io.ringmaster.actors.protocol.BlockShape;
import io.ringmaster.actors.protocol.GpuStepReport;
import io.ringmaster.actors.protocol.MemoryHeld;
import io.ringmaster.actors.protocol.Pass;
import io.ringmaster.actors.protocol.PayloadSize;
import io.ringmaster.actors.protocol.ShardSpec;
import io.ringmaster.actors.protocol.StepOp;
import io.ringmaster.actors.protocol.StepProgram;
import io.ringmaster.actors.protocol.Work;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * A GPU's training-step program as a state machine over its compute stream: the heart of the GPU
 * actor, the same in sim and live. It reacts to completions (work, exchanges, collectives, copies)
 * and issues the next work as soon as the program allows.
 *
 * <p>Ring attention follows zhuzilin/ring-flash-attention on NCCL. Forward (and recompute), step s:
 * post the exchange of the K,V block held to the next rank (receiving the next one), compute the
 * block, and start step s+1 once both the block and the exchange are done. Backward, step s: post the
 * K,V exchange, compute the block's gradients, wait for the dK,dV of this block from the previous
 * rank, add and post them onward (fp32); step s+1 starts once that is posted and the K,V exchange is
 * done; after the last step the rank waits for its own block's dK,dV to come home.
 */
public final class ProgramRunner {
  private static final Activity[] ACTIVITIES = Activity.values();
  /** Accumulator slots: ticks per activity, then attention blocks, then ring bytes sent. */
  public static final int ACCUMULATORS = ACTIVITIES.length + 2;
  private static final int BLOCKS = ACTIVITIES.length;
  private static final int RING_BYTES = ACTIVITIES.length + 1;

  private static final int COMPUTING = 0;
  private static final int GRADIENTS_POSTED = 1;

  /** Where a GPU actor's reports go. */
  public interface Listener {
    void blockDone(BlockReport block);

    void stepDone(GpuStepReport report);
  }

  private final ShardSpec shard;
  /** The block of each ring step: the same in every pass and layer, worked out once. */
  private final BlockShape[] blocks;
  private final StepOp[] ops;
  private final Device device;
  private final RingTransport transport;
  private final Collectives collectives;
  private final Listener listener;
  private final PayloadSize kvPayload;
  private final PayloadSize gradientPayload;

  private int trainingStep;
  private boolean running;
  private boolean reportBlocks;
  private int pc;
  private boolean computing;
  private boolean copying;
  private int posted;
  /** Every collective up to this ordinal is done; those beyond it that are done are in {@link #doneAhead}. */
  private int completed;
  private final java.util.BitSet doneAhead = new java.util.BitSet();

  private boolean inPass;
  private Pass pass = Pass.FORWARD;
  private int layer;
  private int ringStep;
  private int passPhase;
  private int kvSent;
  private int kvReceived;
  private int gradientsSent;
  private int gradientsReceived;
  private long blockStartTick;
  /** Blocks that arrived before their pass began: live sends are eager, sim sends never are. */
  private final ArrayDeque<GpuActor.KvBlock> early = new ArrayDeque<>();

  private Activity activity = Activity.IDLE;
  private long activitySinceTick;
  private long startTick;
  private final long[] accumulators = new long[ACCUMULATORS];
  private long memoryBytes;
  private long peakMemoryBytes;
  private long windowPeakMemoryBytes;
  private boolean outOfMemory;

  public ProgramRunner(ShardSpec shard, StepProgram program, GpuWiring wiring, Listener listener) {
    this.shard = shard;
    this.ops = program.ops().toArray(new StepOp[0]);
    this.device = wiring.device();
    this.transport = wiring.transport();
    this.collectives = wiring.collectives();
    this.listener = listener;
    this.kvPayload = new PayloadSize(shard.kvBlockBytes());
    this.gradientPayload = new PayloadSize(shard.kvGradientBytes());
    this.blocks = distinctShapes(shard);
  }

  /**
   * The block of each ring step, equal shapes sharing one object: a rank has two or three distinct
   * shapes, and a stage of hundreds of runners reading a fresh object every ring step missed the cache.
   */
  private static BlockShape[] distinctShapes(ShardSpec shard) {
    BlockShape[] byStep = new BlockShape[shard.ringSize()];
    Map<BlockShape, BlockShape> distinct = new HashMap<>();
    for (int step = 0; step < byStep.length; step++) {
      byStep[step] = distinct.computeIfAbsent(shard.block(step), shape -> shape);
    }
    return byStep;
  }

  private void start(int step, boolean reportEveryBlock) {
    if (running) {
      throw new IllegalStateException("GPU " + shard.gpu() + " is still running step " + trainingStep);
    }
    trainingStep = step;
    reportBlocks = reportEveryBlock;
    running = true;
    pc = 0;
    posted = 0;
    completed = 0;
    doneAhead.clear();
    java.util.Arrays.fill(accumulators, 0);
    peakMemoryBytes = memoryBytes;
    windowPeakMemoryBytes = memoryBytes;
    outOfMemory = memoryBytes > shard.memoryCapacityBytes();
    startTick = device.nowTicks();
    activitySinceTick = startTick;
    activity = Activity.IDLE;
    advance();
  }

  public boolean running() {
    return running;
  }

  /** Inside a ring pass: what comes next are blocks, exchanges and block completions. */
  public boolean inRingPass() {
    return inPass;
  }

  /** Inside a ring pass, at its first ring step: cheaper to ask than {@link #state}, asked every instant. */
  public boolean atFirstRingStep() {
    return inPass && ringStep == 0;
  }

  /** The program this runner runs, as an array (shared, not to be modified). */
  public StepOp[] ops() {
    return ops;
  }

  /**
   * Everything that decides what this runner does next, for the simulation's period detection: two
   * runners in equal states (times taken relative to now) behave alike from then on.
   */
  public State state() {
    return new State(running, trainingStep, pc, computing, copying, posted, completed, doneAhead.toLongArray(),
        inPass, pass, layer, ringStep, passPhase, kvSent, kvReceived, gradientsSent, gradientsReceived, activity,
        activitySinceTick, blockStartTick, memoryBytes, outOfMemory, early.size());
  }

  /** Ticks per activity, attention blocks, ring bytes sent, in this step so far (a copy). */
  public long[] accumulators() {
    return accumulators.clone();
  }

  /** Device memory allocated now. */
  public long memoryBytes() {
    return memoryBytes;
  }

  /** The most memory held since the last call (or the step start); starts the next window. */
  public long takeWindowPeakMemory() {
    long peak = windowPeakMemoryBytes;
    windowPeakMemoryBytes = memoryBytes;
    return peak;
  }

  /**
   * Sim only: jumps over {@code periods} repetitions of a period that the simulation proved identical:
   * each repetition advances the program by {@code ops} ops, layers by {@code layers}, posted
   * collectives by {@code posts}, time by {@code ticks}, adds {@code accumulatorDelta} and
   * {@code memoryDelta} bytes of memory. {@code periodPeakMemoryBytes} is the most memory held during
   * the period repeated; each repetition holds {@code memoryDelta} more (or less) at every point.
   */
  public void fastForward(long periods, long ticks, int ops, int layers, int posts, long[] accumulatorDelta,
      long memoryDelta, long periodPeakMemoryBytes) {
    long skippedPeak = periodPeakMemoryBytes + (memoryDelta > 0 ? periods : 1) * memoryDelta;
    peakMemoryBytes = Math.max(peakMemoryBytes, skippedPeak);
    if (skippedPeak > shard.memoryCapacityBytes()) {
      outOfMemory = true;
    }
    memoryBytes += periods * memoryDelta;
    windowPeakMemoryBytes = memoryBytes;
    pc = Math.toIntExact(pc + periods * ops);
    if (inPass) {
      layer = Math.toIntExact(layer + periods * layers);
    }
    posted = Math.toIntExact(posted + periods * posts);
    completed = Math.toIntExact(completed + periods * posts);
    activitySinceTick += periods * ticks;
    blockStartTick += periods * ticks;
    for (int i = 0; i < ACCUMULATORS; i++) {
      accumulators[i] += periods * accumulatorDelta[i];
    }
  }

  /**
   * A runner's dynamic state (see {@link #state}); {@code doneAhead} has bit i set when collective
   * {@code completed + i} is done.
   */
  public record State(boolean running, int trainingStep, int pc, boolean computing, boolean copying, int posted,
      int completed, long[] doneAhead, boolean inPass, Pass pass, int layer, int ringStep, int passPhase, int kvSent, int kvReceived,
      int gradientsSent, int gradientsReceived, Activity activity, long activitySinceTick, long blockStartTick,
      long memoryBytes, boolean outOfMemory, int earlyBlocks) {}

  /** Handles one command of the step (everything but the shard assignment). */
  public void handle(GpuActor.Command command) {
    if (command instanceof GpuActor.KvBlock block) {
      onKvBlock(block);
    } else if (command instanceof GpuActor.WorkCompleted) {
      onWorkCompleted();
    } else if (command instanceof GpuActor.SendCompleted sent) {
      onSendCompleted(sent);
    } else if (command instanceof GpuActor.CollectiveCompleted collective) {
      onCollectiveCompleted(collective.ordinal());
    } else if (command instanceof GpuActor.HostCopyCompleted) {
      onHostCopyCompleted();
    } else if (command instanceof GpuActor.RunStep run) {
      start(run.step(), run.reportBlocks());
    } else {
      throw new IllegalArgumentException("GPU " + shard.gpu() + " cannot run " + command);
    }
  }

  private void onWorkCompleted() {
    if (!computing) {
      throw new IllegalStateException("GPU " + shard.gpu() + ": work completed but none was running");
    }
    computing = false;
    StepOp op = ops[pc];
    if (op instanceof StepOp.RingAttention) {
      blockFinished();
    } else {
      pc++;
    }
    advance();
  }

  private void onKvBlock(GpuActor.KvBlock block) {
    if (!inPass || block.pass() != pass || block.layer() != layer) {
      early.add(block);
      return;
    }
    accept(block);
    advance();
  }

  private void onSendCompleted(GpuActor.SendCompleted sent) {
    checkCurrent(sent.pass(), sent.layer(), "send completion");
    if (sent.content() == BlockContent.KEYS_VALUES) {
      expectStep(sent.step(), kvSent, "K,V send");
      kvSent++;
    } else {
      expectStep(sent.step(), gradientsSent, "dK,dV send");
      gradientsSent++;
    }
    advance();
  }

  private void onCollectiveCompleted(int ordinal) {
    if (ordinal <= completed || ordinal > posted || doneAhead.get(ordinal - completed)) {
      throw new IllegalStateException("GPU " + shard.gpu() + ": collective " + ordinal + " completed twice or"
          + " before it was posted (" + posted + " posted)");
    }
    doneAhead.set(ordinal - completed);
    while (doneAhead.get(1)) {
      completed++;
      shiftDoneAhead(1);
    }
    advance();
  }

  private boolean collectiveDone(int ordinal) {
    return ordinal <= completed || doneAhead.get(ordinal - completed);
  }

  /** Moves the window of collectives done ahead of {@link #completed} down by {@code by}. */
  private void shiftDoneAhead(int by) {
    java.util.BitSet moved = doneAhead.get(by, Math.max(by, doneAhead.length()));
    doneAhead.clear();
    doneAhead.or(moved);
  }

  private void onHostCopyCompleted() {
    if (!copying) {
      throw new IllegalStateException("GPU " + shard.gpu() + ": host copy completed but none was running");
    }
    copying = false;
    pc++;
    advance();
  }

  private void advance() {
    while (running && !computing && !copying) {
      if (pc == ops.length) {
        finish();
        return;
      }
      StepOp op = ops[pc];
      if (op instanceof StepOp.Compute compute) {
        startWork(compute.work());
        return;
      } else if (op instanceof StepOp.RingAttention ringAttention) {
        if (!inPass) {
          beginPass(ringAttention);
        }
        if (!advancePass()) {
          return;
        }
        inPass = false;
        pc++;
      } else if (op instanceof StepOp.PostCollective collective) {
        posted++;
        collectives.post(collective, posted);
        pc++;
      } else if (op instanceof StepOp.AwaitCollective await) {
        if (!collectiveDone(posted - await.postsAgo())) {
          become(Activity.COLLECTIVE_WAIT);
          return;
        }
        pc++;
      } else if (op instanceof StepOp.AwaitAllCollectives) {
        if (completed < posted) {
          become(Activity.COLLECTIVE_WAIT);
          return;
        }
        pc++;
      } else if (op instanceof StepOp.HostCopy copy) {
        copying = true;
        become(Activity.HOST_COPY);
        collectives.hostCopy(copy.direction(), copy.bytes());
        return;
      } else if (op instanceof StepOp.Memory memory) {
        allocate(memory.deltaBytes());
        pc++;
      }
    }
  }

  private void beginPass(StepOp.RingAttention ringAttention) {
    inPass = true;
    pass = ringAttention.pass();
    layer = ringAttention.layer();
    ringStep = 0;
    passPhase = COMPUTING;
    kvSent = 0;
    kvReceived = 0;
    gradientsSent = 0;
    gradientsReceived = 0;
    beginRingStep();
    drainEarlyBlocks();
  }

  /** True once the pass is complete. */
  private boolean advancePass() {
    return pass == Pass.BACKWARD ? advanceBackward() : advanceForward();
  }

  private boolean advanceForward() {
    int lastStep = shard.ringSize() - 1;
    while (!computing) {
      if (ringStep < lastStep && !exchanged(ringStep)) {
        become(Activity.RING_WAIT);
        return false;
      }
      ringStep++;
      if (ringStep > lastStep) {
        return true;
      }
      beginRingStep();
    }
    return false;
  }

  private boolean advanceBackward() {
    int ringSize = shard.ringSize();
    while (!computing) {
      if (passPhase == COMPUTING) {
        // this block's dK,dV from the previous rank must be here before ours are added and sent on
        if (ringStep > 0 && !gradientsExchanged(ringStep)) {
          become(Activity.RING_WAIT);
          return false;
        }
        if (ringSize > 1) {
          postExchange(BlockContent.KEY_VALUE_GRADIENTS, gradientPayload);
        }
        passPhase = GRADIENTS_POSTED;
      }
      if (ringStep == ringSize - 1) {
        if (ringSize > 1 && !gradientsExchanged(ringSize)) {
          become(Activity.RING_WAIT);
          return false;
        }
        return true;
      }
      if (!exchanged(ringStep)) {
        become(Activity.RING_WAIT);
        return false;
      }
      ringStep++;
      passPhase = COMPUTING;
      beginRingStep();
    }
    return false;
  }

  private void beginRingStep() {
    if (ringStep < shard.ringSize() - 1) {
      postExchange(BlockContent.KEYS_VALUES, kvPayload);
    }
    BlockShape block = blocks[ringStep];
    if (!block.isEmpty()) {
      blockStartTick = device.nowTicks();
      startWork(new Work.AttentionBlock(pass, layer, ringStep, block));
    }
  }

  /** The K,V exchange posted at ring step {@code step} is done both ways. */
  private boolean exchanged(int step) {
    return kvSent > step && kvReceived > step;
  }

  /** The dK,dV exchanges of the first {@code count} ring steps are done both ways. */
  private boolean gradientsExchanged(int count) {
    return gradientsSent >= count && gradientsReceived >= count;
  }

  private void postExchange(BlockContent content, PayloadSize payload) {
    accumulators[RING_BYTES] += payload.bytes();
    transport.exchange(new GpuActor.KvBlock(shard.ring(), shard.rank(), layer, ringStep, pass, content, payload));
  }

  private void accept(GpuActor.KvBlock block) {
    int previousRank = Math.floorMod(shard.rank() - 1, shard.ringSize());
    if (block.ring() != shard.ring() || block.fromRank() != previousRank) {
      throw new IllegalStateException("GPU " + shard.gpu() + " (ring " + shard.ring() + ", rank " + shard.rank()
          + ") got a block from ring " + block.ring() + ", rank " + block.fromRank());
    }
    if (block.content() == BlockContent.KEYS_VALUES) {
      expectStep(block.step(), kvReceived, "K,V block");
      kvReceived++;
    } else {
      expectStep(block.step(), gradientsReceived, "dK,dV block");
      gradientsReceived++;
    }
    transport.received(block);
  }

  private void drainEarlyBlocks() {
    for (Iterator<GpuActor.KvBlock> it = early.iterator(); it.hasNext(); ) {
      GpuActor.KvBlock block = it.next();
      if (block.pass() == pass && block.layer() == layer) {
        it.remove();
        accept(block);
      }
    }
  }

  private void blockFinished() {
    accumulators[BLOCKS]++;
    if (reportBlocks) {
      listener.blockDone(new BlockReport(shard.gpu(), pass, layer, ringStep, device.seconds(blockStartTick),
          device.seconds(device.nowTicks())));
    }
  }

  private void startWork(Work work) {
    computing = true;
    become(work instanceof Work.OptimizerStep ? Activity.OPTIMIZER : Activity.COMPUTE);
    device.start(work);
  }

  private void allocate(long deltaBytes) {
    memoryBytes += deltaBytes;
    peakMemoryBytes = Math.max(peakMemoryBytes, memoryBytes);
    windowPeakMemoryBytes = Math.max(windowPeakMemoryBytes, memoryBytes);
    if (memoryBytes > shard.memoryCapacityBytes()) {
      outOfMemory = true;
    }
  }

  private void become(Activity next) {
    long now = device.nowTicks();
    accumulators[activity.ordinal()] += now - activitySinceTick;
    activity = next;
    activitySinceTick = now;
  }

  private void finish() {
    become(Activity.IDLE);
    running = false;
    long now = device.nowTicks();
    List<MemoryHeld> measured = device.takeMemoryPeak();
    long measuredBytes = measured.stream().mapToLong(MemoryHeld::bytes).sum();
    peakMemoryBytes = Math.max(peakMemoryBytes, measuredBytes);
    outOfMemory |= measuredBytes > shard.memoryCapacityBytes();
    listener.stepDone(new GpuStepReport(
        shard.gpu(),
        shard.ring(),
        shard.rank(),
        trainingStep,
        device.seconds(startTick),
        device.seconds(now),
        seconds(Activity.COMPUTE),
        seconds(Activity.OPTIMIZER),
        seconds(Activity.RING_WAIT),
        seconds(Activity.COLLECTIVE_WAIT),
        seconds(Activity.HOST_COPY),
        accumulators[BLOCKS],
        accumulators[RING_BYTES],
        peakMemoryBytes,
        outOfMemory,
        measured));
  }

  private double seconds(Activity of) {
    return device.seconds(accumulators[of.ordinal()]);
  }

  private void checkCurrent(Pass of, int ofLayer, String what) {
    if (!inPass || of != pass || ofLayer != layer) {
      throw new IllegalStateException("GPU " + shard.gpu() + ": " + what + " for " + of + " layer " + ofLayer
          + " outside that pass");
    }
  }

  private void expectStep(int step, int expected, String what) {
    if (step != expected) {
      throw new IllegalStateException("GPU " + shard.gpu() + ": " + what + " of step " + step + " in " + pass
          + " layer " + layer + " where step " + expected + " was due (each is delivered exactly once, in order)");
    }
  }
}
