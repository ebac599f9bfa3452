package io.ringmaster.topology.plan;

/** How a plan trains, the same for all its stages. */
public record TrainingSettings(
    Precision precision, int zeroStage, Offload offload, Checkpointing checkpointing, AttentionLayout layout) {

  public String describe() {
    return precision.label() + " · ZeRO-" + zeroStage + " · offload " + offload.label() + " · checkpointing "
        + checkpointing.label() + " · " + layout.label();
  }
}
