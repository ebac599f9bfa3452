package io.ringmaster.kernels.cuda;

import io.ringmaster.kernels.TokenPositions;
import java.util.HashMap;
import java.util.Map;
import jcuda.Pointer;
import jcuda.driver.CUdeviceptr;

/**
 * Global token positions uploaded as an int array, with the smallest and largest position of each tile
 * of rows (computed on the device when a kernel first asks for a tile size) so that kernels can skip
 * tiles a causal mask hides completely.
 */
final class DevicePositions implements AutoCloseable {
  record TileRanges(CUdeviceptr smallest, CUdeviceptr largest) {}

  private final CudaDevice device;
  private final CUdeviceptr positions;
  private final int count;
  private final Map<Integer, TileRanges> ranges = new HashMap<>();

  DevicePositions(CudaDevice device, TokenPositions host) {
    this.device = device;
    this.count = host.count();
    this.positions = device.allocate(4L * count);
    device.copyToDevice(positions, Pointer.to(host.positions()), 4L * count);
  }

  CUdeviceptr pointer() {
    return positions;
  }

  int count() {
    return count;
  }

  TileRanges tiles(int tileRows, AttentionKernels kernels) {
    return ranges.computeIfAbsent(tileRows, rows -> {
      int tiles = (count + rows - 1) / rows;
      TileRanges range = new TileRanges(device.allocate(4L * tiles), device.allocate(4L * tiles));
      kernels.tileRanges(this, rows, range);
      return range;
    });
  }

  @Override
  public void close() {
    device.free(positions);
    ranges.values().forEach(range -> {
      device.free(range.smallest());
      device.free(range.largest());
    });
  }
}
