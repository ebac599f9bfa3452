"""Efficiency microbenchmarks for the simulation's GPU profiles (docs/simulation.md).

Measures, on whatever GPU runs it, the shares of the datasheet peak that the kernels the cost model
prices reach: bf16 matrix products of Llama-3-8B's shapes, flash attention (PyTorch SDPA) on whole
and causally masked blocks, forward and backward, element-wise memory bandwidth, and the fixed cost
of one small attention call. Prints one JSON object; pass the datasheet peaks on the command line:

    python3 gpu_efficiency.py --peak-tflops 989 --peak-gbps 4800 > efficiency.json
"""
import argparse
import json
import torch
import torch.nn.functional as F


def timed(fn, warmup=3, repeats=10):
    for _ in range(warmup):
        fn()
    torch.cuda.synchronize()
    start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
    start.record()
    for _ in range(repeats):
        fn()
    end.record()
    torch.cuda.synchronize()
    return start.elapsed_time(end) / 1e3 / repeats


def matmul(tokens, k, n):
    a = torch.randn(tokens, k, device="cuda", dtype=torch.bfloat16)
    b = torch.randn(k, n, device="cuda", dtype=torch.bfloat16)
    seconds = timed(lambda: a @ b)
    return 2.0 * tokens * k * n / seconds


def attention(q_tokens, k_tokens, heads, kv_heads, head_dim, causal, backward):
    q = torch.randn(1, heads, q_tokens, head_dim, device="cuda", dtype=torch.bfloat16, requires_grad=backward)
    k = torch.randn(1, kv_heads, k_tokens, head_dim, device="cuda", dtype=torch.bfloat16, requires_grad=backward)
    v = torch.randn(1, kv_heads, k_tokens, head_dim, device="cuda", dtype=torch.bfloat16, requires_grad=backward)
    enable_gqa = heads != kv_heads
    pairs = q_tokens * (q_tokens + 1) / 2 if causal else q_tokens * k_tokens
    forward_flops = 4.0 * pairs * heads * head_dim

    def forward():
        return F.scaled_dot_product_attention(q, k, v, is_causal=causal, enable_gqa=enable_gqa)

    if not backward:
        return forward_flops / timed(forward)
    out = forward()
    grad = torch.randn_like(out)
    seconds = timed(lambda: torch.autograd.grad(forward(), (q, k, v), grad))
    forward_seconds = timed(forward)
    # backward alone: forward+backward minus forward; priced at 2.5x the forward FLOPs (reference/ring-attention.md)
    return 2.5 * forward_flops / (seconds - forward_seconds)


def copy_bandwidth(elements):
    x = torch.empty(elements, device="cuda", dtype=torch.float32)
    y = torch.empty_like(x)
    seconds = timed(lambda: y.copy_(x))
    return 2.0 * x.numel() * 4 / seconds


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--peak-tflops", type=float, required=True)
    parser.add_argument("--peak-gbps", type=float, required=True)
    args = parser.parse_args()
    peak = args.peak_tflops * 1e12
    bandwidth = args.peak_gbps * 1e9
    torch.backends.cuda.matmul.allow_tf32 = False
    result = {
        "device": torch.cuda.get_device_name(),
        "torch": torch.__version__,
        "peakFlopsPerSecond": peak,
        "peakBytesPerSecond": bandwidth,
    }
    # Llama-3-8B, 8K tokens: QKV (4096 -> 6144), O (4096 -> 4096), gate+up (4096 -> 28672), down (14336 -> 4096)
    shapes = {"qkv": (8192, 4096, 6144), "o": (8192, 4096, 4096), "gateUp": (8192, 4096, 28672),
              "down": (8192, 14336, 4096)}
    result["matmulFlopsPerSecond"] = {name: matmul(*shape) for name, shape in shapes.items()}
    # Llama-3.1-8B attention shape (32 heads, 8 KV heads, head dim 128), the ring-flash-attention benchmark's
    for label, q_tokens, k_tokens, causal in [("full8Kx8K", 8192, 8192, False), ("half8Kx4K", 8192, 4096, False),
                                              ("half4Kx8K", 4096, 8192, False), ("causal8K", 8192, 8192, True),
                                              ("causal64K", 65536, 65536, True)]:
        result["attention_" + label] = {
            "forward": attention(q_tokens, k_tokens, 32, 8, 128, causal, False),
            "backward": attention(q_tokens, k_tokens, 32, 8, 128, causal, True),
        }
    small = torch.randn(1, 32, 128, 128, device="cuda", dtype=torch.bfloat16)
    result["smallAttentionCallSeconds"] = timed(lambda: F.scaled_dot_product_attention(small, small, small), 10, 100)
    result["copyBytesPerSecond"] = copy_bandwidth(1 << 28)
    print(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
