"""Text to image, measured (docs/text-to-image.md): the text encoder's retrieval, then text2image's ablation.

    KERAS_BACKEND=torch python benchmarks/text_to_image.py OUT [--count 10000] [--encoder-steps 1000]
        [--steps 2000] [--seeds 0,1,2] [--width 64] [--encoder-width 64] [--batch-size 64] [--features inception-fid]

1. ``kgan data captions --from mnist -o OUT/data``: captioned MNIST on a 64x64 canvas, held-out colour x class pairs.
2. ``kgan train text-encoder``; its caption-to-image retrieval top-1/top-5 on the test split (``kgan eval``).
3. For each of the paper's ablation rows (a conditional GAN on the same embedding: ``--no-matching
   --no-interpolate``; GAN-CLS: ``--no-interpolate``; GAN-INT-CLS: the defaults) and each seed, ``kgan train
   text2image``, then:
   - attribute accuracy (``kgan eval RUN --data captions:DIR``, ``kgan.metrics.text_to_image``: class by the pinned
     MNIST classifier on the object's crop, colour, background, position and size from the pixels) of one sample
     per caption, for captions of training images ("seen") and of the held-out colour x class pairs ("held out");
   - D's mean score (sigmoid) gap between held-out real images with their own caption and with a mismatched one.
   - with ``--features inception-fid`` (``pip install 'kgan[fid]'``), each group's FID against its captions' real
     images, beside the real images' own FID at the same size.
4. A grid of captions x samples and an interpolation between two sentences, from the first GAN-INT-CLS run.

Writes OUT/results.json and prints a Markdown table. Every command it runs is printed as it runs.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np

ROWS = {"conditional GAN": ["--no-matching", "--no-interpolate"], "GAN-CLS": ["--no-interpolate"],
        "GAN-INT-CLS": []}
PICTURE_CAPTIONS = ("a red seven at the top left on black", "a large green three in the centre on grey",
                    "a small white zero at the bottom right on black", "a blue one at the top right on grey")


def run_kgan(*args: str) -> None:
    command = [sys.executable, "-m", "kgan", *args]
    print("$ kgan " + " ".join(args), flush=True)
    subprocess.run(command, check=True, env={**os.environ, "PYTHONUNBUFFERED": "1"})


def d_gap(run: Path, held_out, rng: np.random.Generator, n: int = 256) -> float:
    """Mean sigmoid(D(x, right text)) - sigmoid(D(x, wrong text)) over ``n`` held-out real images."""
    import keras

    from kgan.config import TrainConfig
    from kgan.networks import generate
    from kgan.sampling import read_run_checkpoint
    from kgan.training.captions import draw_wrong_rows
    from kgan.training.checkpoint import restore
    from kgan.variants import get_variant

    checkpoint = read_run_checkpoint(run)
    config = TrainConfig.from_dict(checkpoint.meta["config"])
    variant, shape = get_variant(config.variant), tuple(checkpoint.meta["data"]["sample_shape"])
    nets = {role: variant.build(role, config, shape) for role in ("discriminator", "text_encoder")}
    restore({role: net.variables for role, net in nets.items()}, checkpoint)
    rows = rng.choice(len(held_out.x), min(n, len(held_out.x)), replace=False)
    wrong = draw_wrong_rows(rng, rows[None], held_out.match)[0]

    def embedding(picked):  # the mean of each image's captions' embeddings, as in training
        ids = held_out.captions[picked]
        flat = generate(nets["text_encoder"], {"text": ids.reshape(-1, ids.shape[-1])})
        return flat.reshape(len(picked), ids.shape[1], -1).mean(axis=1)

    def score(text):
        out = generate(nets["discriminator"], {"sample": held_out.x[rows], "text_embedding": text})
        return np.asarray(keras.ops.sigmoid(out)).ravel()

    return float(np.mean(score(embedding(rows)) - score(embedding(wrong))))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--count", type=int, default=10000)
    parser.add_argument("--encoder-steps", type=int, default=1000)
    parser.add_argument("--steps", type=int, default=2000)
    parser.add_argument("--seeds", default="0,1,2")
    parser.add_argument("--width", type=int, default=64)
    parser.add_argument("--encoder-width", type=int, default=64)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--scored", type=int, default=500, help="captions scored per group")
    parser.add_argument("--features", default=None, help="inception-fid: FIDs too")
    args = parser.parse_args()

    import kgan
    from kgan.data.captions import load_test_split
    from kgan.metrics.retrieval import evaluate_retrieval
    from kgan.metrics.text_to_image import evaluate_text_to_image
    from kgan.viz import save_samples

    out = args.out
    out.mkdir(parents=True, exist_ok=True)
    captions = out / "data"
    if not captions.exists():
        run_kgan("data", "captions", "--from", "mnist", "-o", str(captions), "--count", str(args.count), "--seed", "0")
    spec = f"captions:{captions}"
    encoder = out / "encoder"
    if not (encoder / "checkpoint.npz").exists():
        run_kgan("train", "text-encoder", "--data", spec, "--steps", str(args.encoder_steps), "--width",
                 str(args.encoder_width), "--out", str(encoder), "--no-progress", "--log-every", "100")
    results = {"settings": vars(args) | {"out": str(out)}, "backend": os.environ.get("KERAS_BACKEND"),
               "retrieval": evaluate_retrieval(encoder, spec)["values"], "runs": []}
    print("retrieval", results["retrieval"], flush=True)

    test = load_test_split(spec)
    for row, flags in ROWS.items():
        for seed in map(int, args.seeds.split(",")):
            run = out / f"{row.replace(' ', '-').lower()}-seed{seed}"
            if not (run / "checkpoint.npz").exists():
                run_kgan("train", "text2image", "--data", spec, "--text-encoder", str(encoder), "--steps",
                         str(args.steps), "--seed", str(seed), "--width", str(args.width), "--batch-size",
                         str(args.batch_size), "--out", str(run), "--no-progress", "--log-every", "100", *flags)
            scores = evaluate_text_to_image(run, spec, args.scored, seed, features=args.features)
            results.setdefault("real images", {"seen": scores["real, seen"], "held out": scores["real, held out"]})
            entry = {"row": row, "seed": seed, "run": str(run), "accuracy": scores,
                     "d_gap": d_gap(run, test, np.random.default_rng(seed))}
            results["runs"].append(entry)
            print(json.dumps(entry), flush=True)
    first = next(out / f"gan-int-cls-seed{s}" for s in map(int, args.seeds.split(",")))
    model = kgan.load(first)
    save_samples(model.sample(8 * len(PICTURE_CAPTIONS), text=list(PICTURE_CAPTIONS)), out / "captions.png", columns=8)
    save_samples(model.sampler.interpolate_text(PICTURE_CAPTIONS[0], PICTURE_CAPTIONS[2], rows=4, steps=8),
                 out / "interpolation.png", columns=8)
    (out / "results.json").write_text(json.dumps(results, indent=1))

    print(f"\nretrieval (held-out captions -> held-out images): top-1 {results['retrieval']['top1']:.3f}, "
          f"top-5 {results['retrieval']['top5']:.3f}")
    print("\n| model | seed | all right, seen | all right, held out | class (seen / held out) | colour | position | "
          "D gap | FID (seen / held out) |\n|---|---|---|---|---|---|---|---|---|")
    for entry in [{"row": "real images", "seed": "-", "accuracy": results["real images"], "d_gap": float("nan")},
                  *results["runs"]]:
        seen, unseen = entry["accuracy"]["seen"], entry["accuracy"]["held out"]
        print(f"| {entry['row']} | {entry['seed']} | {seen['all']:.3f} | {unseen['all']:.3f} | "
              f"{seen['class']:.2f} / {unseen['class']:.2f} | {seen['colour']:.2f} / {unseen['colour']:.2f} | "
              f"{seen['position']:.2f} / {unseen['position']:.2f} | {entry['d_gap']:.3f} | "
              f"{seen.get('fid', float('nan')):.1f} / {unseen.get('fid', float('nan')):.1f} |")


if __name__ == "__main__":
    main()
