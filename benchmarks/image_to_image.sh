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
    --epochs "${PIX2PIX_EPOCHS:-3}" --width "$WIDTH" --log-every 100 --no-progress --out "$out/pix2pix-edges"
[ -n "$wheel" ] && timed cyclegan-horses kgan train cyclegan --data "unpaired:$data/horse-zebra-train.npz" \
    --batch-size 16 "${common[@]}" --out "$out/cyclegan-horses"

# Scores on the held-out test files, and pictures of test images: inputs above their translations.
for run in cyclegan-digits discogan-digits; do
    kgan eval "$out/$run" --data "paired:$data/digits-thicken-test.npz" --features mnist --json "$out/$run-eval.json"
done
kgan eval "$out/pix2pix-edges" --data "paired:$data/fashion-edges-test.npz" --features fashion_mnist \
    --json "$out/pix2pix-edges-eval.json"
python - "$data" "$out" <<'PY'
import sys
import numpy as np
data, out = sys.argv[1:]
for name in ("digits-thicken-test", "fashion-edges-test", "horse-zebra-test"):
    try:
        arrays = np.load(f"{data}/{name}.npz")
    except FileNotFoundError:
        continue
    np.save(f"{out}/{name}-a.npy", arrays["a"][:16])
    np.save(f"{out}/{name}-b.npy", arrays["b"][:16])
PY
kgan translate "$out/cyclegan-digits" "$out/digits-thicken-test-a.npy" --direction a2b -o "$out/cyclegan-digits-a2b.png"
kgan translate "$out/cyclegan-digits" "$out/digits-thicken-test-b.npy" --direction b2a -o "$out/cyclegan-digits-b2a.png"
kgan translate "$out/discogan-digits" "$out/digits-thicken-test-a.npy" --direction a2b -o "$out/discogan-digits-a2b.png"
kgan translate "$out/pix2pix-edges" "$out/fashion-edges-test-a.npy" -o "$out/pix2pix-edges-a2b.png"
if [ -n "$wheel" ]; then
    kgan translate "$out/cyclegan-horses" "$out/horse-zebra-test-a.npy" --direction a2b -o "$out/cyclegan-horses-a2b.png"
    kgan translate "$out/cyclegan-horses" "$out/horse-zebra-test-b.npy" --direction b2a -o "$out/cyclegan-horses-b2a.png"
fi
echo "done; times in $out/times.txt, scores in $out/*-eval.json, pictures in $out/*.png"
