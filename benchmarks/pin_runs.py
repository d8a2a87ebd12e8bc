"""Pin tiny runs of every kind of data, to show that a refactor leaves runs bit for bit as they were.

Trains ten 4-step runs (dcgan, acgan, wgan_gp with 2 steps per call; pix2pix, cyclegan, discogan; data on the
device and on the host; cyclegan on paired data) on 32 real MNIST digits and writes, per run, the sha256 of
every checkpoint array (weights, optimizer, EMA, image history), every logged loss and the sample grids'
PNG bytes. Run it before and after a change, under each backend, and compare:

    git stash; KERAS_BACKEND=torch python benchmarks/pin_runs.py before-torch.json; git stash pop
    KERAS_BACKEND=torch python benchmarks/pin_runs.py after-torch.json --compare before-torch.json

Bit-exact results hold on one machine (another CPU may round differently); tests/test_engine_fixtures.py
pins GAN runs across machines to rounding.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import tempfile
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from helpers import write_mnist_npz, write_translation_npz  # noqa: E402

from kgan.training.assembly import resolve_config  # noqa: E402
from kgan.training.run_loop import train  # noqa: E402

TINY = {"width": 4, "batch_size": 4, "steps": 4, "log_every": 1, "grid_size": 4}


def runs(root: Path) -> dict:
    digits = f"npz:{write_mnist_npz(root / 'digits.npz', 32)}"
    paired = f"paired:{write_translation_npz(root / 'paired.npz', 32, paired=True)}"
    unpaired = f"unpaired:{write_translation_npz(root / 'unpaired.npz', 32, paired=False)}"
    return {
        "dcgan": ("dcgan", {"data": digits, "latent_dim": 8}),
        "dcgan_host": ("dcgan", {"data": digits, "latent_dim": 8, "data_on": "host"}),
        "acgan": ("acgan", {"data": digits, "latent_dim": 8}),
        "wgan_gp_calls": ("wgan_gp", {"data": digits, "latent_dim": 8, "n_critic": 2, "steps_per_call": 2,
                                      "log_every": 2}),
        "pix2pix": ("pix2pix", {"data": paired}),
        "pix2pix_host": ("pix2pix", {"data": paired, "data_on": "host"}),
        "cyclegan": ("cyclegan", {"data": unpaired}),
        "cyclegan_host": ("cyclegan", {"data": unpaired, "data_on": "host", "steps_per_call": 2, "log_every": 2}),
        "discogan": ("discogan", {"data": unpaired}),
        "cyclegan_paired_data": ("cyclegan", {"data": paired}),
    }


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()[:16]


def pin(name: str, variant: str, settings: dict, root: Path) -> dict:
    out = root / name
    train(resolve_config(variant, **{**TINY, **settings}), out, progress=False)
    with np.load(out / "checkpoint.npz") as checkpoint:
        arrays = {key: digest(checkpoint[key].tobytes()) for key in checkpoint.files if key != "meta"}
    losses = [{k: v for k, v in json.loads(line).items() if k != "images_per_sec"}
              for line in (out / "metrics.jsonl").read_text().splitlines()]
    grids = {path.name: digest(path.read_bytes()) for path in sorted((out / "samples").glob("*.png"))}
    return {"arrays": arrays, "losses": losses, "grids": grids}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path, help="where to write the pins (JSON)")
    parser.add_argument("--compare", type=Path, help="pins written before: print what differs, exit 1 if anything")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        pins = {name: pin(name, variant, settings, Path(tmp)) for name, (variant, settings) in runs(Path(tmp)).items()}
    args.out.write_text(json.dumps(pins, indent=1, sort_keys=True))
    if args.compare:
        before = json.loads(args.compare.read_text())
        differing = {name: [part for part in ("arrays", "losses", "grids") if before[name][part] != pins[name][part]]
                     for name in pins}
        for name, parts in differing.items():
            print(f"{name:22s} {'differs in ' + ', '.join(parts) if parts else 'bit-identical'}")
        sys.exit(1 if any(differing.values()) else 0)


if __name__ == "__main__":
    main()
