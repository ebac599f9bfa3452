package io.ringmaster.sim.report;

import io.ringmaster.sim.whatif.WhatIfSweep;
import io.ringmaster.sim.workload.SimulationReport;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A what-if sweep for people: the combinations ranked by the plan's total time, those that fit in memory
 * first, each with its speed-up over the plan as given, its largest peak memory per GPU (OOM where it does
 * not fit) and the bottleneck of its longest stage; then the invalid ones with the reason.
 */
public final class WhatIfTable {
  private WhatIfTable() {}

  public static String render(WhatIfSweep.Result result) {
    StringBuilder out = new StringBuilder();
    PlanHeader.append(out, result.asGiven().plan());
    List<String> keys = keys(result);
    List<String[]> rows = new ArrayList<>();
    List<String> header = new ArrayList<>(List.of("rank"));
    header.addAll(keys);
    header.addAll(List.of("total min", "speed-up", "peak GiB", "longest stage: its bottleneck"));
    rows.add(header.toArray(String[]::new));
    int rank = 0;
    for (WhatIfSweep.Outcome outcome : result.ranked()) {
      if (outcome instanceof WhatIfSweep.Simulated simulated) {
        rows.add(row(String.valueOf(++rank), keys, simulated.assignments(), simulated.report(), simulated.speedup()));
      }
    }
    rows.add(row("as given", keys, Map.of(), result.asGiven(), 1));
    out.append('\n');
    columns(out, rows);
    List<WhatIfSweep.Invalid> invalid = result.ranked().stream().filter(WhatIfSweep.Invalid.class::isInstance)
        .map(WhatIfSweep.Invalid.class::cast).toList();
    if (!invalid.isEmpty()) {
      out.append("\ninvalid combinations\n");
      for (WhatIfSweep.Invalid combination : invalid) {
        out.append("  ").append(WhatIfSweep.label(combination.assignments())).append(": ").append(combination.reason())
            .append('\n');
      }
    }
    return out.toString();
  }

  private static List<String> keys(WhatIfSweep.Result result) {
    return result.ranked().isEmpty() ? List.of() : List.copyOf(result.ranked().get(0).assignments().keySet());
  }

  private static String[] row(String rank, List<String> keys, Map<String, String> assignments,
      SimulationReport report, double speedup) {
    List<String> cells = new ArrayList<>(List.of(rank));
    for (String key : keys) {
      cells.add(assignments.getOrDefault(key, ""));
    }
    cells.add(String.format(Locale.ROOT, "%,.1f", report.totalMinutes()));
    cells.add(String.format(Locale.ROOT, "%.2f×", speedup));
    cells.add(SimulationTable.peakCell(report.peakMemoryBytes(), report.outOfMemory()));
    cells.add(report.bottleneck());
    return cells.toArray(String[]::new);
  }

  /** Left-aligned text, right-aligned numbers; the last column as it comes. */
  private static void columns(StringBuilder out, List<String[]> rows) {
    int columns = rows.get(0).length;
    int[] widths = new int[columns];
    for (String[] row : rows) {
      for (int c = 0; c < columns; c++) {
        widths[c] = Math.max(widths[c], row[c].length());
      }
    }
    for (String[] row : rows) {
      StringBuilder line = new StringBuilder();
      for (int c = 0; c < columns; c++) {
        boolean last = c == columns - 1;
        boolean number = c >= columns - 4 && !last && row != rows.get(0);
        String cell = last ? row[c] : pad(row[c], widths[c], number);
        line.append(c == 0 ? "" : "  ").append(cell);
      }
      out.append(line.toString().stripTrailing()).append('\n');
    }
  }

  private static String pad(String text, int width, boolean right) {
    String spaces = " ".repeat(width - text.length());
    return right ? spaces + text : text + spaces;
  }
}
