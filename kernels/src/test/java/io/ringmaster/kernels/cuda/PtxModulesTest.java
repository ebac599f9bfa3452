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
    assertThat(ptx.modules()).containsKeys("attention_forward.ptx", "attention_forward_sm90.ptx", "attention_backward.ptx",
        "elementwise.ptx", "rope.ptx");
    for (KernelChoice.Forward forward : KernelChoice.Forward.values()) {
      for (KernelChoice.Backward backward : KernelChoice.Backward.values()) {
        KernelChoice choice = new KernelChoice(forward, backward);
        for (int headDim : new int[] {32, 64, 128}) {
          assertThat(ptx.entries()).as(choice + ", head dim " + headDim).containsAll(AttentionKernels.kernels(choice, headDim));
        }
      }
    }
    assertThat(new String(ptx.modules().get("attention_forward.ptx"))).contains(".target sm_80").contains("mma.sync");
    assertThat(ptx.target("attention_forward.ptx")).isEqualTo("sm_80");
    assertThat(ptx.target("attention_forward_sm90.ptx")).isEqualTo("sm_90a");
    assertThat(new String(ptx.modules().get("attention_forward_sm90.ptx"))).contains("wgmma.mma_async");
  }

  @Test
  void directoryOverridesTheJar(@TempDir Path directory) throws IOException {
    Files.writeString(directory.resolve("index.txt"), "one.ptx\n");
    Files.writeString(directory.resolve("one.ptx"), ".version 9.0\n.target sm_80\n.visible .entry only_kernel(\n)\n{\n}\n");
    PtxModules ptx = PtxModules.fromDirectory(directory);
    assertThat(ptx.entries()).containsExactly("only_kernel");
    assertThat(ptx.origin()).contains(directory.toString());
  }

  /** A GPU must load the portable modules; an sm_90a module only widens the choice where it loads. */
  @Test
  void gpusRunThePtxFromThePortableTargetOn(@TempDir Path directory) throws IOException {
    Files.writeString(directory.resolve("index.txt"), "common.ptx\nhopper.ptx\n");
    Files.writeString(directory.resolve("common.ptx"), ".version 9.0\n.target sm_80\n.visible .entry a(\n)\n{\n}\n");
    Files.writeString(directory.resolve("hopper.ptx"), ".version 9.0\n.target sm_90a\n.visible .entry b(\n)\n{\n}\n");
    PtxModules ptx = PtxModules.fromDirectory(directory);
    assertThat(ptx.portableTargets()).containsExactly("sm_80");
    assertThat(ptx.runsOn(KernelChoiceTest.device(7, 5))).isFalse();
    assertThat(ptx.runsOn(KernelChoiceTest.device(8, 0))).isTrue();
    assertThat(ptx.runsOn(KernelChoiceTest.device(8, 9))).isTrue();
    assertThat(ptx.runsOn(KernelChoiceTest.device(9, 0))).isTrue();
  }

  @Test
  void directoryWithoutIndexIsAbsent(@TempDir Path directory) {
    PtxModules ptx = PtxModules.fromDirectory(directory);
    assertThat(ptx.present()).isFalse();
    assertThat(ptx.absence()).contains("index.txt does not exist");
  }
}
