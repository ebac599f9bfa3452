#!/usr/bin/env bash
# Compiles the CUDA kernels as plain C++ against the CPU emulation of their device primitives
# (kernels/src/test/cuda/host_emulation.h) and runs them against a double-precision reference.
# Needs only g++ (C++20): no GPU, no CUDA. Pass --quick for the first two shapes only.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${EMULATION_BUILD:-$root/kernels/target/cuda-emulation}"
mkdir -p "$build"
flags=(-std=c++20 -O2 -pthread -I"$root/kernels/src/main/cuda" -I"$root/kernels/src/test/cuda")
objects=()
for source in "$root"/kernels/src/main/cuda/*.cu; do
  object="$build/$(basename "$source" .cu).o"
  g++ "${flags[@]}" -fPIC -x c++ -c "$source" -o "$object"
  objects+=("$object")
done
g++ "${flags[@]}" "$root/kernels/src/test/cuda/kernel_emulation_test.cpp" "${objects[@]}" -o "$build/kernel_emulation_test"
"$build/kernel_emulation_test" "$@"
