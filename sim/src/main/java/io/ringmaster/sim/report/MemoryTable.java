package io.ringmaster.sim.report;

import io.ringmaster.sim.memory.LedgerEntry;
import io.ringmaster.sim.memory.MemoryLedger;
import io.ringmaster.sim.memory.StageMemory;
import io.ringmaster.sim.planning.Search;
import io.ringmaster.sim.planning.StageFit;
import io.ringmaster.topology.plan.Stage;
import java.util.List;
import java.util.Locale;

/** The memory plan as a table for people: GiB, the largest entry marked, a verdict per stage. */
public final class MemoryTable {
  private static final double GIB = 1L << 30;

  private MemoryTable() {}

  /** One block per stage under a header describing the plan; the search time where there was a search. */
  public static String render(List<StageFit> fits) {
    StringBuilder out = new StringBuilder();
    PlanHeader.append(out, fits.get(0).plan());
    for (StageFit fit : fits) {
      out.append('\n');
      stage(out, fit);
    }
    long failing = fits.stream().filter(f -> !f.memory().fits()).count();
    if (fits.size() > 1) {
      out.append('\n').append(failing == 0
          ? "all " + fits.size() + " stages fit\n"
          : failing + " of " + fits.size() + " stages do not fit\n");
    }
    return out.toString();
  }

  private static void stage(StringBuilder out, StageFit fit) {
    Stage stage = fit.stage();
    StageMemory memory = fit.memory();
    MemoryLedger ledger = memory.gpu();
    out.append(format("stage %s: %,d tokens, %d %s of %d GPUs, %,d tokens per GPU, RoPE theta %s%n",
        stage.name(), stage.seqLen(), stage.rings(), stage.rings() == 1 ? "ring" : "rings", stage.ringSize(),
        stage.tokensPerGpu(),
        stage.ropeTheta().describe(fit.plan().model(), stage.seqLen())));
    LedgerEntry largest = ledger.largest();
    for (LedgerEntry entry : LedgerEntry.values()) {
      out.append(format("  %-24s %9.2f GiB%s%n", entry.label(), ledger.bytes(entry) / GIB,
          entry == largest ? "  <- largest" : ""));
    }
    out.append(format("  %-24s %9.2f GiB of %.2f GiB per GPU: %s (%.0f%%)%n", "total", ledger.totalBytes() / GIB,
        memory.capacityBytes() / GIB, memory.fitsGpu() ? "fits" : "DOES NOT FIT",
        100.0 * ledger.totalBytes() / memory.capacityBytes()));
    out.append(format("  %-24s %9.2f GiB of %.0f GiB per node: %s%n", "host (offload)",
        memory.hostBytesPerNode() / GIB, memory.hostCapacityBytes() / GIB,
        memory.fitsHost() ? "fits" : "DOES NOT FIT"));
    search(out, fit);
  }

  private static void search(StringBuilder out, StageFit fit) {
    if (fit.search() instanceof Search.MaxContext max) {
      out.append(max.maxSeqLen() == 0
          ? format("  max context: nothing fits on a ring of %d", fit.stage().ringSize())
          : format("  max context: %,d tokens on a ring of %d (ledger above)", max.maxSeqLen(),
              fit.stage().ringSize()));
      out.append(format("; search: %d ledgers in %.3f ms%n", max.ledgers(), max.searchSeconds() * 1e3));
    } else if (fit.search() instanceof Search.MinRing min) {
      out.append(min.minRing() == 0
          ? format("  min ring: no ring of up to %d GPUs fits %,d tokens (ledger above: the largest)",
              fit.stage().ringSize(), fit.stage().seqLen())
          : format("  min ring: %d GPUs for %,d tokens (ledger above)", min.minRing(), fit.stage().seqLen()));
      out.append(format("; search: %d ledgers in %.3f ms%n", min.ledgers(), min.searchSeconds() * 1e3));
    }
  }

  private static String format(String pattern, Object... args) {
    return String.format(Locale.ROOT, pattern, args);
  }
}
