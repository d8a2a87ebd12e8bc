"""Caption-to-image retrieval: how well a text encoder finds a caption's image among held-out images.

Each held-out caption ranks every held-out image by the cosine similarity of their embeddings (the encoders'
outputs have unit norm, so a dot product); ``top1``/``top5`` is the share of captions whose own image ranks
first / among the first five. A tie counts against the caption (its image ranks below every image scoring the
same or more), so a constant encoder scores no better than chance.

Captions are often shared: in generated captioned data, images of one attribute combination have the same
captions (the data's ``match`` key), and no encoder can tell those images apart from their text. So the
scores are given twice: for the caption's own image (``top1``, ``top5``), and for any image with the caption's
``match`` key (``top1_match``, ``top5_match``), what a caption can say.

    kgan eval RUN --data captions:DIR     # RUN: a text-encoder run; the test split of DIR is scored
"""

from __future__ import annotations

import numpy as np

from kgan.errors import KganError

TOP = (1, 5)
ENCODERS = ("text_encoder", "image_encoder")  # the roles a run must have to be scored by retrieval


def retrieval_ranks(text_embeddings: np.ndarray, image_embeddings: np.ndarray, image_of: np.ndarray,
                    same=None) -> np.ndarray:
    """The 0-based rank of each caption's image among all images, by similarity to the caption.

    Args:
        text_embeddings: (C, D) captions' embeddings; image_embeddings: (N, D) images'.
        image_of: (C,) the index of each caption's image.
        same: (C, N) bool, or None: the images that count as the caption's own (default: only ``image_of``);
            the rank is then that of the best-scoring one of them.

    Returns:
        (C,) int: how many images that do not count as the caption's own score at least as high as the best
        one that does (ties count against it).
    """
    scores = np.asarray(text_embeddings, np.float64) @ np.asarray(image_embeddings, np.float64).T
    if same is None:
        same = np.zeros(scores.shape, bool)
        same[np.arange(len(image_of)), image_of] = True
    best = np.where(same, scores, -np.inf).max(axis=1, keepdims=True)
    return np.sum((scores >= best) & ~same, axis=1)


def best_images(text_embeddings: np.ndarray, image_embeddings: np.ndarray, k: int) -> np.ndarray:
    """(C, k): the indices of the ``k`` images most similar to each caption, best first (ties: the lower index)."""
    scores = np.asarray(text_embeddings, np.float64) @ np.asarray(image_embeddings, np.float64).T
    return np.argsort(-scores, axis=1, kind="stable")[:, :k]


def top_k(ranks: np.ndarray, k: int) -> float:
    """The share of ranks below ``k``."""
    return float(np.mean(np.asarray(ranks) < k))


def retrieval_scores(text_embeddings: np.ndarray, image_embeddings: np.ndarray, image_of: np.ndarray,
                     match: np.ndarray | None = None) -> dict:
    """``top1``, ``top5`` (the caption's own image) and, given each image's ``match`` key, ``top1_match``,
    ``top5_match`` (any image of the caption's key)."""
    ranks = retrieval_ranks(text_embeddings, image_embeddings, image_of)
    values = {f"top{k}": top_k(ranks, k) for k in TOP}
    if match is not None:
        match = np.asarray(match)
        same = match[image_of][:, None] == match[None, :]
        values.update({f"top{k}_match": top_k(retrieval_ranks(text_embeddings, image_embeddings, image_of, same), k)
                       for k in TOP})
    return values


def unique_captions(captions: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(the distinct captions of each image, (C, L); the image of each, (C,)): an image with fewer captions than
    the data's K repeats its own (``kgan.data.captions``), and a repeat is scored once."""
    ids, image_of = [], []
    for image, rows in enumerate(captions):
        _, first = np.unique(rows, axis=0, return_index=True)
        ids.append(rows[np.sort(first)])
        image_of += [image] * len(first)
    return np.concatenate(ids), np.asarray(image_of)


def is_retrieval_run(variant) -> bool:
    """Whether runs of ``variant`` are scored by retrieval: it has the two encoders and no generator."""
    names = {role.name for role in variant.roles}
    return set(ENCODERS) <= names and variant.sampled_role is None


def evaluate_retrieval(path, data_spec: str) -> dict:
    """The text-encoder run in ``path`` scored on the test split of the captioned data ``data_spec``: every distinct
    held-out caption retrieves among the held-out images (``retrieval_scores``)."""
    from kgan import data
    from kgan.config import TrainConfig
    from kgan.data.captions import load_test_split
    from kgan.networks import generate
    from kgan.precision import weights_dtype_compute
    from kgan.sampling import read_run_checkpoint
    from kgan.text import TEXT_INPUT
    from kgan.training.checkpoint import restore
    from kgan.variants import get_variant

    checkpoint = read_run_checkpoint(path)
    config = TrainConfig.from_dict(checkpoint.meta["config"])
    variant = get_variant(config.variant)
    if not is_retrieval_run(variant):
        raise KganError(f"{path} is a {config.variant} run; retrieval scores text-encoder runs")
    spec = data.absolute_spec(data_spec)
    if not spec.startswith("captions:"):
        raise KganError(f"a text-encoder run is scored on held-out captioned data: give --data captions:DIR "
                        f"(or captions:FILE.npz), not {data_spec}")
    held_out = load_test_split(spec, config.image_size)
    sample_shape = tuple(checkpoint.meta["data"]["sample_shape"])
    if held_out.sample_shape != sample_shape:
        raise KganError(f"{data_spec}'s test images are {held_out.sample_shape}; the run was trained on "
                        f"{sample_shape}")
    if len(held_out.x) < 2:
        raise KganError(f"{data_spec}'s test split holds {len(held_out.x)} image; retrieval needs 2 at least")
    encoders = {}
    with weights_dtype_compute():
        for role in ENCODERS:
            encoders[role] = variant.build(role, config, sample_shape)
            restore({role: encoders[role].variables}, checkpoint)
    captions, image_of = unique_captions(held_out.captions)
    text = generate(encoders["text_encoder"], {TEXT_INPUT: captions})
    images = generate(encoders["image_encoder"], {"sample": held_out.x})
    return {"source": str(path), "step": checkpoint.meta.get("position", {}).get("step"), "reference": held_out.name,
            "images": len(held_out.x), "captions": len(captions),
            "values": retrieval_scores(text, images, image_of, held_out.match)}
