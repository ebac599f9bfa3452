package io.ringmaster.actors.protocol;

import io.ringmaster.kernels.HostTensor;
import java.util.List;
import org.apache.pekko.actor.typed.ActorRef;

/**
 * What a GPU computes on, beyond the shape its {@link ShardSpec} gives: nothing in sim, where work is
 * priced by its size; real activations in live mode, with the RoPE base of the stage.
 */
public sealed interface ShardData permits ShardData.SizesOnly, ShardData.Seeded, ShardData.Given {
  ShardData SIZES_ONLY = new SizesOnly();

  /** Sim: the device prices work by its shape and needs no values. */
  record SizesOnly() implements ShardData {}

  /**
   * Live: the Q, K, V and output gradient rows of layers {@code 0..layers-1} are standard-normal values
   * drawn from {@code seed} (the same for every run with the same seed), standing in for the dense
   * layers' activations until those are real.
   */
  record Seeded(long seed, int layers, double ropeTheta) implements ShardData {}

  /**
   * Live: the rows of each layer are given (a check against a reference); the device sends each
   * layer's results to {@code resultsTo} once its backward is done.
   */
  record Given(double ropeTheta, List<LayerRows> layers, ActorRef<LayerResult> resultsTo) implements ShardData {
    public Given {
      layers = List.copyOf(layers);
    }
  }

  /** One layer's inputs for one rank, in the rank's row order: pre-RoPE q, k, v and the output gradient. */
  record LayerRows(HostTensor q, HostTensor k, HostTensor v, HostTensor dOut) {}
}
