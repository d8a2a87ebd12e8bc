r"""Does a conditional generator draw the class it is asked for? A classifier trained on real data decides.

Two steps, each one command:

    # 1. A small CNN trained on real images; prints its held-out accuracy.
    python benchmarks/conditional_quality.py classifier --data idx:../shared/data/mnist \
        --out runs/mnist-classifier.keras

    # 2. Sample a trained run and classify: per-label accuracy for cgan/acgan; for infogan, how well its
    #    first categorical code matches the true classes under the best one-to-one matching.
    python benchmarks/conditional_quality.py eval runs/cgan-mnist --classifier runs/mnist-classifier.keras -n 2000

Only the MNIST test split exists on these machines, so for MNIST the classifier trains on its first
8,000 images and is scored on the other 2,000; Fashion-MNIST has its own test split.
"""

from __future__ import annotations

import argparse
import json

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


def evaluate(args):
    import keras

    from kgan.sampling import Sampler

    sampler = Sampler.load(args.run)
    classifier = keras.models.load_model(args.classifier)
    spec = sampler.latent_spec
    result = {"run": args.run, "variant": sampler.config.variant, "steps": sampler.meta["position"]["step"]}
    if spec.num_classes:
        per_class = args.n // spec.num_classes
        accuracies = []
        for label in range(spec.num_classes):
            images = sampler.sample(per_class, seed=args.seed + label, label=label)
            predicted = np.argmax(classifier.predict(images, verbose=0), axis=1)
            accuracies.append(float(np.mean(predicted == label)))
        result.update(samples_per_class=per_class, accuracy=float(np.mean(accuracies)),
                      per_class=[round(a, 4) for a in accuracies])
    elif spec.code_spec and spec.code_spec[0]["kind"] == "categorical":
        categories = spec.code_spec[0]["size"]
        per_code = args.n // categories
        confusion = np.zeros((categories, classifier.output_shape[-1]))
        for category in range(categories):
            fixed = ",".join([str(category)] + ["*"] * (len(spec.code_spec) - 1))
            images = sampler.sample(per_code, seed=args.seed + category, code=fixed)
            predicted = np.argmax(classifier.predict(images, verbose=0), axis=1)
            confusion[category] += np.bincount(predicted, minlength=confusion.shape[1])
        accuracy, mapping = best_matching_accuracy(confusion)
        result.update(samples_per_code=per_code, matched_accuracy=float(accuracy), code_to_class=mapping)
    else:
        raise SystemExit(f"{args.run} is neither conditional nor an InfoGAN with a categorical code")
    print(json.dumps(result))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    train = commands.add_parser("classifier", help="train the judging classifier on real data")
    train.add_argument("--data", required=True)
    train.add_argument("--out", required=True, help="FILE.keras")
    train.add_argument("--epochs", type=int, default=5)
    train.add_argument("--seed", type=int, default=0)
    score = commands.add_parser("eval", help="classify a run's samples")
    score.add_argument("run")
    score.add_argument("--classifier", required=True)
    score.add_argument("-n", type=int, default=2000, help="samples in all")
    score.add_argument("--seed", type=int, default=1000)
    args = parser.parse_args()
    (train_classifier if args.command == "classifier" else evaluate)(args)


if __name__ == "__main__":
    main()
