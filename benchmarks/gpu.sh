#!/usr/bin/env bash
# The speed issue's GPU measurements in one call of the GPU machine: kgan on JAX and on torch beside
# native PyTorch eager (benchmarks/train_step.py), DCGAN at batch 256 and 1024 in fp32 and bf16, and the
# ring8 MLP at batch 256, with 1 and 16 steps per compiled call. About 8 minutes of GPU time.
#
# That machine (GUIDE §3) has Python 3.12 with torch and jax for CUDA, but no keras and no network.
# Prepare the wheels here once, in the repository root (/.whl/ is git-ignored):
#
#   python3 -m pip download --no-deps --only-binary=:all: --python-version 3.12 --implementation cp \
#       --platform manylinux_2_28_x86_64 --platform manylinux_2_17_x86_64 -d .whl keras==3.15.1 namex optree
#
# then run it there with .whl carried:  bash benchmarks/gpu.sh   (tables in $OUT/gpu.md, or ./gpu.md).
# On a machine with keras installed it runs as it is (SECONDS_PER_CELL=1 for a quick check on CPU).
set -uo pipefail
cd "$(dirname "$0")/.."
seconds=${SECONDS_PER_CELL:-5}
report=${OUT:-.}/gpu.md
if [ -d .whl ] && ! python3 -c "import importlib.util as u, sys; sys.exit(u.find_spec('keras') is None)"; then
    python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --target /tmp/site .whl/*.whl || exit 1
    export PYTHONPATH=/tmp/site
fi
export PYTHONPATH=$PWD${PYTHONPATH:+:$PYTHONPATH} PYTHONUNBUFFERED=1 TF_CPP_MIN_LOG_LEVEL=2
{
    echo "# kgan GPU speed, $(date -u +%F)"
    nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader 2>/dev/null || echo "no nvidia-smi"
    KERAS_BACKEND=jax python3 -c "import jax, keras, torch; print('jax', jax.__version__, jax.devices(), '| keras', keras.__version__,
        '| torch', torch.__version__, 'cuda' if torch.cuda.is_available() else 'cpu')"
} | tee "$report"

# Each command has its own limit, so one that hangs leaves the others their time.
cell() {
    echo; echo "\$ KERAS_BACKEND=$1 python3 benchmarks/train_step.py ${*:3}" | tee -a "$report"
    KERAS_BACKEND=$1 timeout "$2" python3 benchmarks/train_step.py "${@:3}" --seconds "$seconds" 2>&1 \
        | grep -v -i warning | tee -a "$report"
}
cell jax 200 --model dcgan --batches 256,1024 --precisions fp32,bf16 --steps-per-call 1,16 --no-compile
cell torch 120 --model dcgan --batches 256,1024 --precisions fp32,bf16 --no-compile
cell jax 60 --model mlp --batches 256 --steps-per-call 1,16 --no-compile
cell torch 60 --model mlp --batches 256 --no-compile
