"""PyTorch's scaled_dot_product_attention on the same shapes as CudaKernelBenchmark, for gpu-check.sh.

Causal self-attention of one sequence, bf16, B=1, timed with CUDA events (median). Every SDPA backend
that accepts the problem is measured (flash, cuDNN, memory-efficient, and PyTorch's default choice);
GQA goes through enable_gqa=True where the backend takes it, else K/V repeated to the query heads.
FLOP convention as ours: forward 2*S^2*Hq*d (half of 4*S^2*Hq*d, causal), backward 2.5x forward.
Prints a table and RESULT lines.  usage: sdpa_benchmark.py [--seq 4096,8192,16384] [--heads 32]
[--kv-heads 8] [--head-dim 128] [--seconds 1.0]
"""
import argparse
import statistics
import sys

try:
    import torch
    import torch.nn.functional as F
except ImportError as error:  # exit 3: gpu-check.sh reports a SKIP with this line
    print(f"SKIP SDPA: PyTorch is not installed ({error})")
    sys.exit(3)


def measure(work, seconds):
    """Median seconds of one run: one warm-up, then runs for about `seconds`, at least 3."""
    work()
    torch.cuda.synchronize()
    runs, spent = [], 0.0
    while len(runs) < 3 or (spent < seconds and len(runs) < 100):
        start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        start.record()
        work()
        end.record()
        end.synchronize()
        runs.append(start.elapsed_time(end) / 1e3)
        spent += runs[-1]
    return statistics.median(runs)


def backends():
    from torch.nn.attention import SDPBackend, sdpa_kernel
    yield "default", None
    for name in ("FLASH_ATTENTION", "CUDNN_ATTENTION", "EFFICIENT_ATTENTION"):
        backend = getattr(SDPBackend, name, None)
        if backend is not None:
            yield name.lower().replace("_attention", ""), lambda b=backend: sdpa_kernel([b])


def attention(q, k, v, gqa):
    if gqa:
        return F.scaled_dot_product_attention(q, k, v, is_causal=True, enable_gqa=True)
    group = q.shape[1] // k.shape[1]
    return F.scaled_dot_product_attention(
        q, k.repeat_interleave(group, dim=1), v.repeat_interleave(group, dim=1), is_causal=True)


def report(label, seq, flops, seconds):
    print(f"{label:<34} {seq:7d} {seconds * 1e3:10.3f} {flops / seconds / 1e12:9.1f}")
    print(f"RESULT sdpa {label.replace(' ', '_')} seq={seq} seconds={seconds:.6e} tflops={flops / seconds / 1e12:.2f}")


def run(args, seq):
    torch.manual_seed(seq)
    q = torch.empty(1, args.heads, seq, args.head_dim, device="cuda", dtype=torch.bfloat16).uniform_(-2, 2)
    k = torch.empty(1, args.kv_heads, seq, args.head_dim, device="cuda", dtype=torch.bfloat16).uniform_(-2, 2)
    v = torch.empty_like(k).uniform_(-2, 2)
    dout = torch.empty_like(q).uniform_(-2, 2)
    forward_flops = 2.0 * seq * seq * args.heads * args.head_dim
    import contextlib
    for name, context in backends():
        for gqa in (True, False):
            label = f"{name}{'' if gqa else ' (K/V repeated)'}"
            try:
                with (context() if context else contextlib.nullcontext()):
                    fwd = measure(lambda: attention(q, k, v, gqa), args.seconds)
                    qg, kg, vg = (t.detach().requires_grad_() for t in (q, k, v))
                    out = attention(qg, kg, vg, gqa)
                    bwd = measure(lambda: torch.autograd.grad(out, (qg, kg, vg), dout, retain_graph=True),
                                  args.seconds)
                    del out, qg, kg, vg
            except RuntimeError as error:
                first = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
                print(f"SKIP sdpa {label} seq={seq}: {first[:160]}")
                torch.cuda.empty_cache()
                continue
            report(f"forward {label}", seq, forward_flops, fwd)
            report(f"backward {label}", seq, 2.5 * forward_flops, bwd)
            report(f"forward+backward {label}", seq, 3.5 * forward_flops, fwd + bwd)
            break  # GQA worked: the repeated-K/V variant adds nothing
        torch.cuda.empty_cache()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--seq", default="4096,8192,16384")
    parser.add_argument("--heads", type=int, default=32)
    parser.add_argument("--kv-heads", type=int, default=8)
    parser.add_argument("--head-dim", type=int, default=128)
    parser.add_argument("--seconds", type=float, default=1.0)
    args = parser.parse_args()
    if not torch.cuda.is_available():
        print(f"SKIP SDPA: torch {torch.__version__} sees no CUDA device")
        sys.exit(3)
    print(f"PyTorch {torch.__version__} SDPA on {torch.cuda.get_device_name(0)}; causal, bf16, "
          f"{args.heads} query / {args.kv_heads} KV heads, head dim {args.head_dim}")
    print(f"{'SDPA backend':<34} {'seq':>7} {'ms':>10} {'TFLOP/s':>9}")
    for seq in (int(s) for s in args.seq.split(",")):
        run(args, seq)


if __name__ == "__main__":
    main()
