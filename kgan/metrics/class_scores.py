"""Scores from a classifier's predictions on generated samples.

- classifier score: the Inception Score formula (Salimans et al. 2016), exp E_x KL(p(y|x) || p(y)),
  with a pinned classifier in place of Inception: 1 for one class, up to the number of classes for
  confident and balanced samples.
- class coverage: which classes the samples are classified as, and how far that histogram is
  from uniform.
"""

from __future__ import annotations

import numpy as np

from kgan.errors import KganError

# A class counts as produced when it gets at least this share of its fair 1/K part of the samples:
# a handful of stray misclassifications should not make a collapsed generator "cover" a class.
COVERAGE_THRESHOLD = 0.1
SCORE_SPLITS = 10  # the Inception Score's usual 10 parts


def softmax(logits: np.ndarray) -> np.ndarray:
    shifted = np.exp(logits - logits.max(axis=1, keepdims=True))
    return shifted / shifted.sum(axis=1, keepdims=True)


def classifier_score(probabilities: np.ndarray, splits: int = SCORE_SPLITS) -> tuple[float, float]:
    """Mean and std over ``splits`` equal parts, as the Inception Score is usually reported."""
    if len(probabilities) < splits:  # an empty part would score nan
        raise KganError(f"the classifier score needs at least {splits} samples (one per part), "
                        f"got {len(probabilities)}")
    scores = []
    for part in np.array_split(np.asarray(probabilities, np.float64), splits):
        marginal = part.mean(axis=0, keepdims=True)
        kl = np.sum(part * (np.log(np.clip(part, 1e-12, None)) - np.log(np.clip(marginal, 1e-12, None))), axis=1)
        scores.append(np.exp(kl.mean()))
    return float(np.mean(scores)), float(np.std(scores))


def class_coverage(predicted: np.ndarray, num_classes: int) -> dict:
    """{"classes_covered": share of classes produced, "class_kl": KL(histogram || uniform) in nats}."""
    histogram = np.bincount(predicted, minlength=num_classes) / len(predicted)
    covered = np.mean(histogram >= COVERAGE_THRESHOLD / num_classes)
    nonzero = histogram[histogram > 0]
    return {"classes_covered": float(covered), "class_kl": float(np.sum(nonzero * np.log(nonzero * num_classes)))}
