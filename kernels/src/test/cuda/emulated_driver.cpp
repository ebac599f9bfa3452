// libcuda.so.1 for machines without a GPU: the part of the CUDA driver API that JCuda and our backend
// call, with kernels run by the CPU emulation (host_emulation.h) of our own CUDA sources. Put its folder
// on LD_LIBRARY_PATH and JCuda loads it instead of NVIDIA's driver, so the Java host code (probe, PTX
// loading with JIT logs, launches and their parameters, memory, events) runs end to end here.
// It is strict where the real driver would fail or silently misbehave: no current context, launches
// beyond a kernel's .maxntid or its shared-memory allowance, copies outside an allocation, functions
// missing from a module's PTX. Fresh allocations hold garbage (0xCD), as device memory may.
// Environment: RM_EMULATED_SHARED_OPTIN (bytes per block, default 232448 as an H100),
// RM_EMULATED_JIT_FAILURE (when set, loading PTX fails with a JIT error log).
#include "device.cuh"

#include <dlfcn.h>
#include <ffi.h>

#include <chrono>
#include <map>
#include <mutex>
#include <cctype>
#include <string>

namespace {

using CUresult = int;
using CUdevice = int;
using CUdeviceptr = unsigned long long;

constexpr CUresult CUDA_SUCCESS = 0;
constexpr CUresult CUDA_ERROR_INVALID_VALUE = 1;
constexpr CUresult CUDA_ERROR_OUT_OF_MEMORY = 2;
constexpr CUresult CUDA_ERROR_NOT_INITIALIZED = 3;
constexpr CUresult CUDA_ERROR_INVALID_DEVICE = 101;
constexpr CUresult CUDA_ERROR_INVALID_CONTEXT = 201;
constexpr CUresult CUDA_ERROR_INVALID_PTX = 218;
constexpr CUresult CUDA_ERROR_INVALID_HANDLE = 400;
constexpr CUresult CUDA_ERROR_NOT_FOUND = 500;

// Enum values from NVIDIA's cuda.h.
constexpr int ATTRIBUTE_MULTIPROCESSOR_COUNT = 16;
constexpr int ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR = 75;
constexpr int ATTRIBUTE_COMPUTE_CAPABILITY_MINOR = 76;
constexpr int ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK_OPTIN = 97;
constexpr int FUNCTION_MAX_DYNAMIC_SHARED_SIZE_BYTES = 8;
constexpr int JIT_INFO_LOG_BUFFER = 3;
constexpr int JIT_INFO_LOG_BUFFER_SIZE_BYTES = 4;
constexpr int JIT_ERROR_LOG_BUFFER = 5;
constexpr int JIT_ERROR_LOG_BUFFER_SIZE_BYTES = 6;

constexpr size_t TOTAL_BYTES = 80ULL << 30;
constexpr int DEFAULT_SHARED_LIMIT = 48 * 1024;

struct Context {};
struct Stream {};
struct Event {
  std::chrono::steady_clock::time_point time;
};

struct Function {
  std::string name;
  std::vector<ffi_type*> parameters;
  int max_threads = 1024;
  int shared_allowance = DEFAULT_SHARED_LIMIT;
  void* code = nullptr;
  ffi_cif cif;
};

struct Module {
  std::map<std::string, Function> functions;
};

Context primary_context;
bool initialised = false;
thread_local Context* current = nullptr;
std::mutex memory_lock;
std::map<uintptr_t, size_t> allocations;  // start -> bytes
size_t allocated_bytes = 0;

int shared_opt_in() {
  const char* value = std::getenv("RM_EMULATED_SHARED_OPTIN");
  return value ? std::atoi(value) : 232448;  // an H100 allows 227 KB per block
}

// Major and minor, from RM_EMULATED_COMPUTE_CAPABILITY ("8.9": a GPU that cannot load sm_90a PTX).
std::pair<int, int> compute_capability() {
  const char* value = std::getenv("RM_EMULATED_COMPUTE_CAPABILITY");
  int major = 9, minor = 0;
  if (value) std::sscanf(value, "%d.%d", &major, &minor);
  return {major, minor};
}

CUresult need_context() {
  if (!initialised) return CUDA_ERROR_NOT_INITIALIZED;
  return current ? CUDA_SUCCESS : CUDA_ERROR_INVALID_CONTEXT;
}

// The allocation [pointer, pointer + bytes) lies in, or false.
bool inside_allocation(CUdeviceptr pointer, size_t bytes) {
  std::lock_guard<std::mutex> guard(memory_lock);
  auto it = allocations.upper_bound((uintptr_t)pointer);
  if (it == allocations.begin()) return false;
  --it;
  return (uintptr_t)pointer >= it->first && (uintptr_t)pointer + bytes <= it->first + it->second;
}

void* own_symbol(const std::string& name) {
  static void* self = [] {
    Dl_info info;
    dladdr((void*)&shared_opt_in, &info);
    return dlopen(info.dli_fname, RTLD_LAZY | RTLD_NOLOAD);
  }();
  return dlsym(self, name.c_str());
}

void write_log(void* buffer, size_t size, const std::string& text) {
  if (!buffer || size == 0) return;
  size_t length = std::min(size - 1, text.size());
  std::memcpy(buffer, text.data(), length);
  static_cast<char*>(buffer)[length] = 0;
}

ffi_type* parameter_type(const std::string& type) {
  if (type == "u64" || type == "b64" || type == "s64") return &ffi_type_uint64;
  if (type == "u32" || type == "b32" || type == "s32") return &ffi_type_sint32;
  if (type == "f32") return &ffi_type_float;
  if (type == "f64") return &ffi_type_double;
  return nullptr;
}

// Entries of the PTX with their parameter types and .maxntid (a plain scan: std::regex recurses per
// character and the JVM's thread stacks are small).
CUresult parse_ptx(const std::string& ptx, Module& module, std::string& error) {
  if (ptx.find(".version") == std::string::npos || ptx.find(".target") == std::string::npos) {
    error = "not PTX: no .version / .target directive";
    return CUDA_ERROR_INVALID_PTX;
  }
  // As the driver: sm_XY PTX loads on XY and later GPUs, architecture-specific sm_XYa only on XY.
  int target = 0;
  char specific = 0;
  std::sscanf(ptx.c_str() + ptx.find(".target") + 7, " sm_%d%c", &target, &specific);
  const int capability = compute_capability().first * 10 + compute_capability().second;
  if (specific == 'a' ? capability != target : capability < target) {
    error = "PTX .target sm_" + std::to_string(target) + (specific == 'a' ? "a" : "") + " cannot be compiled for sm_" +
            std::to_string(capability);
    return CUDA_ERROR_INVALID_PTX;
  }
  for (size_t at = ptx.find(".entry "); at != std::string::npos; at = ptx.find(".entry ", at + 1)) {
    const size_t open = ptx.find('(', at);
    const size_t close = ptx.find(')', open);
    const size_t body = ptx.find('{', close);
    if (open == std::string::npos || close == std::string::npos || body == std::string::npos) {
      error = "unterminated .entry";
      return CUDA_ERROR_INVALID_PTX;
    }
    Function function;
    size_t name_start = at + 7;
    while (ptx[name_start] == ' ') ++name_start;
    size_t name_end = name_start;
    while (name_end < open && (std::isalnum((unsigned char)ptx[name_end]) || ptx[name_end] == '_')) ++name_end;
    function.name = ptx.substr(name_start, name_end - name_start);
    for (size_t p = ptx.find(".param", open); p < close; p = ptx.find(".param", p + 1)) {
      const size_t type_start = ptx.find('.', p + 6) + 1;
      size_t type_end = type_start;
      while (std::isalnum((unsigned char)ptx[type_end])) ++type_end;
      const std::string type = ptx.substr(type_start, type_end - type_start);
      ffi_type* ffi = parameter_type(type);
      if (!ffi) {
        error = "parameter type ." + type + " of " + function.name + " is not emulated";
        return CUDA_ERROR_INVALID_PTX;
      }
      function.parameters.push_back(ffi);
    }
    const size_t bound = ptx.find(".maxntid", close);
    if (bound < body) function.max_threads = std::atoi(ptx.c_str() + bound + 8);
    function.code = own_symbol(function.name);
    if (!function.code) {
      error = "the emulation has no code for " + function.name;
      return CUDA_ERROR_INVALID_PTX;
    }
    module.functions[function.name] = function;
  }
  for (auto& [name, function] : module.functions) {
    if (ffi_prep_cif(&function.cif, FFI_DEFAULT_ABI, function.parameters.size(), &ffi_type_void,
                     function.parameters.data()) != FFI_OK) {
      error = "libffi cannot describe " + name;
      return CUDA_ERROR_INVALID_PTX;
    }
  }
  return CUDA_SUCCESS;
}

CUresult copy(void* target, const void* source, size_t bytes) {
  std::memcpy(target, source, bytes);
  return CUDA_SUCCESS;
}

}  // namespace

extern "C" {

CUresult cuInit(unsigned int) {
  initialised = true;
  return CUDA_SUCCESS;
}

CUresult cuDriverGetVersion(int* version) {
  *version = 13000;
  return CUDA_SUCCESS;
}

CUresult cuDeviceGetCount(int* count) {
  if (!initialised) return CUDA_ERROR_NOT_INITIALIZED;
  *count = 1;
  return CUDA_SUCCESS;
}

CUresult cuDeviceGet(CUdevice* device, int ordinal) {
  if (!initialised) return CUDA_ERROR_NOT_INITIALIZED;
  if (ordinal != 0) return CUDA_ERROR_INVALID_DEVICE;
  *device = 0;
  return CUDA_SUCCESS;
}

CUresult cuDeviceGetName(char* name, int length, CUdevice device) {
  if (device != 0) return CUDA_ERROR_INVALID_DEVICE;
  write_log(name, length, "CPU emulation (ringmaster test driver)");
  return CUDA_SUCCESS;
}

CUresult cuDeviceGetAttribute(int* value, int attribute, CUdevice device) {
  if (device != 0) return CUDA_ERROR_INVALID_DEVICE;
  switch (attribute) {
    case ATTRIBUTE_MULTIPROCESSOR_COUNT: *value = 4; break;
    case ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR: *value = compute_capability().first; break;
    case ATTRIBUTE_COMPUTE_CAPABILITY_MINOR: *value = compute_capability().second; break;
    case ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK_OPTIN: *value = shared_opt_in(); break;
    default: *value = 0;
  }
  return CUDA_SUCCESS;
}

CUresult cuDeviceTotalMem_v2(size_t* bytes, CUdevice device) {
  if (device != 0) return CUDA_ERROR_INVALID_DEVICE;
  *bytes = TOTAL_BYTES;
  return CUDA_SUCCESS;
}

CUresult cuDevicePrimaryCtxRetain(Context** context, CUdevice device) {
  if (!initialised) return CUDA_ERROR_NOT_INITIALIZED;
  if (device != 0) return CUDA_ERROR_INVALID_DEVICE;
  *context = &primary_context;
  return CUDA_SUCCESS;
}

CUresult cuDevicePrimaryCtxRelease_v2(CUdevice device) {
  return device == 0 ? CUDA_SUCCESS : CUDA_ERROR_INVALID_DEVICE;
}

CUresult cuCtxSetCurrent(Context* context) {
  current = context;
  return CUDA_SUCCESS;
}

CUresult cuCtxGetCurrent(Context** context) {
  *context = current;
  return CUDA_SUCCESS;
}

CUresult cuCtxSynchronize() { return need_context(); }

CUresult cuModuleLoadDataEx(Module** result, const void* image, unsigned int count, int* options,
                            void** values) {
  if (CUresult status = need_context()) return status;
  void* error_log = nullptr;
  void* info_log = nullptr;
  size_t error_size = 0, info_size = 0;
  for (unsigned i = 0; i < count; ++i) {
    if (options[i] == JIT_ERROR_LOG_BUFFER) error_log = values[i];
    if (options[i] == JIT_ERROR_LOG_BUFFER_SIZE_BYTES) error_size = (size_t)(uintptr_t)values[i];
    if (options[i] == JIT_INFO_LOG_BUFFER) info_log = values[i];
    if (options[i] == JIT_INFO_LOG_BUFFER_SIZE_BYTES) info_size = (size_t)(uintptr_t)values[i];
  }
  if (std::getenv("RM_EMULATED_DEBUG")) for (unsigned i = 0; i < count; ++i) std::fprintf(stderr, "option %d value %p\n", options[i], values[i]);
  auto module = std::make_unique<Module>();
  std::string error;
  CUresult status = std::getenv("RM_EMULATED_JIT_FAILURE")
                        ? CUDA_ERROR_INVALID_PTX
                        : parse_ptx(static_cast<const char*>(image), *module, error);
  if (std::getenv("RM_EMULATED_JIT_FAILURE")) error = "emulated JIT failure (RM_EMULATED_JIT_FAILURE is set)";
  if (status != CUDA_SUCCESS) {
    write_log(error_log, error_size, "ptxas fatal   : " + error);
    return status;
  }
  write_log(info_log, info_size, "emulated JIT: " + std::to_string(module->functions.size()) + " entries");
  *result = module.release();
  return CUDA_SUCCESS;
}

CUresult cuModuleLoadData(Module** result, const void* image) {
  return cuModuleLoadDataEx(result, image, 0, nullptr, nullptr);
}

CUresult cuModuleGetFunction(Function** function, Module* module, const char* name) {
  if (CUresult status = need_context()) return status;
  if (!module) return CUDA_ERROR_INVALID_HANDLE;
  auto it = module->functions.find(name);
  if (it == module->functions.end()) return CUDA_ERROR_NOT_FOUND;
  *function = &it->second;
  return CUDA_SUCCESS;
}

CUresult cuModuleUnload(Module* module) {
  delete module;
  return CUDA_SUCCESS;
}

CUresult cuFuncSetAttribute(Function* function, int attribute, int value) {
  if (attribute != FUNCTION_MAX_DYNAMIC_SHARED_SIZE_BYTES) return CUDA_SUCCESS;
  if (value > shared_opt_in()) return CUDA_ERROR_INVALID_VALUE;
  function->shared_allowance = value;
  return CUDA_SUCCESS;
}

CUresult cuLaunchKernel(Function* function, unsigned grid_x, unsigned grid_y, unsigned grid_z,
                        unsigned block_x, unsigned block_y, unsigned block_z, unsigned shared_bytes,
                        Stream*, void** parameters, void** extra) {
  if (CUresult status = need_context()) return status;
  const unsigned threads = block_x * block_y * block_z;
  if (extra || grid_x == 0 || grid_y == 0 || grid_z != 1 || grid_y > 65535 || threads == 0 ||
      threads > (unsigned)function->max_threads || (int)shared_bytes > function->shared_allowance) {
    std::fprintf(stderr, "emulated driver: invalid launch of %s (grid %u,%u,%u block %u shared %u)\n",
                 function->name.c_str(), grid_x, grid_y, grid_z, threads, shared_bytes);
    return CUDA_ERROR_INVALID_VALUE;
  }
  rm_emulation::launch(dim3{grid_x, grid_y, 1}, dim3{block_x, block_y, block_z}, shared_bytes, [&] {
    ffi_call(&function->cif, FFI_FN(function->code), nullptr, parameters);
  });
  return CUDA_SUCCESS;
}

CUresult cuMemAlloc_v2(CUdeviceptr* pointer, size_t bytes) {
  if (CUresult status = need_context()) return status;
  if (bytes == 0) return CUDA_ERROR_INVALID_VALUE;
  size_t rounded = (bytes + 255) / 256 * 256;
  void* memory = std::aligned_alloc(256, rounded);
  if (!memory) return CUDA_ERROR_OUT_OF_MEMORY;
  std::memset(memory, 0xCD, rounded);
  std::lock_guard<std::mutex> guard(memory_lock);
  allocations[(uintptr_t)memory] = bytes;
  allocated_bytes += rounded;
  *pointer = (CUdeviceptr)(uintptr_t)memory;
  return CUDA_SUCCESS;
}

CUresult cuMemFree_v2(CUdeviceptr pointer) {
  if (CUresult status = need_context()) return status;
  std::lock_guard<std::mutex> guard(memory_lock);
  auto it = allocations.find((uintptr_t)pointer);
  if (it == allocations.end()) return CUDA_ERROR_INVALID_VALUE;
  allocated_bytes -= (it->second + 255) / 256 * 256;
  allocations.erase(it);
  std::free((void*)(uintptr_t)pointer);
  return CUDA_SUCCESS;
}

CUresult cuMemGetInfo_v2(size_t* free_bytes, size_t* total_bytes) {
  if (CUresult status = need_context()) return status;
  std::lock_guard<std::mutex> guard(memory_lock);
  *free_bytes = TOTAL_BYTES - allocated_bytes;
  *total_bytes = TOTAL_BYTES;
  return CUDA_SUCCESS;
}

CUresult cuMemcpyHtoD_v2(CUdeviceptr target, const void* source, size_t bytes) {
  if (CUresult status = need_context()) return status;
  if (!inside_allocation(target, bytes)) return CUDA_ERROR_INVALID_VALUE;
  return copy((void*)(uintptr_t)target, source, bytes);
}

CUresult cuMemcpyDtoH_v2(void* target, CUdeviceptr source, size_t bytes) {
  if (CUresult status = need_context()) return status;
  if (!inside_allocation(source, bytes)) return CUDA_ERROR_INVALID_VALUE;
  return copy(target, (const void*)(uintptr_t)source, bytes);
}

CUresult cuMemcpyDtoDAsync_v2(CUdeviceptr target, CUdeviceptr source, size_t bytes, Stream*) {
  if (CUresult status = need_context()) return status;
  if (!inside_allocation(target, bytes) || !inside_allocation(source, bytes)) return CUDA_ERROR_INVALID_VALUE;
  return copy((void*)(uintptr_t)target, (const void*)(uintptr_t)source, bytes);
}

CUresult cuMemsetD8Async(CUdeviceptr target, unsigned char value, size_t count, Stream*) {
  if (CUresult status = need_context()) return status;
  if (!inside_allocation(target, count)) return CUDA_ERROR_INVALID_VALUE;
  std::memset((void*)(uintptr_t)target, value, count);
  return CUDA_SUCCESS;
}

CUresult cuStreamCreate(Stream** stream, unsigned int) {
  if (CUresult status = need_context()) return status;
  *stream = new Stream();
  return CUDA_SUCCESS;
}

CUresult cuStreamSynchronize(Stream*) { return need_context(); }

CUresult cuStreamDestroy_v2(Stream* stream) {
  delete stream;
  return CUDA_SUCCESS;
}

CUresult cuEventCreate(Event** event, unsigned int) {
  if (CUresult status = need_context()) return status;
  *event = new Event();
  return CUDA_SUCCESS;
}

CUresult cuEventRecord(Event* event, Stream*) {
  if (CUresult status = need_context()) return status;
  event->time = std::chrono::steady_clock::now();  // launches run synchronously here
  return CUDA_SUCCESS;
}

CUresult cuEventSynchronize(Event*) { return need_context(); }

CUresult cuEventElapsedTime(float* milliseconds, Event* start, Event* end) {
  *milliseconds = std::chrono::duration<float, std::milli>(end->time - start->time).count();
  return CUDA_SUCCESS;
}

CUresult cuEventElapsedTime_v2(float* milliseconds, Event* start, Event* end) {
  return cuEventElapsedTime(milliseconds, start, end);
}

CUresult cuEventDestroy_v2(Event* event) {
  delete event;
  return CUDA_SUCCESS;
}

}  // extern "C"
