#!/usr/bin/env bash
# Builds kernels/src/main/cuda/*.cu to PTX (compute_80: bf16 tensor cores; the driver JIT-compiles it for
# the GPU at hand) and, where ptxas is present, assembles each PTX for sm_80, sm_89 and sm_90 and keeps
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

for source in "$source_dir"/*.cu; do
  name="$(basename "$source" .cu)"
  "$nvcc" -ptx -arch=compute_80 -std=c++17 -O3 -o "$output_dir/$name.ptx" "$source"
  echo "$name.ptx" >>"$output_dir/index.txt"
done
echo "nvcc $("$nvcc" --version | sed -n 's/.*release \([0-9.]*\).*/\1/p')" >"$output_dir/built-with.txt"

if [[ -n "$report_dir" && -n "$ptxas" ]]; then
  mkdir -p "$report_dir"
  for arch in sm_80 sm_89 sm_90; do
    report="$report_dir/ptxas-$arch.txt"
    : >"$report"
    for ptx in "$output_dir"/*.ptx; do
      "$ptxas" -arch="$arch" -v -o /dev/null "$ptx" >>"$report" 2>&1 || {
        cat "$report"
        echo "[ringmaster] ptxas -arch=$arch rejected $(basename "$ptx")" >&2
        exit 1
      }
    done
  done
  echo "[ringmaster] PTX built and assembled for sm_80, sm_89, sm_90 (reports in $report_dir)"
fi
