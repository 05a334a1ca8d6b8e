"""Times one step of torch.optim.Adam on the GPU (fused=True and foreach=True) for the sizes OdeOpt.GpuBench uses,
and torch's own device-to-device copy, in the same run on the same GPU. CUDA events around back-to-back steps after
warm-up; the median of 5 trials.

Writes JSON: {"device", "torch", "copy": {...}, "results": [{"n", "mode", "ms_per_step", "gbps"}]}
Usage: python3 torch_adam_gpu.py --sizes 1048576,16777216,100000000,268435456 --json torch.json
"""
import argparse
import json
import sys

import torch


def timed(call, reps, trials=5):
    for _ in range(10):
        call()
    torch.cuda.synchronize()
    times = []
    for _ in range(trials):
        start = torch.cuda.Event(enable_timing=True)
        end = torch.cuda.Event(enable_timing=True)
        start.record()
        for _ in range(reps):
            call()
        end.record()
        end.synchronize()
        times.append(start.elapsed_time(end) / reps)
    times.sort()
    return times[len(times) // 2]


def reps_for(bytes_per_call):
    return int(min(2000, max(20, 0.25 * 2.5e12 / bytes_per_call)))


def adam(n, mode):
    p = torch.nn.Parameter(torch.full((n,), 0.1, device="cuda"))
    p.grad = (torch.rand(n, device="cuda") - 0.5) * 0.02
    opt = torch.optim.Adam([p], lr=1e-3, fused=(mode == "fused"), foreach=(mode == "foreach"))
    ms = timed(opt.step, reps_for(28.0 * n))
    del opt, p
    torch.cuda.empty_cache()
    return ms


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="1048576,16777216,100000000,268435456")
    ap.add_argument("--json", default=None)
    args = ap.parse_args()
    out = {"device": torch.cuda.get_device_name(), "torch": torch.__version__, "cuda": torch.version.cuda, "results": []}

    n = 1 << 28
    a = torch.rand(n, device="cuda")
    b = torch.empty_like(a)
    ms = timed(lambda: b.copy_(a), reps_for(8.0 * n))
    out["copy"] = {"bytes_per_copy": 8.0 * n, "ms": ms, "gbps": 8.0 * n / ms / 1e6}
    del a, b
    torch.cuda.empty_cache()
    print(f"torch copy: {out['copy']['gbps']:.0f} GB/s", file=sys.stderr)

    for n in [int(s) for s in args.sizes.split(",")]:
        for mode in ("fused", "foreach"):
            ms = adam(n, mode)
            out["results"].append({"n": n, "mode": mode, "ms_per_step": ms, "gbps": 28.0 * n / ms / 1e6})
            print(f"torch Adam {mode:8s} N={n:11d}: {ms:.4f} ms/step {28.0 * n / ms / 1e6:.0f} GB/s", file=sys.stderr)

    text = json.dumps(out, indent=2)
    print(text)
    if args.json:
        with open(args.json, "w") as f:
            f.write(text)


if __name__ == "__main__":
    main()
