#!/usr/bin/env bash
# Proves the CUDA backend on a machine with a GPU, nvcc and Python/PyTorch but no Java, from the archive
# scripts/gpu-bundle.sh made (a jlink Java runtime, our jars and PTX, the test classes, JUnit's console
# launcher). Run in the repository root:
#   bash scripts/gpu-check.sh build/gpu-bundle.tar.gz [--rebuild-ptx] [--seq 4096,8192,16384]
#        [--tests Class1,Class2] [--budget 420] [--time-scale 1]
# Steps, each bounded by `timeout` and reported PASS / FAIL / SKIP with its reason, each independent of
# the others: unpack, machine (nvidia-smi, nvcc, torch), [rebuild the PTX with this machine's nvcc],
# doctor, the CUDA correctness suite (the backend contract on the GPU: bf16 within 2e-2 relative of the
# fp32 reference), our kernels' benchmark, SDPA's benchmark on the same shapes, the comparison.
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
  local bundle="" rebuild_ptx=false sequences="4096,8192,16384" tests="" budget=420
  time_scale=1
  while (($#)); do
    case "$1" in
      --rebuild-ptx) rebuild_ptx=true ;;
      --seq) sequences="$2"; shift ;;
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

  local java="$work/gpu-bundle/jre/bin/java"
  local java_options=(-Djava.io.tmpdir="$work" -XX:+UseParallelGC)

  step "unpack the bundle" 60 tar -xzf "$bundle" -C "$work"
  # Spelled out jar by jar: JUnit's --class-path does not expand lib/* as the java launcher does.
  local classpath
  classpath="$work/gpu-bundle/test-classes$(printf ':%s' "$work"/gpu-bundle/lib/*.jar)"
  local have_java=false
  if [[ -x "$java" ]] && "$java" -version >/dev/null 2>&1; then
    have_java=true
    cat "$work/gpu-bundle/MANIFEST.txt"
  else
    echo "no usable Java runtime in the bundle: every Java step is skipped"
  fi

  step "machine: nvidia-smi" 30 nvidia-smi
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
      grep -h -A3 "Compiling entry function 'attention_" "$work/ptxas/ptxas-sm_90.txt" 2>/dev/null | grep -E "entry|Used|spill"
    fi
  fi

  if $have_java; then
    step "doctor" 120 "$java" "${java_options[@]}" -cp "$classpath" io.ringmaster.app.DoctorCommand
    local selectors=()
    IFS=, read -r -a classes <<<"${tests:-CudaProbeTest,PtxModulesTest,CudaTensorCoreKernelsTest,CudaAttentionBackendTest,CudaSimpleKernelsTest}"
    for class in "${classes[@]}"; do selectors+=(--select-class "io.ringmaster.kernels.cuda.$class"); done
    step "CUDA correctness suite (bf16 within 2e-2 relative of the fp32 reference)" 240 \
      "$java" "${java_options[@]}" -jar "$work/gpu-bundle/junit-console.jar" execute --disable-banner \
      --disable-ansi-colors --details=tree --class-path "$classpath" "${selectors[@]}"
    summary[${#summary[@]}-1]+="; $(grep -oE '[0-9]+ (tests successful|tests failed|tests aborted|containers aborted)' "$last_log" | paste -sd, | sed 's/,/, /g')"
    step "benchmark: our kernels" 150 "$java" "${java_options[@]}" -cp "$classpath" \
      io.ringmaster.kernels.cuda.CudaKernelBenchmark --seq "$sequences" --seconds 0.5
    cp "$last_log" "$work/ours.txt"
  else
    skip "doctor, correctness suite, our benchmark" "no Java runtime"
  fi

  if command -v python3 >/dev/null; then
    step "benchmark: PyTorch SDPA" 150 python3 -u scripts/sdpa_benchmark.py --seq "$sequences" --seconds 0.5
    cp "$last_log" "$work/sdpa.txt"
    step "comparison: ours / SDPA (same shapes, bf16, causal, same FLOP convention)" 30 \
      python3 scripts/compare_benchmarks.py "$work/ours.txt" "$work/sdpa.txt"
  else
    skip "SDPA benchmark and comparison" "no python3"
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

skip() {
  echo
  echo "=== $1: SKIP, $2"
  summary+=("SKIP $1: $2")
}

if [[ -n "${OUT:-}" ]]; then
  mkdir -p "$OUT"
  main "$@" 2>&1 | tee "$OUT/gpu-check.txt"
  exit "${PIPESTATUS[0]}"
fi
main "$@"
