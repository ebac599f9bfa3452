package io.ringmaster.sim.report;

import io.ringmaster.topology.cluster.ClusterSpec;
import io.ringmaster.topology.model.ModelSpec;
import io.ringmaster.topology.plan.TrainingPlan;
import java.util.Locale;

/** The lines that open every table about a plan: model, cluster, network, training settings. */
final class PlanHeader {
  private static final double GIB = 1L << 30;

  private PlanHeader() {}

  static void append(StringBuilder out, TrainingPlan plan) {
    ModelSpec model = plan.model();
    ClusterSpec cluster = plan.cluster();
    out.append(String.format(Locale.ROOT, "%s (%.2f B parameters) on %s (plan: %s)%n", model.name(),
        model.parameters() / 1e9, cluster.name(), plan.name()));
    out.append(String.format(Locale.ROOT, "  %d %s × %d %s (%.2f GiB usable each), %.0f GiB host memory per node%n",
        cluster.nodes(), cluster.nodes() == 1 ? "node" : "nodes", cluster.node().gpus(), cluster.node().gpu().name(),
        cluster.node().gpu().memoryBytes() / GIB, cluster.node().hostMemoryBytes() / GIB));
    out.append(String.format(Locale.ROOT, "  network: %d × %.0f Gb/s NIC per node, %s%n", cluster.node().nics().count(),
        cluster.node().nics().gbps(), cluster.fabric().describe()));
    out.append("  ").append(plan.settings().describe()).append('\n');
  }
}
