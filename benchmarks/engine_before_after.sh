#!/usr/bin/env bash
# The training step before and after a change of the engine, side by side in one run: each round runs
# benchmarks/train_step.py of BEFORE (a checkout, e.g. a git worktree of the older commit) and of this
# checkout, alternately, so both see the same machine state.
#
#   git worktree add /tmp/kgan-before 2e3a94e
#   KERAS_BACKEND=jax benchmarks/engine_before_after.sh /tmp/kgan-before 3 64,256
#   KERAS_BACKEND=torch benchmarks/engine_before_after.sh /tmp/kgan-before 3 256 mlp   # the ring8 MLP
set -euo pipefail
before=$(cd "$1" && pwd); rounds=${2:-3}; batches=${3:-64,256}; model=${4:-dcgan}
after=$(cd "$(dirname "$0")/.." && pwd)
for round in $(seq "$rounds"); do
    for side in before after; do
        root=${!side}
        echo "== round $round: $side ($root)"
        PYTHONPATH="$root" python "$root/benchmarks/train_step.py" --model "$model" --batches "$batches" --seconds 10 \
            --no-compile | grep "^| [0-9]"
    done
done
