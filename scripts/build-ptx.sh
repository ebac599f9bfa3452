#!/usr/bin/env bash
# Builds kernels/src/main/cuda/*.cu to PTX (compute_80: bf16 tensor cores; the driver JIT-compiles it for
# the GPU at hand; *_sm90.cu: compute_90a, Hopper's wgmma, which only an sm_90 GPU loads) and, where
# ptxas is present, assembles each PTX for sm_80, sm_89 and sm_90 (the _sm90 ones for sm_90a) and keeps
# ptxas's register / shared-memory report. Run by the kernels module's Maven build (generate-resources);
# without nvcc it says so once and the build carries no PTX ("no PTX in this build" at run time).
#   usage: build-ptx.sh SOURCE_DIR OUTPUT_DIR [REPORT_DIR]
set -euo pipefail
source_dir="$1"
output_dir="$2/ptx"
report_dir="${3:-}"
nvcc="${NVCC:-$(command -v nvcc || true)}"
[[ -z "$nvcc" && -x /usr/local/cuda/bin/nvcc ]] && nvcc=/usr/local/cuda/bin/nvcc

if [[ -n "$nvcc" && -f "$output_dir/index.txt" &&
      -z "$(find "$source_dir" "${BASH_SOURCE[0]}" -newer "$output_dir/index.txt" -print -quit)" ]]; then
  exit 0  # up to date
fi
rm -rf "$output_dir"
if [[ -z "$nvcc" ]]; then
  echo "[ringmaster] nvcc not found: this build carries no CUDA PTX (the cuda backend will report it)"
  exit 0
fi
mkdir -p "$output_dir"
ptxas="$(dirname "$nvcc")/ptxas"
[[ -x "$ptxas" ]] || ptxas="$(command -v ptxas || true)"

# The PTX target of a source: arch-specific (90a) for the Hopper-only kernels.
target_of() { [[ "$1" == *_sm90.cu ]] && echo 90a || echo 80; }

for source in "$source_dir"/*.cu; do
  name="$(basename "$source" .cu)"
  "$nvcc" -ptx -arch=compute_"$(target_of "$source")" -std=c++17 -O3 -o "$output_dir/$name.ptx" "$source"
  echo "$name.ptx" >>"$output_dir/index.txt"
done
echo "nvcc $("$nvcc" --version | sed -n 's/.*release \([0-9.]*\).*/\1/p')" >"$output_dir/built-with.txt"

if [[ -n "$report_dir" && -n "$ptxas" ]]; then
  mkdir -p "$report_dir"
  for arch in sm_80 sm_89 sm_90 sm_90a; do
    report="$report_dir/ptxas-$arch.txt"
    : >"$report"
    for ptx in "$output_dir"/*.ptx; do
      # compute_80 PTX for the three GPUs, compute_90a PTX for sm_90a only
      hopper_ptx=false hopper_arch=false
      [[ "$ptx" == *_sm90.ptx ]] && hopper_ptx=true
      [[ "$arch" == sm_90a ]] && hopper_arch=true
      [[ "$hopper_ptx" == "$hopper_arch" ]] || continue
      "$ptxas" -arch="$arch" -v -o /dev/null "$ptx" >>"$report" 2>&1 || {
        cat "$report"
        echo "[ringmaster] ptxas -arch=$arch rejected $(basename "$ptx")" >&2
        exit 1
      }
    done
  done
  echo "[ringmaster] PTX built and assembled for sm_80, sm_89, sm_90 and sm_90a (reports in $report_dir)"
fi
