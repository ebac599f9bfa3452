package io.ringmaster.kernels.cuda;

import static jcuda.driver.CUdevice_attribute.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR;
import static jcuda.driver.CUdevice_attribute.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR;
import static jcuda.driver.CUdevice_attribute.CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK_OPTIN;
import static jcuda.driver.CUdevice_attribute.CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT;
import static jcuda.driver.CUresult.CUDA_SUCCESS;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import jcuda.driver.CUdevice;
import jcuda.driver.CUresult;
import jcuda.driver.JCudaDriver;

/**
 * Whether this process can run the CUDA backend, and if not, why, in one line. The only class that
 * touches JCuda before a device is known to work: JCuda throws {@link UnsatisfiedLinkError} (an Error)
 * when libcuda is missing, and the driver answers "no device" on machines without a GPU. Both, and a
 * build without PTX, become a reason string here. Probed once per process.
 *
 * @param driverVersion e.g. "13.0", empty when the driver could not be asked
 */
public record CudaProbe(
    boolean available, String reason, String driverVersion, List<CudaDeviceInfo> devices, PtxModules ptx) {

  private static CudaProbe result;

  public static synchronized CudaProbe once() {
    if (result == null) result = run();
    return result;
  }

  private static CudaProbe run() {
    PtxModules ptx = PtxModules.load();
    try {
      return askDriver(ptx);
    } catch (LinkageError e) {
      return unavailable("no CUDA driver: " + linkFailure(e), "", List.of(), ptx);
    } catch (RuntimeException e) {
      return unavailable("the CUDA driver failed: " + e.getMessage(), "", List.of(), ptx);
    }
  }

  private static CudaProbe askDriver(PtxModules ptx) {
    JCudaDriver.setExceptionsEnabled(false);
    int initialised = JCudaDriver.cuInit(0);
    int[] version = new int[1];
    String driverVersion = JCudaDriver.cuDriverGetVersion(version) == CUDA_SUCCESS
        ? version[0] / 1000 + "." + version[0] % 1000 / 10
        : "";
    if (initialised != CUDA_SUCCESS) {
      return unavailable("no usable CUDA device: cuInit says " + CUresult.stringFor(initialised), driverVersion,
          List.of(), ptx);
    }
    int[] count = new int[1];
    check(JCudaDriver.cuDeviceGetCount(count), "cuDeviceGetCount");
    List<CudaDeviceInfo> devices = new ArrayList<>();
    for (int ordinal = 0; ordinal < count[0]; ordinal++) devices.add(describe(ordinal));
    if (devices.isEmpty()) return unavailable("no CUDA device (driver " + driverVersion + ")", driverVersion, devices, ptx);
    if (!ptx.present()) return unavailable(ptx.absence(), driverVersion, devices, ptx);
    if (devices.stream().noneMatch(ptx::runsOn)) {
      return unavailable("no GPU here runs our PTX (" + String.join(", ", ptx.portableTargets()) + " or later): "
          + String.join("; ", devices.stream().map(CudaDeviceInfo::describe).toList()), driverVersion, devices, ptx);
    }
    return new CudaProbe(true, "", driverVersion, List.copyOf(devices), ptx);
  }

  private static CudaDeviceInfo describe(int ordinal) {
    CUdevice device = new CUdevice();
    check(JCudaDriver.cuDeviceGet(device, ordinal), "cuDeviceGet");
    byte[] name = new byte[256];
    check(JCudaDriver.cuDeviceGetName(name, name.length, device), "cuDeviceGetName");
    long[] totalBytes = new long[1];
    check(JCudaDriver.cuDeviceTotalMem(totalBytes, device), "cuDeviceTotalMem");
    return new CudaDeviceInfo(ordinal, terminated(name), attribute(device, CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT),
        attribute(device, CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR),
        attribute(device, CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR), totalBytes[0],
        attribute(device, CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK_OPTIN));
  }

  private static int attribute(CUdevice device, int attribute) {
    int[] value = new int[1];
    check(JCudaDriver.cuDeviceGetAttribute(value, attribute, device), "cuDeviceGetAttribute");
    return value[0];
  }

  private static void check(int code, String call) {
    if (code != CUDA_SUCCESS) throw new IllegalStateException(call + " returned " + CUresult.stringFor(code));
  }

  private static String terminated(byte[] text) {
    int length = 0;
    while (length < text.length && text[length] != 0) length++;
    return new String(text, 0, length, StandardCharsets.UTF_8);
  }

  /** JCuda's message spans many lines of nested attempts; the missing library is what people need. */
  static String linkFailure(Throwable error) {
    String message = String.valueOf(error.getMessage());
    int missing = message.indexOf(": cannot open shared object file");
    if (missing > 0) {
      int start = message.lastIndexOf(' ', missing - 1) + 1;
      return message.substring(start, missing) + " not found (JCuda's native library cannot load)";
    }
    String firstLine = message.lines().findFirst().orElse(error.getClass().getSimpleName());
    return error.getClass().getSimpleName() + ": " + firstLine;
  }

  private static CudaProbe unavailable(
      String reason, String driverVersion, List<CudaDeviceInfo> devices, PtxModules ptx) {
    return new CudaProbe(false, reason, driverVersion, List.copyOf(devices), ptx);
  }
}
