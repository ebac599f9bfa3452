package io.ringmaster.topology.node;

import static org.assertj.core.api.Assertions.assertThat;

import io.ringmaster.topology.gpu.GpuSpec;
import org.junit.jupiter.api.Test;

class NodeSpecTest {
  private static NodeSpec node(int gpus, int gpusPerSwitch, int nics) {
    GpuSpec gpu = new GpuSpec("g", 1, 1, 1, 1, 1, 25e9, 0);
    return new NodeSpec(gpu, gpus, new PcieTree(gpusPerSwitch, 25e9, true, 0), new NicSpec(nics, 100, 0, false), 1, 0);
  }

  @Test
  void oneNicServesEveryGpuAndSitsOnTheFirstSwitch() {
    NodeSpec node = node(8, 2, 1);
    for (int g = 0; g < 8; g++) {
      assertThat(node.nearestNic(g)).isZero();
    }
    assertThat(node.switchOfNic(0)).isZero();
    assertThat(node.pcieSwitches()).isEqualTo(4);
  }

  @Test
  void nicsSpreadEvenlyOverGpus() {
    NodeSpec two = node(8, 2, 2);
    assertThat(new int[] {two.nearestNic(0), two.nearestNic(3), two.nearestNic(4), two.nearestNic(7)})
        .containsExactly(0, 0, 1, 1);
    assertThat(two.switchOfNic(1)).isEqualTo(2); // under GPU 4's switch
    NodeSpec eight = node(8, 2, 8);
    for (int g = 0; g < 8; g++) {
      assertThat(eight.nearestNic(g)).isEqualTo(g);
      assertThat(eight.switchOfNic(g)).isEqualTo(eight.switchOfGpu(g));
    }
  }

  @Test
  void aPortWithOneDeviceHasNoSwitch() {
    NodeSpec direct = node(4, 1, 1);
    assertThat(direct.hasSwitch(0)).isTrue(); // GPU 0 and the NIC
    assertThat(direct.hasSwitch(1)).isFalse();
    assertThat(direct.hasSwitch(3)).isFalse();
  }

  @Test
  void moreNicsThanGpusStayOnExistingSwitches() {
    NodeSpec node = node(8, 2, 10);
    for (int nic = 0; nic < 10; nic++) {
      assertThat(node.switchOfNic(nic)).isBetween(0, 3);
    }
  }
}
