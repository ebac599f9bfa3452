package io.ringmaster.sim.report;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ringmaster.sim.memory.LedgerEntry;
import io.ringmaster.sim.memory.MemoryLedger;
import io.ringmaster.sim.memory.StageMemory;
import io.ringmaster.sim.planning.Search;
import io.ringmaster.sim.planning.StageFit;
import java.util.List;

/**
 * The memory plan as JSON, all sizes in bytes. One stage:
 * {@code {"model","cluster","seqLen","ringSize","rings","tokensPerGpu","memory":{...,"total"},
 * "capacityBytes","fits","hostBytesPerNode","largest"}} plus {@code "maxSeqLen"} or {@code "minRing"}
 * after a search; a plan: {@code {"stages":[...]}} with each stage's {@code "name"} first. No wall-clock
 * figures, so the same question gives byte-identical JSON.
 */
public final class MemoryJson {
  private MemoryJson() {}

  public static String stage(StageFit fit) {
    return Json.write(stageNode(fit));
  }

  public static String plan(List<StageFit> fits) {
    ObjectNode root = Json.object();
    ArrayNode stages = root.putArray("stages");
    for (StageFit fit : fits) {
      ObjectNode named = stages.addObject();
      named.put("name", fit.stage().name());
      named.setAll(stageNode(fit));
    }
    return Json.write(root);
  }

  private static ObjectNode stageNode(StageFit fit) {
    StageMemory memory = fit.memory();
    MemoryLedger ledger = memory.gpu();
    ObjectNode node = Json.object();
    node.put("model", fit.plan().model().name());
    node.put("cluster", fit.plan().cluster().name());
    node.put("seqLen", fit.stage().seqLen());
    node.put("ringSize", fit.stage().ringSize());
    node.put("rings", fit.stage().rings());
    node.put("tokensPerGpu", fit.stage().tokensPerGpu());
    ObjectNode entries = node.putObject("memory");
    for (LedgerEntry entry : LedgerEntry.values()) {
      entries.put(entry.jsonName(), ledger.bytes(entry));
    }
    entries.put("total", ledger.totalBytes());
    node.put("capacityBytes", memory.capacityBytes());
    node.put("fits", memory.fits());
    node.put("hostBytesPerNode", memory.hostBytesPerNode());
    node.put("largest", ledger.largest().jsonName());
    if (fit.search() instanceof Search.MaxContext maxContext) {
      node.put("maxSeqLen", maxContext.maxSeqLen());
    } else if (fit.search() instanceof Search.MinRing minRing) {
      node.put("minRing", minRing.minRing());
    }
    return node;
  }
}
