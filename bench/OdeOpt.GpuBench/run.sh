#!/usr/bin/env bash
# The whole GPU benchmark in one command, on the GPU machine, from the unpacked publish folder:
#   ./run.sh [out-dir]      (writes out-dir/torch.json and out-dir/gpu.json; prints both)
set -u
here=$(cd "$(dirname "$0")" && pwd)
out=${1:-$here}
shift || true
mkdir -p "$out"
sizes=1048576,16777216,100000000,268435456
nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.max.memory,clocks.max.sm --format=csv || true
python3 "$here/torch_adam_gpu.py" --sizes "$sizes" --json "$out/torch.json" || echo "torch_adam_gpu.py failed (exit $?)"
"$here/OdeOpt.GpuBench" --sizes "$sizes" --torch "$out/torch.json" --json "$out/gpu.json" --sweep "$@"
