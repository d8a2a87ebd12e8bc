"""A text2image run scored on captioned data that ``kgan data captions`` made: does each sample show what its
caption says?

One sample per caption (the first caption of each scored image), for ``count`` training images ("seen": their
attribute combinations were trained on) and ``count`` test images whose colour x class pair was held out of
training ("held out": does conditioning compose?). Each sample's attributes are measured back from its pixels
(``kgan.metrics.attributes``: class by the pinned classifier of the set's source on the object's crop; colour,
background, position and size from the pixels), beside the same for the real images of those captions. With a
feature network (``features``: ``inception-fid``, the standard FID network; or ``inception_weights``), each group
also gets the FID of its samples against the real images of its captions, beside the real-vs-real FID at the same
size (``kgan.metrics.translation.fid_with_baseline``: a half of the real images is the reference).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from kgan.errors import KganError

HELD_OUT_FILE = "held_out.json"  # written by ``kgan data captions``: the set's source and its held-out pairs


def scored_rows(dataset, rows: np.ndarray) -> tuple[list[str], list[dict]]:
    """The first caption and the attributes of each of ``rows`` of a captioned ``dataset``."""
    from kgan.text import decode

    return decode(dataset.captions[rows, 0]), [dataset.attributes[i] for i in rows]


def evaluate_text_to_image(path, data_spec: str, count: int = 500, seed: int = 0, features: str | None = None,
                           inception_weights: str | None = None) -> dict:
    """Attribute accuracy of the text2image run ``path`` on ``data_spec`` (``captions:DIR`` of ``kgan data
    captions``): ``{"seen": {...}, "held out": {...}, "real, seen": {...}, "real, held out": {...}}`` of
    ``kgan.metrics.attributes``' shares, and ``fid`` in each where ``features`` or ``inception_weights`` name a
    network (``kgan.metrics.translation.feature_net``)."""
    import kgan
    from kgan import data
    from kgan.data.captions import load_test_split
    from kgan.metrics.attributes import attribute_accuracy
    from kgan.metrics.translation import feature_net, fid_with_baseline

    spec = data.absolute_spec(data_spec)
    directory = Path(spec.partition(":")[2]) if spec.startswith("captions:") else None
    if directory is None or not (directory / HELD_OUT_FILE).is_file():
        raise KganError(f"a text2image run is scored by the attributes its samples show, on a set made by kgan data "
                        f"captions (its {HELD_OUT_FILE} names the source and the held-out pairs); {data_spec} is not "
                        f"one")
    record = json.loads((directory / HELD_OUT_FILE).read_text())
    held = {(pair["class"], pair["colour"]) for pair in record["held_out"]}
    train, test = data.load(spec), load_test_split(spec)
    rng = np.random.default_rng(seed)
    unseen = np.array([i for i, wanted in enumerate(test.attributes) if (wanted["class"], wanted["colour"]) in held])
    if not len(unseen):
        raise KganError(f"{data_spec}'s test split holds no image of a held-out pair")
    picked = {"seen": (train, rng.choice(len(train.x), min(count, len(train.x)), replace=False)),
              "held out": (test, rng.choice(unseen, min(count, len(unseen)), replace=False))}
    run = kgan.load(path)
    net = feature_net(features, inception_weights, train.sample_shape) if features or inception_weights else None
    result = {"source": str(path), "reference": spec, "step": run.sampler.meta.get("position", {}).get("step"),
              **(net.describe() if net else {})}
    for name, (dataset, rows) in picked.items():
        captions, wanted = scored_rows(dataset, rows)
        samples = run.sample(len(captions), seed=seed, text=captions)
        result[name] = attribute_accuracy(samples, wanted, record["source"])
        result[f"real, {name}"] = attribute_accuracy(dataset.x[rows], wanted, record["source"])
        if net:
            result[name]["fid"], result[f"real, {name}"]["fid"] = fid_with_baseline(
                net.extract(samples)[0], net.extract(dataset.x[rows])[0])
    return result
