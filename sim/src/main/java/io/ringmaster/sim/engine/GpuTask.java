package io.ringmaster.sim.engine;

import io.ringmaster.actors.protocol.ShardSpec;
import io.ringmaster.actors.protocol.StepProgram;

/**
 * One GPU of a simulated stage: the cluster GPU it runs on (for routes), its shard and its program.
 */
public record GpuTask(int clusterGpu, ShardSpec shard, StepProgram program) {}
