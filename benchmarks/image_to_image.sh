#!/usr/bin/env bash
# The image-to-image runs of docs/image-to-image.md: data, training, scores and pictures.
#
#   bash benchmarks/image_to_image.sh OUT_DIR [ANIMAL_MNIST_WHEEL]
#
# Needs kgan installed (any backend; KERAS_BACKEND picks it). The horse/zebra run needs the
# animal-mnist wheel: pip download --no-deps animal-mnist -d wheels/
set -euo pipefail
out=${1:?usage: image_to_image.sh OUT_DIR [ANIMAL_MNIST_WHEEL]}
wheel=${2:-}
here=$(cd "$(dirname "$0")" && pwd)
data=$out/data
mkdir -p "$data"
STEPS=${STEPS:-1500}
WIDTH=${WIDTH:-16}

timed() {  # timed NAME COMMAND...: runs COMMAND, appending its wall time to OUT/times.txt
    local name=$1; shift
    local start=$SECONDS
    "$@"
    echo "$name $((SECONDS - start)) s" >> "$out/times.txt"
}

python "$here/image_to_image_data.py" digits --out "$data"
python "$here/image_to_image_data.py" fashion-edges --out "$data"
[ -n "$wheel" ] && python "$here/image_to_image_data.py" horse-zebra --wheel "$wheel" --out "$data"

common=(--steps "$STEPS" --width "$WIDTH" --log-every 100 --no-progress)
timed cyclegan-digits kgan train cyclegan --data "unpaired:$data/digits-thicken-train.npz" --batch-size 16 \
    "${common[@]}" --out "$out/cyclegan-digits"
timed discogan-digits kgan train discogan --data "unpaired:$data/digits-thicken-train.npz" --batch-size 64 \
    "${common[@]}" --out "$out/discogan-digits"
timed pix2pix-edges kgan train pix2pix --data "paired:$data/fashion-edges-train.npz" --batch-size 16 \
    "${common[@]}" --out "$out/pix2pix-edges"
[ -n "$wheel" ] && timed cyclegan-horses kgan train cyclegan --data "unpaired:$data/horse-zebra-train.npz" \
    --batch-size 16 "${common[@]}" --out "$out/cyclegan-horses"
echo "trained; times in $out/times.txt"
