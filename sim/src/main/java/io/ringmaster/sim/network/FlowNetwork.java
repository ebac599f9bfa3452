package io.ringmaster.sim.network;

import io.ringmaster.sim.clock.PeriodShift;
import io.ringmaster.sim.clock.SlotHeap;
import io.ringmaster.sim.clock.StateEncoder;
import io.ringmaster.sim.clock.Ticks;
import io.ringmaster.topology.network.Link;
import io.ringmaster.topology.network.LinkKind;
import java.util.Arrays;
import java.util.List;
import java.util.function.IntPredicate;

/**
 * Transfers in flight over directed links, each link's bandwidth shared max-min fairly among the
 * transfers crossing it (progressive filling).
 *
 * <p>Rates are recomputed when flows start or end, and only for the flows connected to the change
 * through shared links: max-min allocations of disjoint components are independent. The result does
 * not depend on the order of flows in any list: levels are filled in increasing order, every link's
 * frozen load grows by {@code level × (number of its flows frozen at that level)}, and ties are broken
 * by link id, so the same set of flows always gets bit-identical rates. A flow whose rate does
 * not change is left untouched (its remaining bytes are brought up to date only when its rate changes).
 *
 * <p>Everything lives in primitive arrays indexed by link id or flow slot; starting, settling and
 * finishing flows allocate nothing once the arrays have grown to the largest concurrent load.
 */
final class FlowNetwork {
  private static final int NONE = -1;
  private static final int[] EMPTY = new int[0];

  private final int linkCount;
  private final double[] capacity;
  private final int[] kindOf;
  private final int[][] flowsOn;
  private final int[] flowCount;
  private final long[] busySinceTick;
  private final long[] busyTicks;
  private final long[] bytesCarried;
  private final double[] peakBytesPerSecond;

  private double[] remainingBytes = new double[0];
  private double[] rate = new double[0];
  private double[] newRate = new double[0];
  private long[] updatedTick = new long[0];
  private long[] completionTick = new long[0];
  private long[] createdSequence = new long[0];
  private long[] totalBytes = new long[0];
  private int[][] linksOf = new int[0][];
  private int[] routeOf = new int[0];
  private int[] purposeOf = new int[0];
  private int[] ownerOf = new int[0];
  private long[] ordinalOf = new long[0];
  private int[] bottleneckOf = new int[0];
  private int[] flowMark = new int[0];
  private int[] frozenAtLevel = new int[0];
  private int[] frozenEpoch = new int[0];
  private int[] candidateBottleneck = new int[0];
  private int slots;
  private int[] freeSlots = new int[0];
  private int freeCount;
  private long nextSequence;
  private int active;
  private final SlotHeap completions = new SlotHeap();

  private final int[] linkMark;
  private int epoch;
  private int[] dirty;
  private int dirtyCount;
  private int[] componentLinks;
  private int[] componentFlows = new int[0];
  private final double[] residual;
  private final int[] unfrozenCount;
  private final int[] levelCount;
  private final int[] saturated;
  private int[] levelFlows = new int[0];
  private int componentFlowCount;
  private final RateMemo memo = new RateMemo();
  private final long[] routeAndFlow = new long[RateMemo.MAX_FLOWS];
  private final int[] sortedRoutes = new int[RateMemo.MAX_FLOWS];
  private final double[] ratesByRoute = new double[RateMemo.MAX_FLOWS];
  private final int[] bottlenecksByRoute = new int[RateMemo.MAX_FLOWS];
  private long memoAnswers;

  /** Ticks each flow purpose spent limited by each kind of link: what bottlenecked the traffic. */
  private final long[][] bottleneckTicks;

  FlowNetwork(List<Link> links, int purposes) {
    linkCount = links.size();
    capacity = new double[linkCount];
    kindOf = new int[linkCount];
    for (Link link : links) {
      capacity[link.id()] = link.bytesPerSecond();
      kindOf[link.id()] = link.kind().ordinal();
    }
    flowsOn = new int[linkCount][4];
    flowCount = new int[linkCount];
    busySinceTick = new long[linkCount];
    busyTicks = new long[linkCount];
    bytesCarried = new long[linkCount];
    peakBytesPerSecond = new double[linkCount];
    linkMark = new int[linkCount];
    dirty = new int[16];
    componentLinks = new int[linkCount];
    residual = new double[linkCount];
    unfrozenCount = new int[linkCount];
    levelCount = new int[linkCount];
    saturated = new int[linkCount];
    bottleneckTicks = new long[purposes][LinkKind.values().length];
  }

  /**
   * Starts a flow of {@code bytes} over {@code links} (kept, not copied), the links of route number
   * {@code route}: the same number must always mean the same links. Its rate is set at the next
   * {@link #settle}. A flow over no link is a copy within one device and completes at once.
   */
  int start(long now, int route, int[] links, long bytes, int purpose, int owner, long ordinal) {
    int f = allocateSlot();
    routeOf[f] = route;
    remainingBytes[f] = bytes;
    rate[f] = 0;
    updatedTick[f] = now;
    createdSequence[f] = nextSequence++;
    totalBytes[f] = bytes;
    linksOf[f] = links;
    purposeOf[f] = purpose;
    ownerOf[f] = owner;
    ordinalOf[f] = ordinal;
    bottleneckOf[f] = NONE;
    active++;
    if (links.length == 0 || bytes == 0) {
      completionTick[f] = now;
      completions.push(f, now, createdSequence[f]);
      linksOf[f] = EMPTY;
      return f;
    }
    for (int link : links) {
      attach(link, f, now);
    }
    return f;
  }

  long nextCompletionTick() {
    return completions.isEmpty() ? Ticks.NEVER : completions.peekTick();
  }

  /** The flow completing at {@code now} that was started first, or -1. Call {@link #finish} on it. */
  int pollCompleted(long now) {
    if (completions.isEmpty() || completions.peekTick() != now) {
      return NONE;
    }
    return completions.pop();
  }

  int purpose(int f) {
    return purposeOf[f];
  }

  int owner(int f) {
    return ownerOf[f];
  }

  long ordinal(int f) {
    return ordinalOf[f];
  }

  void finish(long now, int f) {
    int[] links = linksOf[f];
    if (rate[f] > 0 && bottleneckOf[f] != NONE) {
      bottleneckTicks[purposeOf[f]][kindOf[bottleneckOf[f]]] += now - updatedTick[f];
    }
    for (int link : links) {
      bytesCarried[link] += totalBytes[f];
      detach(link, f, now);
    }
    linksOf[f] = null;
    freeSlots[freeCount++] = f;
    active--;
  }

  int activeFlows() {
    return active;
  }

  /** Recomputes the rates of every flow connected to a link whose flows changed since the last call. */
  void settle(long now) {
    if (dirtyCount == 0) {
      return;
    }
    epoch++;
    int links = collectComponent();
    int flows = componentFlowCount;
    if (flows == 0) {
      return;
    }
    if (flows > RateMemo.MAX_FLOWS) {
      fill(links, flows);
      apply(now, flows);
      recordLoads(links);
      return;
    }
    long hash = sortByRoute(flows);
    if (memo.find(sortedRoutes, flows, hash)) {
      memoAnswers++;
      for (int i = 0; i < flows; i++) {
        int f = (int) routeAndFlow[i];
        newRate[f] = memo.rate(i);
        candidateBottleneck[f] = memo.bottleneck(i);
      }
      apply(now, flows);
      return;  // the same loads as the first time: the links' peaks have them already
    }
    fill(links, flows);
    for (int i = 0; i < flows; i++) {
      int f = (int) routeAndFlow[i];
      ratesByRoute[i] = newRate[f];
      bottlenecksByRoute[i] = candidateBottleneck[f];
    }
    memo.remember(sortedRoutes, flows, hash, ratesByRoute, bottlenecksByRoute);
    apply(now, flows);
    recordLoads(links);
  }

  /** Sorts the component's flows by route (insertion sort: components are small); its memo hash. */
  private long sortByRoute(int flows) {
    for (int i = 0; i < flows; i++) {
      int f = componentFlows[i];
      long key = (long) routeOf[f] << 32 | f;
      int j = i;
      while (j > 0 && routeAndFlow[j - 1] > key) {
        routeAndFlow[j] = routeAndFlow[j - 1];
        j--;
      }
      routeAndFlow[j] = key;
    }
    for (int i = 0; i < flows; i++) {
      sortedRoutes[i] = (int) (routeAndFlow[i] >>> 32);
    }
    return RateMemo.hash(sortedRoutes, flows);
  }

  private int collectComponent() {
    int links = 0;
    for (int i = 0; i < dirtyCount; i++) {
      int link = dirty[i];
      if (linkMark[link] != epoch) {
        linkMark[link] = epoch;
        componentLinks[links++] = link;
      }
    }
    dirtyCount = 0;
    int flows = 0;
    for (int i = 0; i < links; i++) {
      int link = componentLinks[i];
      int[] on = flowsOn[link];
      for (int k = 0; k < flowCount[link]; k++) {
        int f = on[k];
        if (flowMark[f] == epoch) {
          continue;
        }
        flowMark[f] = epoch;
        if (flows == componentFlows.length) {
          componentFlows = Arrays.copyOf(componentFlows, Math.max(16, flows * 2));
        }
        componentFlows[flows++] = f;
        for (int other : linksOf[f]) {
          if (linkMark[other] != epoch) {
            linkMark[other] = epoch;
            componentLinks[links++] = other;
          }
        }
      }
    }
    componentFlowCount = flows;
    return links;
  }

  /** Progressive filling: raise all unfrozen rates together; freeze the flows of each link that fills. */
  private void fill(int links, int flows) {
    for (int i = 0; i < links; i++) {
      int link = componentLinks[i];
      residual[link] = capacity[link];
      unfrozenCount[link] = flowCount[link];
    }
    if (levelFlows.length < flows) {
      levelFlows = new int[Math.max(flows, levelFlows.length * 2)];
    }
    int unfrozen = flows;
    int level = 0;
    while (unfrozen > 0) {
      level++;
      double share = Double.POSITIVE_INFINITY;
      int saturatedCount = 0;
      for (int i = 0; i < links; i++) {
        int link = componentLinks[i];
        if (unfrozenCount[link] > 0) {
          double linkShare = residual[link] / unfrozenCount[link];
          if (linkShare < share) {
            share = linkShare;
            saturatedCount = 0;
          }
          if (linkShare == share) {
            saturated[saturatedCount++] = link;
          }
        }
      }
      int frozen = 0;
      for (int s = 0; s < saturatedCount; s++) {
        int link = saturated[s];
        int[] on = flowsOn[link];
        for (int k = 0; k < flowCount[link]; k++) {
          int f = on[k];
          if (frozenEpoch[f] == epoch) {
            if (frozenAtLevel[f] == level) {
              candidateBottleneck[f] = Math.min(candidateBottleneck[f], link);
            }
            continue;
          }
          frozenEpoch[f] = epoch;
          frozenAtLevel[f] = level;
          candidateBottleneck[f] = link;
          newRate[f] = share;
          levelFlows[frozen++] = f;
        }
      }
      unfrozen -= frozen;
      for (int i = 0; i < frozen; i++) {
        for (int link : linksOf[levelFlows[i]]) {
          levelCount[link]++;
        }
      }
      for (int i = 0; i < frozen; i++) {
        for (int link : linksOf[levelFlows[i]]) {
          int count = levelCount[link];
          if (count != 0) {
            residual[link] -= share * count;
            unfrozenCount[link] -= count;
            levelCount[link] = 0;
          }
        }
      }
    }
  }

  private void apply(long now, int flows) {
    for (int i = 0; i < flows; i++) {
      int f = componentFlows[i];
      double next = newRate[f];
      if (next == rate[f]) {
        continue;
      }
      long elapsed = now - updatedTick[f];
      if (rate[f] > 0) {
        remainingBytes[f] = Math.max(0, remainingBytes[f] - rate[f] * (elapsed / Ticks.PER_SECOND));
        if (bottleneckOf[f] != NONE) {
          bottleneckTicks[purposeOf[f]][kindOf[bottleneckOf[f]]] += elapsed;
        }
      }
      rate[f] = next;
      bottleneckOf[f] = candidateBottleneck[f];
      updatedTick[f] = now;
      long tick = now + (long) Math.ceil(remainingBytes[f] / next * Ticks.PER_SECOND);
      completionTick[f] = tick;
      completions.update(f, tick, createdSequence[f]);
    }
  }

  private void recordLoads(int links) {
    for (int i = 0; i < links; i++) {
      int link = componentLinks[i];
      double load = 0;
      int[] on = flowsOn[link];
      for (int k = 0; k < flowCount[link]; k++) {
        load += rate[on[k]];
      }
      peakBytesPerSecond[link] = Math.max(peakBytesPerSecond[link], load);
    }
  }

  private void attach(int link, int f, long now) {
    int count = flowCount[link];
    if (count == flowsOn[link].length) {
      flowsOn[link] = Arrays.copyOf(flowsOn[link], count * 2);
    }
    flowsOn[link][count] = f;
    flowCount[link] = count + 1;
    if (count == 0) {
      busySinceTick[link] = now;
    }
    markDirty(link);
  }

  private void detach(int link, int f, long now) {
    int[] on = flowsOn[link];
    int last = flowCount[link] - 1;
    for (int k = 0; k <= last; k++) {
      if (on[k] == f) {
        on[k] = on[last];
        break;
      }
    }
    flowCount[link] = last;
    if (last == 0) {
      busyTicks[link] += now - busySinceTick[link];
    }
    markDirty(link);
  }

  private void markDirty(int link) {
    if (dirtyCount == dirty.length) {
      dirty = Arrays.copyOf(dirty, dirtyCount * 2);
    }
    dirty[dirtyCount++] = link;
  }

  private int allocateSlot() {
    if (freeCount > 0) {
      return freeSlots[--freeCount];
    }
    if (slots == remainingBytes.length) {
      growFlows(Math.max(64, slots * 2));
    }
    return slots++;
  }

  private void growFlows(int size) {
    remainingBytes = Arrays.copyOf(remainingBytes, size);
    rate = Arrays.copyOf(rate, size);
    newRate = Arrays.copyOf(newRate, size);
    updatedTick = Arrays.copyOf(updatedTick, size);
    completionTick = Arrays.copyOf(completionTick, size);
    createdSequence = Arrays.copyOf(createdSequence, size);
    totalBytes = Arrays.copyOf(totalBytes, size);
    linksOf = Arrays.copyOf(linksOf, size);
    routeOf = Arrays.copyOf(routeOf, size);
    purposeOf = Arrays.copyOf(purposeOf, size);
    ownerOf = Arrays.copyOf(ownerOf, size);
    ordinalOf = Arrays.copyOf(ordinalOf, size);
    bottleneckOf = Arrays.copyOf(bottleneckOf, size);
    flowMark = Arrays.copyOf(flowMark, size);
    frozenAtLevel = Arrays.copyOf(frozenAtLevel, size);
    frozenEpoch = Arrays.copyOf(frozenEpoch, size);
    candidateBottleneck = Arrays.copyOf(candidateBottleneck, size);
    freeSlots = Arrays.copyOf(freeSlots, size);
    completions.grow(size);
  }

  // --- fast-forward: state, accumulators, shift ---

  /**
   * Writes the active flows in creation order and the busy links; a flow is known by its purpose,
   * owner, ordinal and route (its first link and hop count), never by its slot.
   */
  void encode(StateEncoder encoder, IntPredicate ordinalIsCollective) {
    int count = 0;
    for (int f = 0; f < slots; f++) {
      count += linksOf[f] != null ? 1 : 0;
    }
    Integer[] order = new Integer[count];
    for (int f = 0, i = 0; f < slots; f++) {
      if (linksOf[f] != null) {
        order[i++] = f;
      }
    }
    Arrays.sort(order, (a, b) -> Long.compare(createdSequence[a], createdSequence[b]));
    encoder.value(count);
    for (int f : order) {
      int[] links = linksOf[f];
      encoder.value(purposeOf[f]).value(ownerOf[f]);
      if (ordinalIsCollective.test(purposeOf[f])) {
        encoder.ordinal(ordinalOf[f]);
      } else {
        encoder.value(ordinalOf[f]);
      }
      encoder.value(links.length == 0 ? NONE : links[0]).value(links.length).bits(remainingBytes[f]).bits(rate[f])
          .time(updatedTick[f]).time(completionTick[f]).value(totalBytes[f]).value(bottleneckOf[f]);
    }
    for (int link = 0; link < linkCount; link++) {
      if (flowCount[link] > 0) {
        encoder.value(link).time(busySinceTick[link]);
      }
    }
  }

  /** Busy ticks and bytes per link, then bottleneck ticks per purpose and link kind. */
  long[] accumulators() {
    int kinds = LinkKind.values().length;
    long[] values = new long[2 * linkCount + bottleneckTicks.length * kinds];
    System.arraycopy(busyTicks, 0, values, 0, linkCount);
    System.arraycopy(bytesCarried, 0, values, linkCount, linkCount);
    for (int purpose = 0; purpose < bottleneckTicks.length; purpose++) {
      System.arraycopy(bottleneckTicks[purpose], 0, values, 2 * linkCount + purpose * kinds, kinds);
    }
    return values;
  }

  void shift(PeriodShift shift, long[] perPeriod, IntPredicate ordinalIsCollective) {
    for (int f = 0; f < slots; f++) {
      if (linksOf[f] != null) {
        updatedTick[f] = shift.tick(updatedTick[f]);
        completionTick[f] = shift.tick(completionTick[f]);
        if (ordinalIsCollective.test(purposeOf[f])) {
          ordinalOf[f] = shift.ordinal((int) ordinalOf[f]);
        }
      }
    }
    completions.shift(shift.periods() * shift.ticks());
    int kinds = LinkKind.values().length;
    for (int link = 0; link < linkCount; link++) {
      if (flowCount[link] > 0) {
        busySinceTick[link] = shift.tick(busySinceTick[link]);
      }
      busyTicks[link] = shift.accumulate(busyTicks[link], perPeriod[link]);
      bytesCarried[link] = shift.accumulate(bytesCarried[link], perPeriod[linkCount + link]);
    }
    for (int purpose = 0; purpose < bottleneckTicks.length; purpose++) {
      for (int kind = 0; kind < kinds; kind++) {
        bottleneckTicks[purpose][kind] =
            shift.accumulate(bottleneckTicks[purpose][kind], perPeriod[2 * linkCount + purpose * kinds + kind]);
      }
    }
  }

  // --- per-link accounting, read at the end of a step ---

  long busyTicks(int link, long now) {
    return busyTicks[link] + (flowCount[link] > 0 ? now - busySinceTick[link] : 0);
  }

  long bytesCarried(int link) {
    return bytesCarried[link];
  }

  double peakBytesPerSecond(int link) {
    return peakBytesPerSecond[link];
  }

  long bottleneckTicks(int purpose, LinkKind kind) {
    return bottleneckTicks[purpose][kind.ordinal()];
  }

  /** Settles whose rates came from the memo of components seen before. */
  long memoAnswers() {
    return memoAnswers;
  }

  /** The current rate of a flow in bytes per second (0 before its first settle). */
  double rate(int f) {
    return rate[f];
  }
}
