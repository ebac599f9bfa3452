/**
 * Live mode: the GPU actor's wiring on real kernels, real tensors over Pekko remoting and the wall
 * clock ({@link io.ringmaster.actors.live.LiveGpu}), the attention-only step program it runs
 * ({@link io.ringmaster.actors.live.AttentionProgram}), and the director side that runs a stage on
 * discovered workers and reports a lost one ({@link io.ringmaster.actors.live.StageSupervisor}).
 * See docs/live-mode.md.
 */
package io.ringmaster.actors.live;
