#!/usr/bin/env bash
# Runs our CUDA kernels on the CPU: compiles kernels/src/main/cuda/*.cu as plain C++ against the emulation
# of their device primitives (kernels/src/test/cuda/host_emulation.h), runs them against a double-precision
# reference, and builds an emulated libcuda.so.1 (kernels/src/test/cuda/emulated_driver.cpp) that JCuda
# loads when its folder is on LD_LIBRARY_PATH. Needs g++ (C++20) and libffi; no GPU, no CUDA.
#   emulate-kernels.sh [--quick]     the kernel tests (--quick: the first two shapes)
#   RM_EMULATED_COPIES=early emulate-kernels.sh ...   cp.async copies land when issued, not at their wait
#   emulate-kernels.sh --driver-only build the emulated driver; prints its folder
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${EMULATION_BUILD:-$root/kernels/target/cuda-emulation}"
mkdir -p "$build/driver"
# _FORTIFY_SOURCE's longjmp check rejects the fibers' jumps between stacks.
flags=(-std=c++20 -O2 -U_FORTIFY_SOURCE -pthread -fPIC -I"$root/kernels/src/main/cuda" -I"$root/kernels/src/test/cuda")
objects=()
compiling=()
for source in "$root"/kernels/src/main/cuda/*.cu; do
  object="$build/$(basename "$source" .cu).o"
  if [[ ! -f "$object" || -n "$(find "$root/kernels/src/main/cuda" "$root/kernels/src/test/cuda" -newer "$object" -print -quit)" ]]; then
    g++ "${flags[@]}" -x c++ -c "$source" -o "$object" &
    compiling+=($!)
  fi
  objects+=("$object")
done
for job in "${compiling[@]}"; do wait "$job"; done
if [[ "${1:-}" == "--driver-only" ]]; then
  ffi_flags=$(pkg-config --cflags --libs libffi 2>/dev/null || echo "-lffi")
  g++ "${flags[@]}" -shared -Wl,-soname,libcuda.so.1 -o "$build/driver/libcuda.so.1" \
    "$root/kernels/src/test/cuda/emulated_driver.cpp" "${objects[@]}" $ffi_flags -ldl
  echo "$build/driver"
  exit 0
fi
test_binary="$build/kernel_emulation_test"
if [[ ! -f "$test_binary" || -n "$(find "$root/kernels/src/main/cuda" "$root/kernels/src/test/cuda" -newer "$test_binary" -print -quit)" ]]; then
  g++ "${flags[@]}" "$root/kernels/src/test/cuda/kernel_emulation_test.cpp" "${objects[@]}" -o "$test_binary"
fi
"$test_binary" "$@"
