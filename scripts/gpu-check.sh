#!/usr/bin/env bash
# Proves the CUDA backend on a machine with a GPU, nvcc and Python/PyTorch but no Java, from the archive
# scripts/gpu-bundle.sh made (a jlink Java runtime, our jars and PTX, the test classes, JUnit's console
# launcher). Run in the repository root:
#   bash scripts/gpu-check.sh build/gpu-bundle.tar.gz [--rebuild-ptx] [--seq 4096,8192,16384]
#        [--seq-d64 8192] [--tests Class1,Class2] [--budget 420] [--time-scale 1] [--no-efficiency]
# Steps, each bounded by `timeout` and reported PASS / FAIL / SKIP with its reason, each independent of
# the others: unpack, machine (nvidia-smi, nvcc, torch), [rebuild the PTX with this machine's nvcc],
# doctor, the CUDA correctness suite (the backend contract on the GPU, then every tensor-core variant:
# bf16 within 2e-2 relative of the fp32 reference), our kernels' benchmark (the variants proven on a GPU,
# then the new forwards in a JVM of their own; a variant that disagrees with the reference is left out),
# SDPA's benchmark on the same shapes, the comparison (head dim 128 at --seq, then head dim 64 at
# --seq-d64; ours is the best variant of each phase), and the efficiencies of the simulation's GPU profile
# (sim/bench/gpu_efficiency.py, on H100 SXM and H200 whose datasheet peaks it needs; the JSON also goes
# to $OUT/gpu-efficiency.json; --no-efficiency skips it).
# --rebuild-ptx: compile kernels/src/main/cuda here and load that PTX instead of the carried one (when
# the driver cannot JIT the carried PTX; doctor then shows the JIT log). --budget: seconds for the
# whole run (default 420: a worst case leaves device time for a second run); a step gets at most what
# is left. --time-scale multiplies every step's limit
# (a rehearsal on the CPU emulation of the driver needs ~20). Everything printed also goes to
# $OUT/gpu-check.txt when OUT is set. Exit status 1 when a step failed. A step whose command exits 3
# (missing torch, no CUDA device) is a SKIP, with the command's last line as the reason.
set -uo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

main() {
  local bundle="" rebuild_ptx=false sequences="4096,8192,16384" sequences_d64="8192" tests="" budget=420
  local efficiency=true
  time_scale=1
  while (($#)); do
    case "$1" in
      --rebuild-ptx) rebuild_ptx=true ;;
      --no-efficiency) efficiency=false ;;
      --seq) sequences="$2"; shift ;;
      --seq-d64) sequences_d64="$2"; shift ;;
      --tests) tests="$2"; shift ;;
      --budget) budget="$2"; shift ;;
      --time-scale) time_scale="$2"; shift ;;
      -*) echo "gpu-check: unknown option $1"; return 2 ;;
      *) bundle="$1" ;;
    esac
    shift
  done
  [[ -n "$bundle" ]] || { echo "usage: bash scripts/gpu-check.sh build/gpu-bundle.tar.gz [--rebuild-ptx] [--seq LIST] [--tests LIST] [--budget SECONDS]"; return 2; }

  started=$SECONDS
  deadline=$((SECONDS + budget))
  work="$(mktemp -d /tmp/ringmaster-gpu-check.XXXXXX)"
  summary=()
  echo "ringmaster gpu-check $(date -u +%Y-%m-%dT%H:%M:%SZ) on $(hostname); bundle $bundle; budget ${budget}s; work $work"

  java="$work/gpu-bundle/jre/bin/java"
  java_options=(-Djava.io.tmpdir="$work" -XX:+UseParallelGC)
  # Forward variants by the benchmark's names: proven on an H200 (docs/cuda.md), and not yet run on a GPU.
  local proven_forwards=tensor-cores,tensor-cores-q-shared new_forwards=tensor-cores-4-warps,wgmma

  step "unpack the bundle" 60 tar -xzf "$bundle" -C "$work"
  # Spelled out jar by jar: JUnit's --class-path does not expand lib/* as the java launcher does.
  classpath="$work/gpu-bundle/test-classes$(printf ':%s' "$work"/gpu-bundle/lib/*.jar)"
  local have_java=false
  if [[ -x "$java" ]] && "$java" -version >/dev/null 2>&1; then
    have_java=true
    cat "$work/gpu-bundle/MANIFEST.txt"
  else
    echo "no usable Java runtime in the bundle: every Java step is skipped"
  fi

  if command -v nvidia-smi >/dev/null; then
    step "machine: nvidia-smi" 30 nvidia-smi
  else
    skip "machine: nvidia-smi" "not found: no NVIDIA driver here, so no GPU"
  fi
  step "machine: nvcc" 20 nvcc --version
  step "machine: python3 and torch" 60 python3 -c '
import sys
try:
    import torch
except ImportError as error:
    print(f"no PyTorch: {error}")
    sys.exit(3)
print("torch", torch.__version__, "cuda", torch.version.cuda,
      "device", torch.cuda.get_device_name(0) if torch.cuda.is_available() else "none")'

  if $rebuild_ptx; then
    if step "rebuild the PTX with this machine's nvcc" 240 bash scripts/build-ptx.sh kernels/src/main/cuda "$work/ptx-rebuilt" "$work/ptxas"; then
      export RINGMASTER_PTX_DIR="$work/ptx-rebuilt/ptx"
      echo "the Java steps load PTX from $RINGMASTER_PTX_DIR"
      grep -h -A3 "Compiling entry function 'attention_" "$work/ptxas/ptxas-sm_90.txt" "$work/ptxas/ptxas-sm_90a.txt" \
        2>/dev/null | grep -E "entry|Used|spill"
    fi
  fi

  if $have_java; then
    step "doctor" 120 "$java" "${java_options[@]}" -cp "$classpath" io.ringmaster.app.DoctorCommand
    # The kernels proven on a GPU before, then the new ones (4-warp and wgmma forwards) in a JVM of their
    # own: a kernel fault leaves the CUDA context unusable, and must not take the proven figures with it.
    if [[ -n "$tests" ]]; then
      correctness "CUDA correctness suite: $tests" "$tests"
    else
      correctness "CUDA correctness suite: the backend contract, default and simple kernels" \
        CudaProbeTest,PtxModulesTest,CudaAttentionBackendTest,CudaSimpleKernelsTest
      correctness "CUDA correctness suite: every tensor-core variant (the 4-warp and wgmma forwards are new)" \
        CudaTensorCoreKernelsTest
    fi
    : >"$work/ours.txt"
    : >"$work/ours-d64.txt"
    benchmark "benchmark: our kernels" 150 "$work/ours.txt" --seq "$sequences" --seconds 0.5 \
      --forwards "$proven_forwards"
    benchmark "benchmark: our new forwards" 90 "$work/ours.txt" --seq "$sequences" --seconds 0.5 \
      --forwards "$new_forwards" --backwards tensor-cores-keys-128
    benchmark "benchmark: our kernels, head dim 64" 60 "$work/ours-d64.txt" --seq "$sequences_d64" --head-dim 64 \
      --seconds 0.3 --forwards "$proven_forwards"
    benchmark "benchmark: our new forwards, head dim 64" 60 "$work/ours-d64.txt" --seq "$sequences_d64" \
      --head-dim 64 --seconds 0.3 --forwards "$new_forwards" --backwards tensor-cores-keys-128
  else
    skip "doctor, correctness suite, our benchmark" "no Java runtime"
  fi

  if command -v python3 >/dev/null; then
    step "benchmark: PyTorch SDPA" 150 python3 -u scripts/sdpa_benchmark.py --seq "$sequences" --seconds 0.5
    cp "$last_log" "$work/sdpa.txt"
    step "comparison: ours / SDPA (same shapes, bf16, causal, same FLOP convention)" 30 \
      python3 scripts/compare_benchmarks.py "$work/ours.txt" "$work/sdpa.txt"
    step "benchmark: PyTorch SDPA, head dim 64" 60 python3 -u scripts/sdpa_benchmark.py --seq "$sequences_d64" \
      --head-dim 64 --seconds 0.3
    cp "$last_log" "$work/sdpa-d64.txt"
    step "comparison at head dim 64: ours / SDPA" 30 \
      python3 scripts/compare_benchmarks.py "$work/ours-d64.txt" "$work/sdpa-d64.txt"
    if $efficiency; then
      efficiency_step
    else
      skip "simulation profile efficiencies" "--no-efficiency"
    fi
  else
    skip "SDPA benchmarks, comparisons and efficiencies" "no python3"
  fi

  echo
  echo "=== summary ($((SECONDS - started)) s)"
  printf '%s\n' "${summary[@]}"
  if printf '%s\n' "${summary[@]}" | grep -q '^FAIL'; then return 1; fi
  return 0
}

# step NAME LIMIT_SECONDS COMMAND...: runs COMMAND under `timeout`, at most LIMIT and what the budget has
# left, its output shown and kept in $last_log; records PASS / FAIL (exit status or TIMEOUT, and the last
# line) / SKIP (exit 3 or command not found) in the summary.
step() {
  local name="$1" limit=$(($2 * time_scale))
  shift 2
  last_log="$work/step-$((${#summary[@]} + 1)).log"
  : >"$last_log"
  local left=$((deadline - SECONDS))
  if ((left < 10)); then
    skip "$name" "out of time (budget spent)"
    return 1
  fi
  ((limit > left)) && limit=$left
  echo
  echo "=== $name (limit ${limit}s)"
  local begin=$SECONDS
  timeout --kill-after=10 "$limit" "$@" 2>&1 | tee "$last_log"
  local status=${PIPESTATUS[0]}
  local took=$((SECONDS - begin))
  local last_line
  last_line="$(grep -v '^[[:space:]]*$' "$last_log" | tail -1 | cut -c1-200)"
  if ((status == 0)); then
    summary+=("PASS $name (${took}s)")
  elif ((status == 124 || status == 137)); then
    summary+=("FAIL $name: TIMEOUT after ${limit}s")
  elif ((status == 127)); then
    summary+=("SKIP $name: command not found ($1)")
  elif ((status == 3)); then
    summary+=("SKIP $name: $last_line")
  else
    summary+=("FAIL $name: exit status $status (${took}s): $last_line")
  fi
  return $status
}

# correctness NAME CLASSES: JUnit's console launcher on these test classes of io.ringmaster.kernels.cuda,
# their counts added to the summary line; a run where tests were skipped for want of a GPU (JUnit's
# "aborted", with the probe's reason) is a SKIP with that reason, not a PASS.
correctness() {
  local selectors=() classes
  IFS=, read -r -a classes <<<"$2"
  for class in "${classes[@]}"; do selectors+=(--select-class "io.ringmaster.kernels.cuda.$class"); done
  step "$1 (bf16 within 2e-2 relative of the fp32 reference)" 240 \
    "$java" "${java_options[@]}" -jar "$work/gpu-bundle/junit-console.jar" execute --disable-banner \
    --disable-ansi-colors --details=tree --class-path "$classpath" "${selectors[@]}"
  local last=$((${#summary[@]} - 1)) aborted
  summary[last]+="; $(grep -oE '[0-9]+ (tests successful|tests failed|tests aborted|containers aborted)' "$last_log" | paste -sd, | sed 's/,/, /g')"
  aborted="$(grep -m1 -oE 'Assumption failed: .*' "$last_log" | cut -c20-200)"
  if [[ "${summary[last]}" == PASS* && -n "$aborted" ]]; then
    summary[last]="SKIP ${summary[last]#PASS }; skipped: $aborted"
  fi
}

# benchmark NAME LIMIT RESULTS OPTIONS...: CudaKernelBenchmark with these options; its output is added to
# RESULTS for the comparison.
benchmark() {
  local name="$1" limit="$2" results="$3"
  shift 3
  step "$name" "$limit" "$java" "${java_options[@]}" -cp "$classpath" io.ringmaster.kernels.cuda.CudaKernelBenchmark "$@"
  cat "$last_log" >>"$results"
}

skip() {
  echo
  echo "=== $1: SKIP, $2"
  summary+=("SKIP $1: $2")
}

# sim/bench/gpu_efficiency.py with the datasheet peaks of this GPU (reference/hardware.md: H100 SXM
# 989 TFLOP/s dense bf16 and 3350 GB/s; H200 SXM 989 TFLOP/s and 4800 GB/s); its JSON is printed and kept
# as $OUT/gpu-efficiency.json (or in the work folder without OUT).
efficiency_step() {
  local name peaks json="${OUT:-$work}/gpu-efficiency.json"
  name="$(nvidia-smi --query-gpu=name --format=csv,noheader 2>/dev/null | head -1)"
  case "$name" in
    *H100*PCIe* | *H100*NVL*) peaks="" ;;  # other datasheet figures than the SXM part
    *H200*) peaks="--peak-tflops 989 --peak-gbps 4800" ;;
    *H100*) peaks="--peak-tflops 989 --peak-gbps 3350" ;;
    *) peaks="" ;;
  esac
  if [[ -z "$peaks" ]]; then
    skip "simulation profile efficiencies" "no datasheet peaks for '${name:-no GPU}' (H100 SXM and H200 only)"
    return
  fi
  if ! python3 -c 'import torch' 2>/dev/null; then
    skip "simulation profile efficiencies" "no PyTorch"
    return
  fi
  # shellcheck disable=SC2086  # peaks is two options and their values
  step "simulation profile efficiencies (sim/bench/gpu_efficiency.py $peaks)" 120 \
    bash -c 'python3 -u sim/bench/gpu_efficiency.py "${@:2}" >"$1"; status=$?; cat "$1"; exit $status' _ "$json" $peaks
}

if [[ -n "${OUT:-}" ]]; then
  mkdir -p "$OUT"
  main "$@" 2>&1 | tee "$OUT/gpu-check.txt"
  exit "${PIPESTATUS[0]}"
fi
main "$@"
