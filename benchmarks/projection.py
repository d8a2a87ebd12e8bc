"""How close kgan project gets to held-out real digits, against a random sample of the same generator.

    KERAS_BACKEND=torch python benchmarks/projection.py --epochs 2 --images 20 --out runs/projection-bench

Trains a DCGAN on the first 8,000 MNIST test digits that ship with kgan (or reuses --out), then
projects digits 8,000 onwards (never trained on) and reports, per method, the mean +- std over the
images of the pixel MSE (on the [-1, 1] scale) and of the pinned MNIST network's feature distance
(squared, relative to the target's features' mean square, as the projection's own loss term).
"random" is a random sample of the same generator.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--width", type=int, default=32)
    parser.add_argument("--images", type=int, default=20)
    parser.add_argument("--steps", type=int, default=300)
    parser.add_argument("--starts", type=int, default=4)
    parser.add_argument("--out", default="runs/projection-bench")
    args = parser.parse_args()

    import kgan
    from kgan import data
    from kgan.pixels import scale_to_uint8
    from kgan.projection import feature_network_for

    digits = data.load(f"idx:{Path(kgan.__file__).parent / 'embedded' / 'mnist-test'}")
    out = Path(args.out)
    if (out / "checkpoint.npz").exists():
        run = kgan.load(out)
    else:
        run = kgan.train("dcgan", data=scale_to_uint8(digits.x[:8000]), labels=digits.labels[:8000],
                         epochs=args.epochs, width=args.width, out=out, progress=False)
    features = feature_network_for((28, 28, 1), "mnist")
    rows = {"projection": [], "random": []}
    for i, target in enumerate(digits.x[8000:8000 + args.images]):
        found = run.project(target, steps=args.steps, starts=args.starts, seed=i)
        random = run.sample_seeds([10_000 + i])[0]
        wanted = features.extract(target[None])[0]
        for name, image in (("projection", found.image), ("random", random)):
            distance = np.mean((features.extract(image[None])[0] - wanted) ** 2) / np.mean(wanted ** 2)
            rows[name].append((float(np.mean((image - target) ** 2)), float(distance)))
    report = {name: {"pixel_mse": [float(np.mean(v)), float(np.std(v))],
                     "feature_distance": [float(np.mean(d)), float(np.std(d))]}
              for name, pairs in rows.items() for v, d in [zip(*pairs)]}
    print(json.dumps({"run": str(run.path), "images": args.images, "steps": args.steps, "starts": args.starts,
                      **report}, indent=2))


if __name__ == "__main__":
    main()
