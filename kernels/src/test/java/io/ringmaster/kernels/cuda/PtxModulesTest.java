package io.ringmaster.kernels.cuda;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PtxModulesTest {
  /** With nvcc at build time, every kernel the launcher can ask for is in the PTX; without, it says why. */
  @Test
  void buildCarriesEveryKernelTheLauncherUsesOrSaysWhyNot() {
    PtxModules ptx = PtxModules.load();
    if (!ptx.present()) {
      assertThat(ptx.absence()).startsWith("no PTX in this build").contains("nvcc");
      return;
    }
    assertThat(ptx.modules()).containsKeys("attention_forward.ptx", "attention_backward.ptx", "elementwise.ptx", "rope.ptx");
    for (KernelChoice.Forward forward : KernelChoice.Forward.values()) {
      for (KernelChoice.Backward backward : KernelChoice.Backward.values()) {
        KernelChoice choice = new KernelChoice(forward, backward);
        for (int headDim : new int[] {32, 64, 128}) {
          assertThat(ptx.entries()).as(choice + ", head dim " + headDim).containsAll(AttentionKernels.kernels(choice, headDim));
        }
      }
    }
    assertThat(new String(ptx.modules().get("attention_forward.ptx"))).contains(".target sm_80").contains("mma.sync");
  }

  @Test
  void directoryOverridesTheJar(@TempDir Path directory) throws IOException {
    Files.writeString(directory.resolve("index.txt"), "one.ptx\n");
    Files.writeString(directory.resolve("one.ptx"), ".version 9.0\n.target sm_80\n.visible .entry only_kernel(\n)\n{\n}\n");
    PtxModules ptx = PtxModules.fromDirectory(directory);
    assertThat(ptx.entries()).containsExactly("only_kernel");
    assertThat(ptx.origin()).contains(directory.toString());
  }

  @Test
  void directoryWithoutIndexIsAbsent(@TempDir Path directory) {
    PtxModules ptx = PtxModules.fromDirectory(directory);
    assertThat(ptx.present()).isFalse();
    assertThat(ptx.absence()).contains("index.txt does not exist");
  }
}
