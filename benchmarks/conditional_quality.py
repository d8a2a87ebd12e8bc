r"""Does a conditional generator draw the class it is asked for? A classifier trained on real data decides.

Two steps, each one command:

    # 1. A small CNN trained on real images; prints its held-out accuracy.
    python benchmarks/conditional_quality.py classifier --data idx:../shared/data/mnist \
        --out runs/mnist-classifier.keras

    # 2. Sample a trained run and classify: per-label accuracy for cgan/acgan; for infogan, how well its
    #    first categorical code matches the true classes under the best one-to-one matching.
    python benchmarks/conditional_quality.py eval runs/cgan-mnist --classifier runs/mnist-classifier.keras -n 2000

    # The classifier may also be one of kgan's pinned feature networks (`kgan metrics list`), by name:
    python benchmarks/conditional_quality.py eval runs/cgan-fashion --classifier fashion_mnist

    # 3. A docs/quality.md table in one command: train each row's runs (kept in OUT; a rerun reuses
    #    runs already trained) and print the markdown table. benchmarks/quality.py runs the same:
    #    `python benchmarks/quality.py conditional|infogan --out runs/quality`.
    python benchmarks/conditional_quality.py table conditional --out runs/quality   # CGAN, ACGAN on Fashion-MNIST
    python benchmarks/conditional_quality.py table infogan --out runs/quality       # InfoGAN on MNIST, 5 seeds

Only the MNIST test split exists on these machines, so for MNIST the classifier trains on its first
8,000 images and is scored on the other 2,000; Fashion-MNIST has its own test split.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

HELD_OUT = 2000


def build_classifier(sample_shape, num_classes):
    import keras
    from keras import layers

    return keras.Sequential([
        keras.Input(sample_shape),
        layers.Conv2D(32, 3, activation="relu"), layers.MaxPooling2D(),
        layers.Conv2D(64, 3, activation="relu"), layers.MaxPooling2D(),
        layers.Flatten(), layers.Dropout(0.3), layers.Dense(128, activation="relu"), layers.Dense(num_classes),
    ])


def train_classifier(args):
    import keras

    from kgan.data import load

    dataset = load(args.data)
    if dataset.labels is None:
        raise SystemExit(f"{args.data} has no labels")
    x, y = dataset.x, dataset.labels
    if args.data == "fashion_mnist":  # the named set is train (60k) + test (10k), in that order
        split = 60_000
    else:
        split = len(x) - HELD_OUT
    keras.utils.set_random_seed(args.seed)
    model = build_classifier(dataset.sample_shape, dataset.num_classes)
    model.compile(keras.optimizers.Adam(1e-3), keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                  metrics=["accuracy"])
    model.fit(x[:split], y[:split], batch_size=128, epochs=args.epochs, verbose=2)
    _, accuracy = model.evaluate(x[split:], y[split:], verbose=0)
    model.save(args.out)
    print(json.dumps({"data": args.data, "train": split, "held_out": len(x) - split, "held_out_accuracy": accuracy}))


def best_matching_accuracy(confusion: np.ndarray) -> tuple[float, list[int]]:
    """Accuracy of the best one-to-one map from codes (rows) to classes (columns), exactly.

    Dynamic programming over subsets of classes: fine for the 10 x 10 case.
    """
    n = confusion.shape[0]
    best = {0: (0.0, [])}
    for row in range(n):
        step = {}
        for used, (score, picks) in best.items():
            for col in range(confusion.shape[1]):
                if not used & (1 << col):
                    key = used | (1 << col)
                    candidate = (score + confusion[row, col], picks + [col])
                    if key not in step or candidate[0] > step[key][0]:
                        step[key] = candidate
        best = step
    score, picks = max(best.values(), key=lambda item: item[0])
    return score / confusion.sum(), picks


def load_judge(classifier: str):
    """images -> predicted classes, and the class count: a pinned network's name or a .keras file."""
    import keras

    from kgan.metrics.feature_nets import load_feature_net, read_registry

    if classifier in read_registry():
        net = load_feature_net(classifier)
        return (lambda images: np.argmax(net.extract(images)[1], axis=1)), net.num_classes
    model = keras.models.load_model(classifier)
    return (lambda images: np.argmax(model.predict(images, verbose=0), axis=1)), model.output_shape[-1]


def evaluate(args):
    result = score(args.run, args.classifier, args.n, args.seed)
    print(json.dumps(result))


def score(run, classifier, n, seed) -> dict:
    """Per-label accuracy of a conditional run, or the matched accuracy of an InfoGAN's first code."""
    from kgan.sampling import Sampler

    sampler = Sampler.load(run)
    classify, num_classes = load_judge(classifier)
    spec = sampler.latent_spec
    result = {"run": str(run), "variant": sampler.config.variant, "steps": sampler.meta["position"]["step"]}
    if spec.num_classes:
        per_class = n // spec.num_classes
        accuracies = []
        for label in range(spec.num_classes):
            images = sampler.sample(per_class, seed=seed + label, label=label)
            predicted = classify(images)
            accuracies.append(float(np.mean(predicted == label)))
        result.update(samples_per_class=per_class, accuracy=float(np.mean(accuracies)),
                      per_class=[round(a, 4) for a in accuracies])
    elif spec.code_spec and spec.code_spec[0]["kind"] == "categorical":
        categories = spec.code_spec[0]["size"]
        per_code = n // categories
        confusion = np.zeros((categories, num_classes))
        for category in range(categories):
            fixed = ",".join([str(category)] + ["*"] * (len(spec.code_spec) - 1))
            images = sampler.sample(per_code, seed=seed + category, code=fixed)
            predicted = classify(images)
            confusion[category] += np.bincount(predicted, minlength=confusion.shape[1])
        accuracy, mapping = best_matching_accuracy(confusion)
        result.update(samples_per_code=per_code, matched_accuracy=float(accuracy), code_to_class=mapping)
    else:
        raise SystemExit(f"{run} is neither conditional nor an InfoGAN with a categorical code")
    return result


# The rows of docs/quality.md's tables: (row name, its runs' folder name, variant, data, judging pinned
# network, kgan train options).
TABLES = {
    "conditional": [
        ("ACGAN", "acgan", "acgan", "fashion_mnist", "fashion_mnist", ["--steps", "1500", "--width", "32"]),
        ("CGAN, label planes in D (default)", "cgan", "cgan", "fashion_mnist", "fashion_mnist",
         ["--steps", "3000", "--width", "32"]),
        ("CGAN, projection D", "cgan-projection", "cgan", "fashion_mnist", "fashion_mnist",
         ["--steps", "3000", "--width", "32", "--conditioning", "projection"]),
    ],
    "infogan": [
        ("InfoGAN, the paper's networks (the default)", "infogan-paper", "infogan", "idx:{mnist}", "mnist",
         ["--steps", "3000"]),
        ("InfoGAN, DCGAN bodies (the earlier default)", "infogan", "infogan", "idx:{mnist}", "mnist",
         ["--steps", "3000", "--width", "64", "--infogan-nets", "dcgan", "--batch-size", "64", "--z-dist", "normal"]),
    ],
}


def trained(out: Path, name: str, variant: str, data: str, options: list, seed: int, backend: str):
    """(path, training seconds) of the run ``name`` in ``out``: trained now, or resumed up to ``--steps``
    when a shorter run is there (a resume continues exactly), or as it is."""
    run, steps = out / name, int(options[options.index("--steps") + 1])
    status = json.loads((run / "status.json").read_text()) if (run / "status.json").exists() else {}
    command = ["train", variant, "--data", data, "--seed", str(seed), "--out", str(run), *options]
    if status.get("step", 0) and status["step"] < steps:
        command = ["train", "--resume", str(run), "--steps", str(steps)]
    elif status.get("state") == "finished":
        command = None
    if command:
        started = time.time()
        subprocess.run([sys.executable, "-m", "kgan", *command, "--no-progress"], check=True,
                       env={**os.environ, "KERAS_BACKEND": backend})
        spent = float((run / "train_seconds.txt").read_text()) if (run / "train_seconds.txt").exists() else 0.0
        (run / "train_seconds.txt").write_text(f"{spent + time.time() - started:.0f}\n")
    return run, float((run / "train_seconds.txt").read_text()) if (run / "train_seconds.txt").exists() else float("nan")


def table(args):
    from kgan.metrics.feature_nets import read_registry

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    seeds = [int(s) for s in args.seeds.split(",")]
    lines = []
    for row, name, variant, data, judge, options in TABLES[args.table]:
        data = data.format(mnist=args.mnist)
        real = (f"| the {judge} classifier on held-out real images | | | | "
                f"{read_registry()[judge]['held_out_accuracy']:.1%} | | |")
        if real not in lines:
            lines.append(real)
        results = []
        for seed in seeds:
            run, seconds = trained(out, f"{name}-{seed}", variant, data, options, seed, args.backend)
            result = score(run, judge, args.n, 1000)
            results.append({**result, "seconds": seconds})
            print(json.dumps(results[-1]), file=sys.stderr)
        key = "accuracy" if "accuracy" in results[0] else "matched_accuracy"
        values = np.array([r[key] for r in results])
        spread = f" +- {values.std(ddof=1):.1%}" if len(values) > 1 else ""
        lines.append(f"| {row} | {data} | {' '.join(options)} | {len(seeds)} | {values.mean():.1%}{spread} | "
                     f"{', '.join(f'{v:.1%}' for v in values)} | "
                     f"{np.mean([r['seconds'] for r in results]):.0f} s |")
    header = ["| row | data | options | seeds | accuracy (mean +- std) | per seed | train time |",
              "| --- | --- | --- | --- | --- | --- | --- |"]
    print("\n".join(header + lines))


def add_table_options(parser) -> None:
    """The options of ``table NAME``, which ``benchmarks/quality.py conditional|infogan`` take too."""
    parser.add_argument("--out", required=True, help="folder of the runs (reused when already trained)")
    parser.add_argument("--seeds", default=None, help="comma-separated (default: 0 for conditional, 0-4 for infogan)")
    parser.add_argument("--backend", default="tensorflow", help="KERAS_BACKEND of the training runs")
    parser.add_argument("--mnist", default="../shared/data/mnist", help="the MNIST idx folder")
    parser.add_argument("-n", type=int, default=2000, help="samples scored per run")


def run_table(args) -> None:
    """``table(args)`` with the table's own default seeds when ``--seeds`` is not given."""
    if args.seeds is None:
        args.seeds = "0,1,2,3,4" if args.table == "infogan" else "0"
    table(args)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    train = commands.add_parser("classifier", help="train the judging classifier on real data")
    train.add_argument("--data", required=True)
    train.add_argument("--out", required=True, help="FILE.keras")
    train.add_argument("--epochs", type=int, default=5)
    train.add_argument("--seed", type=int, default=0)
    score = commands.add_parser("eval", help="classify a run's samples")
    score.add_argument("run")
    score.add_argument("--classifier", required=True, help="a pinned network's name (kgan metrics list) or FILE.keras")
    score.add_argument("-n", type=int, default=2000, help="samples in all")
    score.add_argument("--seed", type=int, default=1000)
    rows = commands.add_parser("table", help="train each row's runs and print a docs/quality.md table")
    rows.add_argument("table", choices=sorted(TABLES))
    add_table_options(rows)
    args = parser.parse_args(argv)
    {"classifier": train_classifier, "eval": evaluate, "table": run_table}[args.command](args)


if __name__ == "__main__":
    main()
