package io.ringmaster.sim.planning;

import io.ringmaster.sim.memory.StageMemory;
import io.ringmaster.topology.plan.Stage;
import io.ringmaster.topology.plan.TrainingPlan;

/**
 * The planner's answer for one stage: the stage as assessed (for a search, at the answer), its
 * memory, and the search that produced it.
 */
public record StageFit(TrainingPlan plan, Stage stage, StageMemory memory, Search search) {}
