"""Scoring samples against real data: what ``kgan eval`` and ``kgan train --eval-every`` compute.

Image-to-image runs are scored on held-out data instead (``kgan eval RUN --data SPEC``): see
``kgan.metrics.translation``.

Metric names (``--metrics``):
    fid       Frechet distance of feature statistics (lower is better)
    kid       kernel inception distance, mean and std over subsets (lower is better)
    is        classifier score, the Inception Score formula on a pinned classifier (higher is better)
    pr        precision and recall of k-NN feature manifolds (higher is better)
    coverage  share of classes produced and KL of the class histogram to uniform
    modes     toy sets (ring8, grid25): modes covered, high-quality share, PacGAN's reverse KL and kgan's
              nearest-mode KL (kgan.metrics.modes says which is which)

The reference is ``n`` real samples picked by a seeded permutation of the run's data, the same on
every backend, so two runs scored with the same ``n`` and seed are compared on the same images.
"""

from __future__ import annotations

import numpy as np

from kgan.data import TOY_SETS, Dataset
from kgan.errors import KganError
from kgan.metrics.class_scores import SCORE_SPLITS, class_coverage, classifier_score, softmax
from kgan.metrics.feature_distances import fid, kid
from kgan.metrics.modes import toy_mode_metrics
from kgan.metrics.precision_recall import NEIGHBOURS, precision_recall

IMAGE_METRICS = ("fid", "kid", "is", "pr", "coverage")
POINT_METRICS = ("modes",)
CLASSIFIER_METRICS = ("is", "coverage")  # need class logits, which the pinned networks have
DEFAULT_SAMPLES = {"image": 5000, "points": 2500}  # 2,500: the sample count of the VEEGAN/PacGAN tables
# The fewest samples (and reference samples) a metric is defined for, and why, where that is more than
# the 2 every n must have: fid and kid need 2 (a covariance, an unbiased MMD), coverage and modes 1.
MIN_SAMPLES = {"is": (SCORE_SPLITS, f"one for each of its {SCORE_SPLITS} parts"),
               "pr": (NEIGHBOURS + 1, f"each sample's {NEIGHBOURS} nearest neighbours")}
PICK_SAMPLES, RECOGNISED = 1000, 0.8  # recognising a copy of a pinned set by how well its classifier labels it


def parse_metrics(names, kind: str) -> list[str]:
    """``"fid,kid"`` or a list -> validated names; None -> every metric for this kind of data."""
    allowed = IMAGE_METRICS if kind == "image" else POINT_METRICS
    if names is None:
        return list(allowed)
    names = [n.strip() for n in names.split(",")] if isinstance(names, str) else list(names)
    for name in names:
        if name not in IMAGE_METRICS + POINT_METRICS:
            raise KganError(f"unknown metric {name!r}; use some of: {', '.join(IMAGE_METRICS + POINT_METRICS)}")
        if name not in allowed:
            raise KganError(f"{name} is not a metric for {'images' if kind == 'image' else '2-D points'}; "
                            f"use some of: {', '.join(allowed)}")
    return names


def check_sample_count(metrics: list[str], n: int) -> None:
    """Fail before anything is sampled or written when ``n`` is too few for one of ``metrics``."""
    short = [(name, *MIN_SAMPLES[name]) for name in metrics if name in MIN_SAMPLES and n < MIN_SAMPLES[name][0]]
    if short:
        name, least, why = max(short, key=lambda item: item[1])
        raise KganError(f"the {name} metric needs at least {least} samples ({why}), got {n}; raise -n "
                        f"(--eval-samples in kgan train) to {least} or drop {name} from the metrics")


def selection_key(result: dict) -> float:
    """Lower is better: FID for images; for toy sets more modes covered, ties broken by high-quality share."""
    if "fid" in result:
        return result["fid"]
    if "modes_covered" in result:
        return -(result["modes_covered"] + result["high_quality"])
    raise KganError("choosing a best checkpoint needs fid (images) or modes (toy sets) among the metrics")


class Evaluator:
    """Scores batches of samples against a fixed real reference drawn from ``dataset``.

    Args:
        dataset: the real data (a run's own training data).
        data_name: its spec; picks the toy modes and, for named sets, the pinned feature network.
        metrics: names (see module doc); default all for the data's kind.
        n: reference size (default 5,000 images, 2,500 points, or the whole data set if smaller).
        seed: picks the reference samples (and KID's subsets).
        features: a pinned network name (``kgan metrics list``); default: the data's name. Or
            ``inception-fid`` (``inception-fid:FILE``): the standard FID Inception network
            (``kgan.metrics.inception_fid``), whose metrics default to fid, kid and pr.
        inception_weights: score with Keras' Inception-v3 features from this file instead.
    """

    def __init__(self, dataset: Dataset, data_name: str, metrics=None, n: int | None = None, seed: int = 0,
                 features: str | None = None, inception_weights: str | None = None):
        from kgan.metrics.inception_fid import is_inception_fid

        self.kind, self.data_name, self.seed = dataset.kind, data_name, seed
        if metrics is None and is_inception_fid(features) and self.kind == "image":
            metrics = [m for m in IMAGE_METRICS if m not in CLASSIFIER_METRICS]  # it has no class logits
        self.metrics = parse_metrics(metrics, self.kind)
        self.n = n or min(DEFAULT_SAMPLES[self.kind], len(dataset.x))
        if self.n < 2 or self.n > len(dataset.x):
            raise KganError(f"-n must be in 2..{len(dataset.x)} (the size of {data_name}), got {self.n}")
        check_sample_count(self.metrics, self.n)
        if self.kind == "points" and data_name not in TOY_SETS:
            raise KganError(f"mode metrics are defined for the toy sets {', '.join(TOY_SETS)}, not {data_name}")
        self.order = np.random.default_rng([seed, 7]).permutation(len(dataset.x))
        self.dataset = dataset
        self.picked = None  # why a pinned network was chosen for data that does not name one
        self.net = self._feature_net(features, inception_weights) if self.kind == "image" else None
        self._reference_features = None

    def _feature_net(self, features, inception_weights):
        from kgan.metrics.inception_fid import is_inception_fid, load_inception_fid

        if inception_weights or is_inception_fid(features):
            needing_classes = [m for m in self.metrics if m in CLASSIFIER_METRICS]
            if needing_classes:
                raise KganError(f"Inception features (no top) give no class predictions, which "
                                f"{', '.join(needing_classes)} need; use --metrics fid,kid,pr")
        if inception_weights:
            from kgan.metrics.inception import InceptionFeatures

            return InceptionFeatures(inception_weights)
        if is_inception_fid(features):
            return load_inception_fid(features)
        from kgan.metrics.feature_nets import load_feature_net, read_registry

        name, pinned = features or self.data_name, read_registry()
        if name in pinned:
            return load_feature_net(name)
        if features is None:  # an idx:/npz: copy of a pinned set, say: recognise it by its labels
            picked = self._recognise(pinned)
            if picked:
                return picked
        raise KganError(f"no pinned feature network for {name}; pass --features "
                        f"{' or '.join(sorted(pinned))} or inception-fid, or --inception-weights FILE")

    def _recognise(self, pinned: dict):
        """The pinned network whose images' shape and classes the data has and whose classifier
        labels the data's own samples best (at least 80% right), or None."""
        from kgan.metrics.feature_nets import load_feature_net

        dataset = self.dataset
        if dataset.labels is None:
            return None
        rows = self.order[:PICK_SAMPLES]
        best, best_accuracy = None, RECOGNISED
        for name, record in sorted(pinned.items()):
            if (list(record["sample_shape"]) != list(dataset.sample_shape)
                    or record["num_classes"] != dataset.num_classes):
                continue
            net = load_feature_net(name)
            accuracy = float(np.mean(np.argmax(net.extract(dataset.x[rows])[1], axis=1) == dataset.labels[rows]))
            if accuracy >= best_accuracy:
                best, best_accuracy = net, accuracy
        if best is not None:
            self.picked = (f"picked the pinned {best.name} features: they label {best_accuracy:.1%} of "
                           f"{len(rows)} samples of {self.data_name} right")
        return best

    def reference(self) -> np.ndarray:
        return self.dataset.x[self.order[:self.n]]

    def held_out_real(self) -> np.ndarray:
        """The next ``n`` real samples after the reference: what a perfect generator would score."""
        if 2 * self.n > len(self.dataset.x):
            raise KganError(f"scoring real data needs 2 x {self.n} samples; {self.data_name} has "
                            f"{len(self.dataset.x)}; lower -n")
        return self.dataset.x[self.order[self.n:2 * self.n]]

    def reference_features(self) -> np.ndarray:
        if self._reference_features is None:
            self._reference_features = self.net.extract(self.reference())[0]
        return self._reference_features

    def describe(self) -> dict:
        return {"metrics": self.metrics, "n": self.n, "seed": self.seed, "reference": self.data_name,
                **(self.net.describe() if self.net else {}),
                **({"features_picked": self.picked} if self.picked else {})}

    def __call__(self, samples: np.ndarray) -> dict:
        """{metric value name: float} for ``samples`` (images in [-1, 1] or 2-D points)."""
        result = {}
        if "modes" in self.metrics:
            result.update(toy_mode_metrics(samples, self.data_name))
        if self.net is None:
            return result
        features, logits = self.net.extract(samples)
        reference = self.reference_features()
        if "fid" in self.metrics:
            result["fid"] = fid(reference, features)
        if "kid" in self.metrics:
            result["kid"], result["kid_std"] = kid(reference, features, seed=self.seed)
        if "is" in self.metrics:
            result["is"], result["is_std"] = classifier_score(softmax(logits))
        if "pr" in self.metrics:
            result["precision"], result["recall"] = precision_recall(reference, features)
        if "coverage" in self.metrics:
            result.update(class_coverage(np.argmax(logits, axis=1), logits.shape[1]))
        return result


def evaluate_run(path, metrics=None, n: int | None = None, seed: int = 0, features: str | None = None,
                 inception_weights: str | None = None) -> dict:
    """Sample ``n`` from the run in ``path`` and score them against ``n`` real samples of its data.

    Conditional runs are sampled with the classes balanced (one row per class). An image-to-image run
    has no samples of its own to score: ``evaluate_translation`` scores it on held-out data.
    """
    from kgan import data
    from kgan.metrics.translation import NEEDS_DATA
    from kgan.sampling import Sampler
    from kgan.variants import get_variant

    sampler = Sampler.load(path)
    config = sampler.config
    if get_variant(config.variant).directions:
        raise KganError(NEEDS_DATA)
    evaluator = Evaluator(data.load(config.data, config.image_size, config.labels), config.data, metrics, n, seed,
                          features, inception_weights)
    samples = sampler.sample(evaluator.n, seed)
    return {"source": str(path), "step": sampler.meta.get("position", {}).get("step"),
            "samples": len(samples), **evaluator.describe(), "values": evaluator(samples)}


def evaluate_real(data_spec: str, metrics=None, n: int | None = None, seed: int = 0, features: str | None = None,
                  inception_weights: str | None = None, image_size: int | None = None) -> dict:
    """The real data's own scores: ``n`` held-out real samples against the ``n`` reference ones."""
    from kgan import data

    spec = data.absolute_spec(data_spec)
    dataset = data.load(spec, image_size)
    n = n or min(DEFAULT_SAMPLES[dataset.kind], len(dataset.x) // 2)
    evaluator = Evaluator(dataset, spec, metrics, n, seed, features, inception_weights)
    samples = evaluator.held_out_real()
    return {"source": f"real {spec}", "step": None, "samples": len(samples), **evaluator.describe(),
            "values": evaluator(samples)}


def evaluate_translation(path, data_spec: str, n: int | None = None, seed: int = 0, features: str | None = None,
                         inception_weights: str | None = None) -> dict:
    """The image-to-image run in ``path`` scored on the held-out data ``data_spec``: pixel L1 (paired
    data), FID with its real-vs-real baseline and class scores, per direction (``kgan.metrics.translation``)."""
    from kgan import data
    from kgan.metrics.translation import evaluate_translator

    return evaluate_translator(path, data.absolute_spec(data_spec), n, seed, features, inception_weights)
