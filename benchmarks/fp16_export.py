"""kgan export --fp16 per variant family: file size and the largest difference from the fp32 graph.

    KERAS_BACKEND=torch python benchmarks/fp16_export.py --steps 50 --width 16 --out /tmp/fp16-bench

Trains one small run per family on the first 1,000 MNIST test digits that ship with kgan (translators:
digits -> thickened digits), exports each in fp32 and fp16, and prints one JSON line per run: sizes
in bytes, the fp16 file's own reported difference (on its fixed check batch) and the largest pixel
difference after rounding both to uint8 on 64 other samples.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from helpers import thicken  # noqa: E402

FAMILIES = ("dcgan", "cgan", "infogan", "wgan_gp", "pix2pix", "cyclegan", "discogan")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=50)
    parser.add_argument("--width", type=int, default=16)
    parser.add_argument("--out", default="runs/fp16-bench")
    args = parser.parse_args()

    import kgan
    from kgan import data
    from kgan.export.onnx_export import export_onnx
    from kgan.export.onnx_sampler import OnnxSampler
    from kgan.pixels import scale_to_uint8

    digits = data.load(f"idx:{Path(kgan.__file__).parent / 'embedded' / 'mnist-test'}")
    x, y = scale_to_uint8(digits.x[:1000]), digits.labels[:1000]
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    np.savez(out / "pairs.npz", a=x, b=thicken(x), y=y)
    for variant in FAMILIES:
        translator = variant in ("pix2pix", "cyclegan", "discogan")
        settings = dict(steps=args.steps, width=args.width, out=out / variant, progress=False, batch_size=16)
        if translator:
            kind = "paired" if variant == "pix2pix" else "unpaired"
            run = kgan.train(variant, data=f"{kind}:{out / 'pairs.npz'}", **settings)
        else:
            run = kgan.train(variant, data=x, labels=y, **settings)
        full = OnnxSampler(export_onnx(run.path, out / f"{variant}-fp32.onnx"))
        half = OnnxSampler(export_onnx(run.path, out / f"{variant}-fp16.onnx", fp16=True))
        rng = np.random.default_rng(1)
        if translator:
            inputs = {name: rng.uniform(-1, 1, (64, 28, 28, 1)).astype(np.float32) for name in full.image_inputs}
        else:
            inputs = full.draw(64, seed=1).inputs
        levels = np.abs(scale_to_uint8(half.run(inputs)).astype(int) - scale_to_uint8(full.run(inputs))).max()
        print(json.dumps({"variant": variant, "fp32_bytes": (out / f"{variant}-fp32.onnx").stat().st_size,
                          "fp16_bytes": (out / f"{variant}-fp16.onnx").stat().st_size,
                          "fp16_max_abs_diff": float(half.metadata["fp16_max_abs_diff"]),
                          "max_uint8_levels_apart": int(levels)}), flush=True)


if __name__ == "__main__":
    main()
