"""Scoring an image-to-image translator on held-out data: what ``kgan eval RUN --data SPEC`` computes.

For each direction the run's variant translates (``a2b``, and ``b2a`` for two-way models), with
``n`` held-out images per domain:

    l1_a2b         mean absolute pixel error of G_ab(a) against a's true counterpart b, on the [0, 1]
                   pixel scale (0 is perfect); paired data only
    fid_a2b        FID of the translations against real B images (lower is better)
    fid_real_b     the same FID with real B images in place of the translations: what a perfect
                   translator scores, the floor that gives fid_a2b its context
    class_a2b      share of G_ab(a) the pinned classifier labels as a's class (data with labels;
                   meaningful when B keeps A's classes, e.g. digits -> thick digits)
    class_cycle_a  share of G_ba(G_ab(a)) labelled as a's class (two-way models, data with labels)
    class_b2a      share of G_ba(b) labelled as b's class (two-way models, paired data with labels)
    class_real_a   share of the real A images labelled as their class: the classifier's own accuracy,
                   the ceiling for class_b2a and class_cycle_a; class_real_b likewise for B (paired
                   data), the ceiling for class_a2b

and l1_b2a, fid_b2a and fid_real_a the other way round.

The FIDs are taken on halves, so that the baseline is measured exactly as the translations are:
the ``n`` real target images are split in two; the first half is the reference; fid_real_b scores
the second half against it, and fid_a2b the translations of the source images in the second half
(on paired data, the very counterparts of those real images). A translator that returned every
true counterpart would score fid_a2b == fid_real_b. Held-out rows are picked by a seeded
permutation, the same on every backend.
"""

from __future__ import annotations

import numpy as np

from kgan.errors import KganError
from kgan.metrics.feature_distances import fid

DEFAULT_IMAGES = 5000  # held-out images per domain unless -n says otherwise
NEEDS_DATA = "a translator is scored on held-out image pairs or domains: give --data SPEC"
DOMAINS = {"a2b": ("a", "b"), "b2a": ("b", "a")}  # direction -> (source domain, target domain)


def pixel_l1(translated: np.ndarray, target: np.ndarray) -> float:
    """Mean absolute error between two image arrays in [-1, 1], on the [0, 1] pixel scale.

    Args:
        translated: images in [-1, 1], NHWC.
        target: their true counterparts, the same shape.

    Returns:
        The mean of |translated - target| / 2 (0: identical, 1: black against white everywhere).
    """
    translated, target = np.asarray(translated, np.float64), np.asarray(target, np.float64)
    if translated.shape != target.shape:
        raise KganError(f"pixel L1 needs images of one shape, got {translated.shape} and {target.shape}")
    # [-1, 1] -> [0, 1] is (x + 1) / 2, so a difference halves.
    return float(np.mean(np.abs(translated - target)) / 2)


def class_share(logits: np.ndarray, labels: np.ndarray) -> float:
    """The share of rows whose highest logit is at their label.

    Args:
        logits: (N, K) class scores of a classifier.
        labels: (N,) int class labels.
    """
    logits, labels = np.asarray(logits), np.asarray(labels)
    if len(logits) != len(labels):
        raise KganError(f"class share needs one label per image, got {len(labels)} for {len(logits)}")
    return float(np.mean(np.argmax(logits, axis=1) == labels))


def fid_with_baseline(translated: np.ndarray, real: np.ndarray) -> tuple[float, float]:
    """(FID of the translations, FID of real images) against one half of the real images' features.

    Args:
        translated: (N_t, D) features of translated images; row i translates the counterpart of
            ``real[i]`` when the data is paired.
        real: (N_r, D) features of real images of the target domain.

    Returns:
        With m = min(N_t, N_r) // 2 and ``real[:m]`` as the reference: the FID of ``translated[m:2m]``
        and the FID of ``real[m:2m]``, the real-vs-real baseline measured on as many images.
    """
    m = min(len(translated), len(real)) // 2
    if m < 2:
        raise KganError(f"FID on halves needs at least 4 images per domain, got {min(len(translated), len(real))}")
    reference = real[:m]
    return fid(reference, translated[m:2 * m]), fid(reference, real[m:2 * m])


def held_out(dataset, n: int | None, seed: int) -> dict:
    """The rows scored: ``{"a", "b", "labels_a", "labels_b"}``, ``n`` per domain (default all, at most 5,000).

    Paired data keeps its pairs (one permutation for both domains); unpaired domains are drawn apart.
    Labels belong to A (and to B too when the data is paired).
    """
    a_size, b_size = len(dataset.x), len(dataset.b)
    most = min(a_size, b_size)
    n = n if n is not None else min(DEFAULT_IMAGES, most)
    if not 4 <= n <= most:
        raise KganError(f"-n must be in 4..{most} (the held-out images per domain of {dataset.name}), got {n}")
    rows_a = np.random.default_rng([seed, 7]).permutation(a_size)[:n]
    rows_b = rows_a if dataset.paired else np.random.default_rng([seed, 8]).permutation(b_size)[:n]
    labels = dataset.labels
    return {"a": dataset.x[rows_a], "b": dataset.b[rows_b],
            "labels_a": None if labels is None else labels[rows_a],
            "labels_b": labels[rows_b] if labels is not None and dataset.paired else None}


def feature_net(features: str | None, inception_weights: str | None, sample_shape: tuple):
    """The network the FIDs (and class scores) are measured with.

    Translator data has no name to guess a pinned network from (``kgan eval`` on a GAN run takes the
    data's), so it is ``features`` (the user's, else the run's ``--eval-features``; ``inception-fid``
    is the standard FID Inception network) or Keras' Inception.
    """
    from kgan.metrics.feature_nets import load_feature_net, read_registry
    from kgan.metrics.inception_fid import is_inception_fid, load_inception_fid

    if inception_weights:
        from kgan.metrics.inception import InceptionFeatures

        return InceptionFeatures(inception_weights)
    if is_inception_fid(features):
        return load_inception_fid(features)
    pinned = read_registry()
    if not features:
        raise KganError(f"translator data names no feature network to score with; pass --features "
                        f"{' or '.join(sorted(pinned))} (kgan metrics list), or --inception-weights FILE")
    net = load_feature_net(features)
    if net.sample_shape != tuple(sample_shape):
        raise KganError(f"the {features} features take {'x'.join(map(str, net.sample_shape))} images and the run's "
                        f"are {'x'.join(map(str, sample_shape))}; pass --features inception-fid or --inception-weights "
                        f"FILE")
    return net


def evaluate_translator(path, data_spec: str | None = None, n: int | None = None, seed: int = 0,
                        features: str | None = None, inception_weights: str | None = None, dataset=None) -> dict:
    """Translate held-out images with the run in ``path`` in every direction it has, and score them.

    Args:
        path: a run directory or checkpoint file of a variant with ``directions``.
        data_spec: the held-out data (``kgan.data.load`` spec with two image domains).
        n: held-out images per domain (default all, at most 5,000).
        seed: picks the held-out rows.
        features: a pinned network name (``kgan metrics list``); default: the run's ``eval_features``.
        inception_weights: measure FID with Inception-v3 features from this file instead (no class scores).
        dataset: a loaded ``kgan.data.Dataset`` to use instead of ``data_spec``.

    Returns:
        ``{"source", "step", "variant", "directions", "reference", "paired", "images", "seed",
        <the feature network's description>, "notes", "values"}``; ``values`` as in the module doc.
    """
    from kgan import data
    from kgan.sampling import Sampler
    from kgan.variants import get_variant

    first = Sampler.load(path)
    config = first.config
    variant = get_variant(config.variant)
    if not variant.directions:
        raise KganError(f"--data is for image-to-image runs; {config.variant} generates from noise and is "
                        f"scored against its own training data: drop --data")
    if dataset is None:
        if not data_spec:
            raise KganError(NEEDS_DATA)
        dataset = data.load(data_spec, config.image_size)
    reference = data_spec or dataset.name
    if dataset.b is None:
        raise KganError(f"{reference} holds one image domain; a translator is scored on two "
                        f"(paired or unpaired image-to-image data)")
    if dataset.sample_shape != tuple(first.sample_shape):
        raise KganError(f"{reference} has {'x'.join(map(str, dataset.sample_shape))} images; the run translates "
                        f"{'x'.join(map(str, first.sample_shape))}")
    net = feature_net(features or config.eval_features, inception_weights, first.sample_shape)
    rows = held_out(dataset, n, seed)
    # The first generator is usually a2b's: loaded once.
    translators = {direction: first if variant.direction_role(direction) == first.role
                   else Sampler.load(path, direction=direction) for direction in variant.directions}
    classes = getattr(net, "num_classes", None)  # None: Inception, which has no class logits
    labelled = classes is not None and rows["labels_a"] is not None and int(rows["labels_a"].max()) < classes
    notes = _notes(dataset, classes, rows, labelled, two_way="b2a" in translators)

    values, translated = {}, {}
    for direction in translators:
        source, target = DOMAINS[direction]
        out = translated[direction] = translators[direction].translate(rows[source], seed)
        if dataset.paired:
            values[f"l1_{direction}"] = pixel_l1(out, rows[target])
        out_features, out_logits = net.extract(out)
        values[f"fid_{direction}"], values[f"fid_real_{target}"] = fid_with_baseline(
            out_features, net.extract(rows[target])[0])
        labels = rows[f"labels_{source}"]
        if labelled and labels is not None:
            values[f"class_{direction}"] = class_share(out_logits, labels)
    if labelled:
        for domain in ("a", "b"):
            if rows[f"labels_{domain}"] is not None:
                values[f"class_real_{domain}"] = class_share(net.extract(rows[domain])[1], rows[f"labels_{domain}"])
    if labelled and "b2a" in translators:
        cycled = translators["b2a"].translate(translated["a2b"], seed)
        values["class_cycle_a"] = class_share(net.extract(cycled)[1], rows["labels_a"])
    return {"source": str(path), "step": first.meta.get("position", {}).get("step"), "variant": config.variant,
            "directions": list(translators), "reference": reference, "paired": bool(dataset.paired),
            "images": {"a": len(rows["a"]), "b": len(rows["b"])}, "seed": seed, **net.describe(),
            "notes": notes, "values": _ordered(values)}


def _notes(dataset, classes, rows, labelled, two_way) -> list[str]:
    """Why a metric of the module doc is missing, one line each."""
    notes = []
    if not dataset.paired:
        notes.append("no l1: the domains are unpaired, so a translation has no true counterpart")
    if classes is None:
        notes.append("no class scores: Inception features have no class predictions")
    elif rows["labels_a"] is None:
        notes.append("no class scores: the data has no labels")
    elif not labelled:
        notes.append(f"no class scores: the data's labels go past the feature network's {classes} classes")
    elif two_way and not dataset.paired:
        notes.append("no class_b2a: the labels are A's, and unpaired B images have none")
    return notes


def _ordered(values: dict) -> dict:
    """a2b's scores, then the cycle's, then b2a's: the order the module doc lists them in."""
    order = ["l1_a2b", "fid_a2b", "fid_real_b", "class_a2b", "class_real_b", "class_cycle_a", "l1_b2a", "fid_b2a",
             "fid_real_a", "class_b2a", "class_real_a"]
    return {name: values[name] for name in order if name in values}
