"""Host-side microbenchmarks for optimizer offload (docs/simulation.md, "Calibration").

Measures, on the host of whatever machine runs it: PyTorch's fused CPU Adam on fp32 state with all
cores and with one core (parameters per second), the host memory bandwidth of a plain copy with all
cores (bytes read and written per second), and pinned host<->GPU copies when a GPU is there. CPU Adam
reads the fp32 parameter, gradient and both moments and writes the parameter and moments back: 28
bytes per parameter, so its parameters per second times 28 over the copy bandwidth says whether it is
bound by memory bandwidth (near 1) or by the cores. Prints one JSON object:

    python3 host_offload.py > host.json
"""
import json
import os
import time

import torch

ADAM_BYTES_PER_PARAMETER = 28


def best_seconds(fn, repeats=5):
    fn()
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def adam_parameters_per_second(parameters, threads):
    torch.set_num_threads(threads)
    weights = torch.zeros(parameters)
    weights.grad = torch.randn(parameters) * 1e-3
    try:
        optimizer = torch.optim.Adam([weights], lr=2e-5, fused=True)
        optimizer.step()
        kind = "fused"
    except (RuntimeError, TypeError):
        optimizer = torch.optim.Adam([weights], lr=2e-5, foreach=True)
        kind = "foreach"
    return parameters / best_seconds(optimizer.step), kind


def copy_bytes_per_second(elements, threads):
    torch.set_num_threads(threads)
    source = torch.ones(elements)
    target = torch.empty_like(source)
    return 2.0 * 4 * elements / best_seconds(lambda: target.copy_(source))


def pinned_copies(megabytes):
    host = torch.empty(megabytes << 18, pin_memory=True)
    device = torch.empty_like(host, device="cuda")

    def timed(copy):
        def run():
            copy()
            torch.cuda.synchronize()
        return best_seconds(run, repeats=10)

    return {
        "bytes": host.numel() * 4,
        "hostToGpuBytesPerSecond": host.numel() * 4 / timed(lambda: device.copy_(host, non_blocking=True)),
        "gpuToHostBytesPerSecond": host.numel() * 4 / timed(lambda: host.copy_(device, non_blocking=True)),
    }


def main():
    cores = os.cpu_count()
    parameters = 1 << 27
    all_cores, kind = adam_parameters_per_second(parameters, cores)
    one_core, _ = adam_parameters_per_second(1 << 24, 1)
    copy = copy_bytes_per_second(parameters, cores)
    result = {
        "torch": torch.__version__,
        "cores": cores,
        "adam": kind,
        "adamParametersPerSecondAllCores": all_cores,
        "adamParametersPerSecondOneCore": one_core,
        "copyBytesPerSecondAllCores": copy,
        "adamTrafficOverCopyBandwidth": all_cores * ADAM_BYTES_PER_PARAMETER / copy,
    }
    if torch.cuda.is_available():
        result["pinned"] = [pinned_copies(mb) for mb in (4, 64, 512)]
    print(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
