#!/usr/bin/env bash
# Every table of docs/benchmarks.md's "Speed on CPU" section, in one go: kgan's step on each backend
# beside native PyTorch (eager and torch.compile) in the same process, for the DCGAN and the ring8 MLP.
# Run it on an otherwise idle machine, from an environment with jax, tensorflow and torch installed:
#
#   bash benchmarks/speed.sh 10          # seconds of timed work per measurement
set -euo pipefail
seconds=${1:-10}
cd "$(dirname "$0")/.."
for backend in jax tensorflow torch; do
    echo "== $backend, dcgan"
    KERAS_BACKEND=$backend python benchmarks/train_step.py --model dcgan --batches 64,256 --precisions fp32,bf16 \
        --seconds "$seconds"
    echo "== $backend, mlp"
    KERAS_BACKEND=$backend python benchmarks/train_step.py --model mlp --batches 256 --seconds "$seconds"
done
