#!/bin/bash
# Mode collapse on the toy sets: vanilla GAN vs the WGAN-GP recipe on the same MLPs (width 64),
# ring8 and grid25, seeds 0-4, 1,000 generator steps each; every run scored by `kgan eval -n 2500`.
# Usage: benchmarks/toy_modes.sh OUT_DIR   (reruns skip runs already scored; docs/quality.md has the results)
set -euo pipefail
out=${1:?usage: benchmarks/toy_modes.sh OUT_DIR}
mkdir -p "$out"
export OMP_NUM_THREADS=${OMP_NUM_THREADS:-1}  # tiny MLPs: one thread each is fastest on a shared CPU
RECIPE="--loss wasserstein --gp-weight 10 --n-critic 5 --lr-g 1e-4 --lr-d 1e-4 --beta2 0.9"
for data in ring8 grid25; do
  for seed in 0 1 2 3 4; do
    for name in vanilla wgan_gp; do
      run=$out/$name-$data-$seed
      [ -f "$run.json" ] && continue
      extra=""; [ "$name" = wgan_gp ] && extra=$RECIPE
      # shellcheck disable=SC2086
      kgan train gan --data $data --steps 1000 --width 64 --seed $seed --log-every 500 --no-progress --out "$run" $extra
      kgan eval "$run" -n 2500 --json "$run.json"
    done
  done
done
python3 - "$out" <<'PY'
import json, sys
from pathlib import Path
from statistics import mean, stdev
rows = {}
for f in sorted(Path(sys.argv[1]).glob("*-*-*.json")):
    name, data, _ = f.stem.split("-")
    rows.setdefault((data, name), []).append(json.loads(f.read_text())["values"])
print("| data | recipe | runs | modes covered | high-quality share | mode KL |")
print("| --- | --- | --- | --- | --- | --- |")
for (data, name), runs in sorted(rows.items()):
    cell = lambda k: f"{mean(r[k] for r in runs):.3g} +- {stdev(r[k] for r in runs) if len(runs) > 1 else 0:.2g}"
    print(f"| {data} | {name} | {len(runs)} | {cell('modes_covered')} / {runs[0]['modes_total']} | "
          f"{cell('high_quality')} | {cell('mode_kl')} |")
PY
