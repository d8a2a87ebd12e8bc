"""Dynamic shapes of exported graphs: the largest |ONNX - Keras| per batch size and image size, per backend.

    KERAS_BACKEND=torch python benchmarks/dynamic_shapes.py --steps 2 --width 8 --out /tmp/dyn-bench

Trains one small run per built-in variant on the first 256 MNIST test digits that ship with kgan (translators:
digits -> thickened digits), exports its generator to ONNX under the active backend, and feeds the
file and the Keras generator the same inputs at batch 1 and 7: generators from noise at their one
size; translators at their training size (28 x 28) and at another size their ``SizeRule`` allows, not
square (28 + m by 28 + 2m, m the rule's multiple), where the file's height and width are dynamic. The
Keras side is the generator's own layers on inputs of unknown height and width
(``kgan.networks.any_size``). Prints one JSON line per (variant, batch, size), then a Markdown table.

    python benchmarks/dynamic_shapes.py --merge torch.log tensorflow.log jax.log

merges the JSON lines of runs under several backends into one table, a column per backend and batch.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from helpers import thicken  # noqa: E402

# Every built-in variant of images (custom is a user's own file, pacgan is for points); gan: an MLP generator.
FAMILIES = ("gan", "dcgan", "lsgan", "wgan", "wgan_gp", "sngan", "cgan", "acgan", "infogan",
            "pix2pix", "cyclegan", "discogan")
BATCHES = (1, 7)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=2)
    parser.add_argument("--width", type=int, default=8)
    parser.add_argument("--out", default="runs/dynamic-shapes-bench")
    parser.add_argument("--variants", default=",".join(FAMILIES))
    parser.add_argument("--merge", nargs="+", metavar="LOG", help="print one table from these runs' outputs")
    args = parser.parse_args()
    if args.merge:
        return merge(args.merge)

    import keras

    import kgan
    from kgan import data
    from kgan.export.onnx_export import export_onnx
    from kgan.export.onnx_sampler import OnnxSampler
    from kgan.networks import any_size, generate, size_rule
    from kgan.pixels import scale_to_uint8
    from kgan.sampling import Sampler

    backend = keras.backend.backend()
    digits = data.load(f"idx:{Path(kgan.__file__).parent / 'embedded' / 'mnist-test'}")
    x, y = scale_to_uint8(digits.x[:256]), digits.labels[:256]
    out = Path(args.out) / backend
    out.mkdir(parents=True, exist_ok=True)
    np.savez(out / "pairs.npz", a=x, b=thicken(x), y=y)
    rows = []
    for variant in args.variants.split(","):
        settings = dict(steps=args.steps, width=args.width, out=out / variant, progress=False, batch_size=8)
        if variant in ("pix2pix", "cyclegan", "discogan"):
            kind = "paired" if variant == "pix2pix" else "unpaired"
            run = kgan.train(variant, data=f"{kind}:{out / 'pairs.npz'}", **settings)
        else:
            run = kgan.train(variant, data=x, labels=y, **settings)
        onnx = OnnxSampler(export_onnx(run.path, out / f"{variant}.onnx"))
        generator = Sampler.load(run.path).generator
        rule = size_rule(generator)
        side = generator.inputs[0].shape[1] if onnx.image_inputs else None
        sizes = [(side, side)] if side else [None]
        if onnx.size_rule:
            sizes.append((side + rule.multiple, side + 2 * rule.multiple))
        keras_generator = any_size(generator) if rule else generator
        for batch in BATCHES:
            for size in sizes:
                inputs = onnx.draw(batch, seed=batch).inputs
                if size:
                    rng = np.random.default_rng(batch)
                    inputs = {name: rng.uniform(-1, 1, (batch, *size, 1)).astype(np.float32)
                              for name in onnx.image_inputs}
                difference = float(np.abs(onnx.run(inputs) - generate(keras_generator, inputs)).max())
                row = {"backend": backend, "variant": variant, "batch": batch,
                       "size": "{}x{}".format(*(size or onnx.image_shape[:2])) + ("" if size else " (from z)"),
                       "dynamic_hw": bool(onnx.size_rule), "max_abs_diff": difference}
                print(json.dumps(row), flush=True)
                rows.append(row)
        print(json.dumps({"variant": variant, "size_rule": onnx.metadata.get("size_rule")}), flush=True)
    print("\n| backend | variant | batch | image size | max abs diff |\n| --- | --- | --- | --- | --- |")
    for row in rows:
        print(f"| {row['backend']} | {row['variant']} | {row['batch']} | {row['size']} | {row['max_abs_diff']:.2g} |")


def merge(logs: list[str]) -> None:
    """One Markdown table from the JSON lines of runs under several backends: a row per variant and image
    size, a column per backend and batch; "-" where a backend's file does not take that size."""
    rows = [json.loads(line) for log in logs for line in Path(log).read_text().splitlines()
            if line.startswith('{"backend"')]
    backends = list(dict.fromkeys(row["backend"] for row in rows))
    cells = {(row["variant"], row["size"], row["backend"], row["batch"]): row["max_abs_diff"] for row in rows}
    columns = [(backend, batch) for backend in backends for batch in BATCHES]
    print("| variant | image size | " + " | ".join(f"{b}, batch {n}" for b, n in columns) + " |")
    print("| --- | --- | " + " | ".join("---" for _ in columns) + " |")
    for variant, size in dict.fromkeys((row["variant"], row["size"]) for row in rows):
        values = [cells.get((variant, size, b, n)) for b, n in columns]
        print(f"| {variant} | {size} | " + " | ".join("-" if v is None else f"{v:.1e}" for v in values) + " |")


if __name__ == "__main__":
    main()
