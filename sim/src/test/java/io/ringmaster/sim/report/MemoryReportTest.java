package io.ringmaster.sim.report;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ringmaster.sim.memory.LedgerEntry;
import io.ringmaster.sim.planning.CapacityPlanner;
import io.ringmaster.sim.planning.StageFit;
import io.ringmaster.topology.plan.PlanLoader;
import io.ringmaster.topology.plan.Stage;
import io.ringmaster.topology.plan.TrainingPlan;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.junit.jupiter.api.Test;

class MemoryReportTest {
  private final CapacityPlanner planner = new CapacityPlanner();

  private List<StageFit> fits(String plan) {
    TrainingPlan trainingPlan = PlanLoader.load(plan);
    List<StageFit> fits = new ArrayList<>();
    for (Stage stage : trainingPlan.stages()) {
      fits.add(planner.assess(trainingPlan, stage));
    }
    return fits;
  }

  private static List<String> fieldNames(JsonNode node) {
    List<String> names = new ArrayList<>();
    for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
      names.add(it.next());
    }
    return names;
  }

  @Test
  void stageJsonHasTheContractFieldsWithSizesInBytes() throws Exception {
    StageFit fit = fits("gradient-llama3-8b").get(2);
    JsonNode json = new ObjectMapper().readTree(MemoryJson.stage(fit));
    assertThat(fieldNames(json)).containsExactly("model", "cluster", "seqLen", "ringSize", "rings", "tokensPerGpu",
        "memory", "capacityBytes", "fits", "hostBytesPerNode", "largest");
    assertThat(fieldNames(json.get("memory"))).containsExactly("weights", "gradients", "optimizer", "activations",
        "recomputeWorkingSet", "ringBuffers", "logits", "workspace", "total");
    assertThat(json.get("seqLen").asLong()).isEqualTo(524_288);
    assertThat(json.get("ringSize").asInt()).isEqualTo(32);
    assertThat(json.get("rings").asInt()).isEqualTo(16);
    assertThat(json.get("tokensPerGpu").asLong()).isEqualTo(16_384);
    assertThat(json.get("memory").get("total").asLong()).isEqualTo(fit.memory().gpu().totalBytes());
    assertThat(json.get("memory").get("logits").isIntegralNumber()).isTrue();
    assertThat(json.get("capacityBytes").asLong()).isEqualTo(46_068L << 20);
    assertThat(json.get("fits").asBoolean()).isTrue();
    assertThat(json.get("largest").asText()).isEqualTo("logits");
    assertThat(json.get("model").asText()).isEqualTo("llama-3-8b");
    assertThat(json.get("cluster").asText()).isEqualTo("crusoe-l40s:512");
  }

  @Test
  void planJsonListsEveryStageByName() throws Exception {
    JsonNode json = new ObjectMapper().readTree(MemoryJson.plan(fits("gradient-llama3-70b")));
    assertThat(fieldNames(json)).containsExactly("stages");
    assertThat(json.get("stages")).hasSize(4);
    assertThat(json.get("stages").get(3).get("name").asText()).isEqualTo("1048K");
    assertThat(json.get("stages").get(3).get("ringSize").asInt()).isEqualTo(128);
  }

  @Test
  void searchesAddTheirAnswer() throws Exception {
    TrainingPlan plan = PlanLoader.load("gradient-llama3-8b");
    Stage stage = plan.stages().get(0);
    JsonNode max = new ObjectMapper().readTree(MemoryJson.stage(planner.maxContext(plan, stage)));
    assertThat(max.get("maxSeqLen").asLong()).isEqualTo(max.get("seqLen").asLong()).isPositive();
    JsonNode min = new ObjectMapper().readTree(MemoryJson.stage(planner.minRing(plan, stage)));
    assertThat(min.get("minRing").asInt()).isEqualTo(min.get("ringSize").asInt()).isPositive();
  }

  @Test
  void jsonIsTheSameEveryTime() {
    assertThat(MemoryJson.plan(fits("gradient-llama3-8b"))).isEqualTo(MemoryJson.plan(fits("gradient-llama3-8b")));
  }

  @Test
  void tableShowsEveryEntryInGibWithTheLargestMarked() {
    String table = MemoryTable.render(fits("gradient-llama3-8b"));
    for (LedgerEntry entry : LedgerEntry.values()) {
      assertThat(table).contains(entry.label());
    }
    assertThat(table).contains("stage 524K: 524,288 tokens, 16 rings of 32 GPUs, 16,384 tokens per GPU");
    assertThat(table).containsPattern("logits and loss +11\\.74 GiB  <- largest");
    assertThat(table).contains("total                        24.21 GiB of 44.99 GiB per GPU: fits (54%)");
    assertThat(table).contains("RoPE theta 45,218,125,210 (scaling law)");
    assertThat(table).endsWith("all 5 stages fit\n");
  }
}
