"""Times one step of PyTorch's CPU Adam (single-tensor, foreach and, from torch 2.4 on, fused paths) per N and thread
count.

Prints JSON: [{"n", "threads", "torch", "single_tensor", "foreach", "fused"}] in nanoseconds per parameter (median of
many steps, after warm-up; "fused" is null where torch has no fused CPU Adam). Run with a Debian interpreter:
/usr/bin/python3 torch_cpu_adam.py --sizes 65536,1048576 --threads 1,2 (Debian 12: torch 1.13; a Debian 13 root made by
bench/OdeOpt.Benchmarks/peers/make-torch-root.sh: torch 2.6).
"""
import argparse
import json
import sys
import time

try:
    import torch
except ImportError:
    sys.exit(3)


def has_fused_cpu():
    major, minor = (int(x) for x in torch.__version__.split("+")[0].split(".")[:2])
    return (major, minor) >= (2, 4)


def time_step(n, threads, foreach, budget=0.5, fused=False):
    torch.set_num_threads(threads)
    p = torch.nn.Parameter(torch.rand(n, dtype=torch.float32))
    p.grad = torch.rand(n, dtype=torch.float32) * 0.01
    opt = torch.optim.Adam([p], lr=1e-3, fused=True) if fused else torch.optim.Adam([p], lr=1e-3, foreach=foreach)
    for _ in range(3):
        opt.step()
    samples = []
    start = time.perf_counter()
    while len(samples) < 5 or (time.perf_counter() - start < budget and len(samples) < 2000):
        t0 = time.perf_counter_ns()
        opt.step()
        samples.append((time.perf_counter_ns() - t0) / n)
    samples.sort()
    return samples[len(samples) // 2]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="65536,1048576,16777216")
    ap.add_argument("--threads", default="1")
    ap.add_argument("--budget", type=float, default=0.5)
    args = ap.parse_args()
    rows = []
    for n in [int(s) for s in args.sizes.split(",")]:
        for t in [int(s) for s in args.threads.split(",")]:
            rows.append({"n": n, "threads": t, "torch": torch.__version__,
                         "single_tensor": time_step(n, t, False, args.budget), "foreach": time_step(n, t, True, args.budget),
                         "fused": time_step(n, t, False, args.budget, fused=True) if has_fused_cpu() else None})
    json.dump(rows, sys.stdout)


if __name__ == "__main__":
    main()
