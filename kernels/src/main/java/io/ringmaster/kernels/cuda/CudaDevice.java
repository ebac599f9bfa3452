package io.ringmaster.kernels.cuda;

import static jcuda.driver.CUfunction_attribute.CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES;
import static jcuda.driver.CUjit_option.CU_JIT_ERROR_LOG_BUFFER;
import static jcuda.driver.CUjit_option.CU_JIT_ERROR_LOG_BUFFER_SIZE_BYTES;
import static jcuda.driver.CUjit_option.CU_JIT_INFO_LOG_BUFFER;
import static jcuda.driver.CUjit_option.CU_JIT_INFO_LOG_BUFFER_SIZE_BYTES;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import jcuda.NativePointerObject;
import jcuda.Pointer;
import jcuda.driver.CUcontext;
import jcuda.driver.CUdevice;
import jcuda.driver.CUdeviceptr;
import jcuda.driver.CUevent;
import jcuda.driver.CUfunction;
import jcuda.driver.CUmodule;
import jcuda.driver.CUresult;
import jcuda.driver.CUstream;
import jcuda.driver.JCudaDriver;
import jcuda.driver.JITOptions;

/**
 * One GPU on the CUDA driver API: its primary context, one stream, our PTX modules (JIT-compiled by
 * the driver for this GPU at open), memory, kernel launches and event timing. Every public method makes
 * the context current first, so callers may come from any thread (actors move between threads).
 */
public final class CudaDevice implements AutoCloseable {
  /** Dynamic shared memory a kernel may use without opting in (CUDA programming guide, all archs). */
  private static final int DEFAULT_SHARED_BYTES = 48 * 1024;
  private static final int LOG_BYTES = 16 * 1024;

  private final CudaDeviceInfo info;
  private final String driverVersion;
  private final CUdevice device = new CUdevice();
  private final CUcontext context = new CUcontext();
  private final CUstream stream = new CUstream();
  private final Map<String, CUmodule> modules = new LinkedHashMap<>();
  private final Map<String, CUfunction> functions = new HashMap<>();
  private final Map<String, Integer> sharedOptIns = new HashMap<>();
  private final double moduleLoadSeconds;
  private boolean closed;

  private CudaDevice(CudaProbe probe, int ordinal) {
    this.info = probe.devices().get(ordinal);
    this.driverVersion = probe.driverVersion();
    JCudaDriver.setExceptionsEnabled(true);
    JCudaDriver.cuInit(0);
    JCudaDriver.cuDeviceGet(device, ordinal);
    JCudaDriver.cuDevicePrimaryCtxRetain(context, device);
    JCudaDriver.cuCtxSetCurrent(context);
    JCudaDriver.cuStreamCreate(stream, 0);
    long start = System.nanoTime();
    try {
      PtxModules ptx = probe.ptx();
      // A module for another architecture (the Hopper-only kernels elsewhere) stays unloaded: its kernels
      // are then "not in the PTX modules" here, and KernelChoice does not pick them on this GPU.
      ptx.modules().forEach((name, code) -> {
        if (info.runs(ptx.target(name))) loadModule(name, code, ptx.entries(name));
      });
    } catch (RuntimeException e) {
      close();
      throw e;
    }
    this.moduleLoadSeconds = (System.nanoTime() - start) / 1e9;
  }

  /** Opens GPU {@code ordinal}; the probe must have found CUDA available. */
  public static CudaDevice open(CudaProbe probe, int ordinal) {
    if (!probe.available()) throw new IllegalStateException("CUDA is not available: " + probe.reason());
    if (ordinal < 0 || ordinal >= probe.devices().size()) {
      throw new IllegalArgumentException(
          "no CUDA device " + ordinal + ": this machine has " + probe.devices().size());
    }
    CudaDeviceInfo info = probe.devices().get(ordinal);
    if (!probe.ptx().runsOn(info)) {
      throw new IllegalArgumentException("CUDA device " + ordinal + " (" + info.describe() + ") cannot run our PTX ("
          + String.join(", ", probe.ptx().portableTargets()) + " or later)");
    }
    return new CudaDevice(probe, ordinal);
  }

  public CudaDeviceInfo info() {
    return info;
  }

  public String driverVersion() {
    return driverVersion;
  }

  /** How long the driver took to load (JIT-compile) our PTX at open. */
  public double moduleLoadSeconds() {
    return moduleLoadSeconds;
  }

  public synchronized DeviceMemory memory() {
    bind();
    long[] free = new long[1];
    long[] total = new long[1];
    JCudaDriver.cuMemGetInfo(free, total);
    return new DeviceMemory(free[0], total[0]);
  }

  public synchronized CUdeviceptr allocate(long bytes) {
    bind();
    CUdeviceptr pointer = new CUdeviceptr();
    JCudaDriver.cuMemAlloc(pointer, Math.max(bytes, 1));
    return pointer;
  }

  /** Frees once the work queued so far is done: a kernel in flight may still read the memory. */
  public synchronized void free(CUdeviceptr pointer) {
    bind();
    JCudaDriver.cuStreamSynchronize(stream);
    JCudaDriver.cuMemFree(pointer);
  }

  /** Host to device; synchronous, and ordered after the work already queued on the stream. */
  public synchronized void copyToDevice(CUdeviceptr target, Pointer source, long bytes) {
    bind();
    JCudaDriver.cuMemcpyHtoD(target, source, bytes);
  }

  /** Device to host once the queued work is done. */
  public synchronized void copyToHost(Pointer target, CUdeviceptr source, long bytes) {
    bind();
    JCudaDriver.cuStreamSynchronize(stream);
    JCudaDriver.cuMemcpyDtoH(target, source, bytes);
  }

  public synchronized void copyOnDevice(CUdeviceptr target, CUdeviceptr source, long bytes) {
    bind();
    JCudaDriver.cuMemcpyDtoDAsync(target, source, bytes, stream);
  }

  public synchronized void zero(CUdeviceptr target, long bytes) {
    bind();
    JCudaDriver.cuMemsetD8Async(target, (byte) 0, bytes, stream);
  }

  public synchronized void synchronize() {
    bind();
    JCudaDriver.cuStreamSynchronize(stream);
  }

  /**
   * Queues {@code function} on the stream. Arguments are packed by their Java type, which must match
   * the kernel's parameter: {@link CUdeviceptr} for pointers, Integer for int, Float for float,
   * Double for double, Long for long long.
   */
  public synchronized void launch(
      String function, int gridX, int gridY, int threads, int sharedBytes, Object... arguments) {
    bind();
    CUfunction kernel = function(function);
    allowSharedMemory(function, kernel, sharedBytes);
    NativePointerObject[] parameters = Arrays.stream(arguments).map(CudaDevice::parameter)
        .toArray(NativePointerObject[]::new);
    JCudaDriver.cuLaunchKernel(
        kernel, gridX, gridY, 1, threads, 1, 1, sharedBytes, stream, Pointer.to(parameters), null);
  }

  /** Seconds the GPU spent on the work {@code queue} puts on the stream, measured with CUDA events. */
  public synchronized double time(Runnable queue) {
    bind();
    CUevent start = new CUevent();
    CUevent end = new CUevent();
    JCudaDriver.cuEventCreate(start, 0);
    JCudaDriver.cuEventCreate(end, 0);
    try {
      JCudaDriver.cuEventRecord(start, stream);
      queue.run();
      JCudaDriver.cuEventRecord(end, stream);
      JCudaDriver.cuEventSynchronize(end);
      float[] milliseconds = new float[1];
      JCudaDriver.cuEventElapsedTime(milliseconds, start, end);
      return milliseconds[0] / 1e3;
    } finally {
      JCudaDriver.cuEventDestroy(start);
      JCudaDriver.cuEventDestroy(end);
    }
  }

  @Override
  public synchronized void close() {
    if (closed) return;
    closed = true;
    JCudaDriver.cuCtxSetCurrent(context);
    JCudaDriver.cuStreamSynchronize(stream);
    modules.values().forEach(JCudaDriver::cuModuleUnload);
    JCudaDriver.cuStreamDestroy(stream);
    JCudaDriver.cuDevicePrimaryCtxRelease(device);
  }

  private void bind() {
    if (closed) throw new IllegalStateException("CUDA device " + info.ordinal() + " is closed");
    JCudaDriver.cuCtxSetCurrent(context);
  }

  private void loadModule(String name, byte[] ptx, Set<String> kernels) {
    byte[] terminated = Arrays.copyOf(ptx, ptx.length + 1);
    JITOptions options = new JITOptions();
    options.putBytes(CU_JIT_ERROR_LOG_BUFFER, new byte[LOG_BYTES]);
    options.putInt(CU_JIT_ERROR_LOG_BUFFER_SIZE_BYTES, LOG_BYTES);
    options.putBytes(CU_JIT_INFO_LOG_BUFFER, new byte[LOG_BYTES]);
    options.putInt(CU_JIT_INFO_LOG_BUFFER_SIZE_BYTES, LOG_BYTES);
    CUmodule module = new CUmodule();
    // JCuda returns this call's error code instead of throwing, even with exceptions enabled.
    int result = JCudaDriver.cuModuleLoadDataJIT(module, Pointer.to(terminated), options);
    if (result != CUresult.CUDA_SUCCESS) {
      throw new IllegalStateException("the driver (" + driverVersion + ") could not load " + name + ": "
          + CUresult.stringFor(result) + "\nJIT error log:\n" + log(options, CU_JIT_ERROR_LOG_BUFFER)
          + "\nJIT info log:\n" + log(options, CU_JIT_INFO_LOG_BUFFER));
    }
    modules.put(name, module);
    for (String kernel : kernels) {
      CUfunction function = new CUfunction();
      JCudaDriver.cuModuleGetFunction(function, module, kernel);
      functions.put(kernel, function);
    }
  }

  private static String log(JITOptions options, int key) {
    byte[] bytes = options.getBytes(key);
    if (bytes == null) return "(none)";
    int length = 0;
    while (length < bytes.length && bytes[length] != 0) length++;
    return length == 0 ? "(empty)" : new String(bytes, 0, length, StandardCharsets.UTF_8);
  }

  /** Whether a module this GPU loaded holds kernel {@code name}. */
  boolean hasKernel(String name) {
    return functions.containsKey(name);
  }

  private CUfunction function(String name) {
    CUfunction function = functions.get(name);
    if (function == null) {
      throw new IllegalStateException("no kernel " + name + " in the PTX modules " + modules.keySet());
    }
    return function;
  }

  private void allowSharedMemory(String name, CUfunction kernel, int sharedBytes) {
    if (sharedBytes <= DEFAULT_SHARED_BYTES || sharedOptIns.getOrDefault(name, 0) >= sharedBytes) return;
    if (sharedBytes > info.sharedBytesPerBlockOptIn()) {
      throw new IllegalStateException(name + " needs " + sharedBytes + " bytes of shared memory; "
          + info.name() + " allows " + info.sharedBytesPerBlockOptIn() + " per block");
    }
    JCudaDriver.cuFuncSetAttribute(kernel, CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES, sharedBytes);
    sharedOptIns.put(name, sharedBytes);
  }

  private static NativePointerObject parameter(Object argument) {
    if (argument instanceof CUdeviceptr pointer) return Pointer.to(pointer);
    if (argument instanceof Integer value) return Pointer.to(new int[] {value});
    if (argument instanceof Float value) return Pointer.to(new float[] {value});
    if (argument instanceof Double value) return Pointer.to(new double[] {value});
    if (argument instanceof Long value) return Pointer.to(new long[] {value});
    throw new IllegalArgumentException("no kernel parameter type for " + argument);
  }
}
