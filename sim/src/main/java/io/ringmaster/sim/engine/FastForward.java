package io.ringmaster.sim.engine;

import io.ringmaster.actors.gpu.GpuActor;
import io.ringmaster.actors.gpu.ProgramRunner;
import io.ringmaster.actors.protocol.Pass;
import io.ringmaster.actors.protocol.StepOp;
import io.ringmaster.sim.clock.PeriodShift;
import io.ringmaster.sim.clock.StateEncoder;
import io.ringmaster.sim.clock.TimedQueue;
import io.ringmaster.sim.network.Fabric;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Deque;

/**
 * Skips repetitions of a period that are exactly identical: the layers of a pass one after another,
 * and micro-batches of gradient accumulation.
 *
 * <p>Whenever the reference GPU (the first) begins a ring pass, the whole simulation's state is
 * encoded: every GPU runner, every command in the calendar, every transfer, queue and link in the
 * fabric, with times relative to now and program counters, layers and collective ordinals relative to
 * the reference GPU's. If the encoding equals one taken at an earlier pass start, the state now is that
 * earlier state shifted by one period: the simulation is a deterministic function of its state
 * (integer ticks, rates that depend only on the set of flows), so as long as the programs ahead repeat
 * the same ops with the same shift, every further period repeats the last one exactly. The engine then
 * jumps over as many whole periods as the programs allow, moving every time, position and layer by the
 * periods and adding each accumulator (busy ticks, bytes, events) the period's increase times the
 * periods. The results equal those of simulating every period; {@code FastForwardTest} checks that
 * byte for byte on smaller cases.
 */
final class FastForward {
  private static final int HISTORY = 4;
  private static final int WORK_COMPLETED = 1;
  private static final int KV_BLOCK = 2;
  private static final int SEND_COMPLETED = 3;
  private static final int COLLECTIVE_COMPLETED = 4;
  private static final int HOST_COPY_COMPLETED = 5;
  private static final int RUN_STEP = 6;

  private final GpuPort[] ports;
  private final TimedQueue<GpuActor.Command> calendar;
  private final Fabric fabric;
  private final Deque<Checkpoint> history = new ArrayDeque<>();
  private Checkpoint lastMicroBatch;
  private long[] peaksSinceMicroBatch;
  private StepOp[] shapes;
  private int[] passLayers;
  private long lastPassKey = Long.MIN_VALUE;
  private long jumps;
  private long skippedEvents;

  FastForward(GpuPort[] ports, TimedQueue<GpuActor.Command> calendar, Fabric fabric) {
    this.ports = ports;
    this.calendar = calendar;
    this.fabric = fabric;
  }

  long jumps() {
    return jumps;
  }

  long skippedEvents() {
    return skippedEvents;
  }

  /**
   * Called between instants, when no actor is running: takes a checkpoint if the reference GPU has
   * just begun a ring pass, compares it with the last micro-batch's first pass and the last few
   * passes, and returns the jump made, or null.
   */
  PeriodShift afterInstant(long now, long simulatedEvents) {
    ProgramRunner reference = ports[0].runner();
    if (reference == null || !reference.atFirstRingStep()) {
      return null;
    }
    ProgramRunner.State state = reference.state();
    long passKey = ((long) state.trainingStep() << 40) | ((long) state.pass().ordinal() << 32) | state.pc();
    if (passKey == lastPassKey) {
      return null;
    }
    lastPassKey = passKey;
    Checkpoint now_ = capture(now, state, simulatedEvents + skippedEvents);
    if (now_ == null) {
      history.clear();
      lastMicroBatch = null;
      return null;
    }
    peaksSinceMicroBatch = peaksSinceMicroBatch == null ? now_.windowPeaks.clone() : max(peaksSinceMicroBatch, now_.windowPeaks);
    if (state.pass() == Pass.FORWARD && state.layer() == 0) {
      PeriodShift shift = lastMicroBatch == null ? null : matchMicroBatch(now_, reference.ops());
      lastMicroBatch = now_;
      peaksSinceMicroBatch = now_.windowPeaks.clone();
      if (shift != null) {
        return shift;
      }
    }
    long[] periodPeaks = now_.windowPeaks.clone();
    for (Checkpoint earlier : history) {
      if (earlier.hash == now_.hash && Arrays.equals(earlier.encoding, now_.encoding)) {
        PeriodShift shift = jump(earlier, now_, reference.ops(), periodPeaks);
        if (shift != null) {
          history.clear();
          return shift;
        }
      }
      for (int gpu = 0; gpu < ports.length; gpu++) {
        periodPeaks[gpu] = Math.max(periodPeaks[gpu], earlier.windowPeaks[gpu]);
      }
    }
    history.addFirst(now_);
    if (history.size() > HISTORY) {
      history.removeLast();
    }
    return null;
  }

  /** A whole micro-batch repeats the last one: gradient accumulation over identical micro-batches. */
  private PeriodShift matchMicroBatch(Checkpoint now_, StepOp[] ops) {
    if (lastMicroBatch.hash != now_.hash || !Arrays.equals(lastMicroBatch.encoding, now_.encoding)) {
      return null;
    }
    PeriodShift shift = jump(lastMicroBatch, now_, ops, peaksSinceMicroBatch);
    if (shift != null) {
      history.clear();
    }
    return shift;
  }

  private static long[] max(long[] a, long[] b) {
    long[] result = new long[a.length];
    for (int i = 0; i < a.length; i++) {
      result[i] = Math.max(a[i], b[i]);
    }
    return result;
  }

  private Checkpoint capture(long now, ProgramRunner.State reference, long events) {
    StateEncoder encoder = new StateEncoder(now, reference.pc(), reference.layer(), reference.posted());
    long[][] runnerAccumulators = new long[ports.length][];
    long[] memory = new long[ports.length];
    long[] windowPeaks = new long[ports.length];
    int minPc = Integer.MAX_VALUE;
    int maxPc = Integer.MIN_VALUE;
    for (int gpu = 0; gpu < ports.length; gpu++) {
      ProgramRunner runner = ports[gpu].runner();
      ProgramRunner.State state = runner.state();
      if (state.earlyBlocks() > 0) {
        return null;
      }
      encodeRunner(encoder, state);
      runnerAccumulators[gpu] = runner.accumulators();
      memory[gpu] = runner.memoryBytes();
      windowPeaks[gpu] = runner.takeWindowPeakMemory();
      minPc = Math.min(minPc, state.pc());
      maxPc = Math.max(maxPc, state.pc());
    }
    calendar.encode(encoder, (into, kind, ordinal, command) -> encodeCommand(into, command));
    fabric.encode(encoder);
    long[] encoding = encoder.toArray();
    return new Checkpoint(now, reference.pc(), reference.layer(), reference.posted(), encoding,
        Arrays.hashCode(encoding), runnerAccumulators, memory, windowPeaks, fabric.accumulators(), events, minPc,
        maxPc);
  }

  private static void encodeRunner(StateEncoder encoder, ProgramRunner.State state) {
    encoder.flag(state.running()).value(state.trainingStep()).pc(state.pc()).flag(state.computing())
        .flag(state.copying()).ordinal(state.posted()).ordinal(state.completed()).value(state.doneAhead().length);
    for (long word : state.doneAhead()) {
      encoder.value(word);
    }
    encoder.flag(state.inPass())
        .value(state.pass().ordinal());
    if (state.inPass()) {
      encoder.layer(state.layer());
    } else {
      encoder.value(0);
    }
    encoder.value(state.ringStep()).value(state.passPhase()).value(state.kvSent()).value(state.kvReceived())
        .value(state.gradientsSent()).value(state.gradientsReceived()).value(state.activity().ordinal())
        .time(state.activitySinceTick()).flag(state.outOfMemory());
  }

  private static void encodeCommand(StateEncoder encoder, GpuActor.Command command) {
    if (command instanceof GpuActor.WorkCompleted) {
      encoder.value(WORK_COMPLETED);
    } else if (command instanceof GpuActor.KvBlock block) {
      encoder.value(KV_BLOCK);
      Fabric.encodeBlock(encoder, block);
    } else if (command instanceof GpuActor.SendCompleted sent) {
      encoder.value(SEND_COMPLETED).layer(sent.layer()).value(sent.step()).value(sent.pass().ordinal())
          .value(sent.content().ordinal());
    } else if (command instanceof GpuActor.CollectiveCompleted collective) {
      encoder.value(COLLECTIVE_COMPLETED).ordinal(collective.ordinal());
    } else if (command instanceof GpuActor.HostCopyCompleted) {
      encoder.value(HOST_COPY_COMPLETED);
    } else if (command instanceof GpuActor.RunStep run) {
      encoder.value(RUN_STEP).value(run.step());
    } else {
      throw new IllegalStateException("unexpected command in the calendar: " + command);
    }
  }

  /** Jumps over as many periods as the programs ahead allow; null if not even one. */
  private PeriodShift jump(Checkpoint earlier, Checkpoint later, StepOp[] ops, long[] periodPeaks) {
    int ops_ = later.pc - earlier.pc;
    int layers = later.layer - earlier.layer;
    if (ops_ <= 0) {
      return null;
    }
    int periodicUntil = periodicUntil(ops, earlier.minPc, ops_, layers);
    long periods = (periodicUntil - 1L - later.maxPc) / ops_ - 1;
    if (periods < 1) {
      return null;
    }
    PeriodShift shift = new PeriodShift(periods, later.tick - earlier.tick, ops_, layers, later.posts - earlier.posts);
    for (int gpu = 0; gpu < ports.length; gpu++) {
      ports[gpu].runner().fastForward(periods, shift.ticks(), shift.ops(), shift.layers(), shift.posts(),
          difference(later.runnerAccumulators[gpu], earlier.runnerAccumulators[gpu]),
          later.memory[gpu] - earlier.memory[gpu], periodPeaks[gpu]);
    }
    calendar.shift(shift, new TimedQueue.EntryShifter<>() {
      @Override
      public long ordinal(int kind, long ordinal) {
        return ordinal;
      }

      @Override
      public GpuActor.Command payload(GpuActor.Command command) {
        return shiftCommand(command, shift);
      }
    });
    fabric.shift(shift, difference(later.fabricAccumulators, earlier.fabricAccumulators));
    jumps++;
    skippedEvents += periods * (later.events - earlier.events);
    return shift;
  }

  /**
   * The first op index from {@code from} on where the program stops repeating itself {@code period}
   * ops later: a different op shape, or a ring pass whose layer does not move by {@code layers}.
   */
  private int periodicUntil(StepOp[] ops, int from, int period, int layers) {
    if (shapes == null) {
      shapes = new StepOp[ops.length];
      passLayers = new int[ops.length];
      for (int i = 0; i < ops.length; i++) {
        shapes[i] = ops[i].shape();
        passLayers[i] = ops[i] instanceof StepOp.RingAttention pass ? pass.layer() : 0;
      }
    }
    int i = from;
    while (i + period < ops.length && shapes[i].equals(shapes[i + period])
        && (!(ops[i] instanceof StepOp.RingAttention) || passLayers[i + period] - passLayers[i] == layers)) {
      i++;
    }
    return i;
  }

  private static GpuActor.Command shiftCommand(GpuActor.Command command, PeriodShift shift) {
    if (command instanceof GpuActor.KvBlock block) {
      return block.withLayer(shift.layer(block.layer()));
    } else if (command instanceof GpuActor.SendCompleted sent) {
      return sent.withLayer(shift.layer(sent.layer()));
    } else if (command instanceof GpuActor.CollectiveCompleted collective) {
      return collective.withOrdinal(shift.ordinal(collective.ordinal()));
    }
    return command;
  }

  private static long[] difference(long[] later, long[] earlier) {
    long[] delta = new long[later.length];
    for (int i = 0; i < later.length; i++) {
      delta[i] = later[i] - earlier[i];
    }
    return delta;
  }

  private record Checkpoint(long tick, int pc, int layer, int posts, long[] encoding, int hash,
      long[][] runnerAccumulators, long[] memory, long[] windowPeaks, long[] fabricAccumulators, long events,
      int minPc, int maxPc) {}
}
