#!/usr/bin/env bash
# SRResNet's held-out scores as it trains (docs/super-resolution.md): the paper's settings but 48-pixel crops,
# trained in legs of LEG updates (a resume continues exactly, so the legs make one straight run) up to STEPS,
# scored beside bicubic after each leg into RUN/eval-STEP.json. CPU-sized; run it in the background, e.g.
#   STEPS=8000 LEG=1000 nohup bash benchmarks/srresnet_curve.sh /tmp/srdata /tmp/srlong > /tmp/srlong.log 2>&1 &
# DATA holds train/ and test/ (benchmarks/super_resolution_images.py makes them).
set -euo pipefail
DATA=${1:?DATA directory with train/ and test/}
RUN=${2:?run directory (new)}
KGAN=${KGAN:-kgan}
export KERAS_BACKEND=${KERAS_BACKEND:-torch}
STEPS=${STEPS:-8000}
LEG=${LEG:-1000}
$KGAN train srresnet --data "folder:$DATA/train" --steps "$LEG" --crop-size 48 --log-every 100 --no-progress \
    --out "$RUN"
for ((step = LEG; step <= STEPS; step += LEG)); do
    if [ "$step" -gt "$LEG" ]; then
        $KGAN train --resume "$RUN" --steps "$step" --no-progress
    fi
    echo "== step $step $(date +%H:%M:%S)"
    $KGAN eval "$RUN" --data "folder:$DATA/test" --json "$RUN/eval-$step.json"
done
