"""Sets our kernels' RESULT lines beside SDPA's (same shapes, same FLOP convention) for gpu-check.sh.

For each sequence length and phase (forward, backward, forward+backward) it prints our best variant,
SDPA's best backend and PyTorch's default choice, and ours / SDPA-best. Exit status 3 when neither
file holds a result.
usage: compare_benchmarks.py OURS.txt SDPA.txt
"""
import re
import sys

RESULT = re.compile(r"^RESULT (ours|sdpa) (\S+) seq=(\d+) seconds=(\S+) tflops=(\S+)")
PHASES = ("forward", "backward", "forward+backward")


def results(path):
    found = []
    try:
        with open(path) as lines:
            for line in lines:
                match = RESULT.match(line.strip())
                if match:
                    side, label, seq, _, tflops = match.groups()
                    phase, _, variant = label.partition("_")
                    found.append((side, phase, variant.replace("_", " "), int(seq), float(tflops)))
    except OSError:
        pass
    return found


def main():
    figures = results(sys.argv[1]) + results(sys.argv[2])
    sequences = sorted({seq for _, _, _, seq, _ in figures})
    print(f"{'phase':<17} {'seq':>6} {'ours TFLOP/s (kernels)':<56} {'SDPA best TFLOP/s (backend)':<38} "
          f"{'SDPA default':>12} {'ours/best':>9}")
    for seq in sequences:
        for phase in PHASES:
            def best(side):
                rows = [(t, v) for s, p, v, q, t in figures if s == side and p == phase and q == seq]
                return max(rows) if rows else None
            ours, sdpa = best("ours"), best("sdpa")
            default = [t for s, p, v, q, t in figures if s == "sdpa" and p == phase and q == seq and v.startswith("default")]
            ours_text = f"{ours[0]:7.1f} ({ours[1]})" if ours else "   none"
            sdpa_text = f"{sdpa[0]:7.1f} ({sdpa[1]})" if sdpa else "   none"
            default_text = f"{default[0]:12.1f}" if default else f"{'none':>12}"
            ratio = f"{ours[0] / sdpa[0]:9.2f}" if ours and sdpa else f"{'-':>9}"
            print(f"{phase:<17} {seq:6d} {ours_text:<56} {sdpa_text:<38} {default_text} {ratio}")
    if not sequences:
        print("no benchmark results to compare")
        sys.exit(3)  # gpu-check.sh reports a SKIP with this line


if __name__ == "__main__":
    main()
