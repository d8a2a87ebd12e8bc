"""Improved precision and recall (Kynkaanniemi et al. 2019): k-NN manifolds in feature space.

Each real sample gets a ball reaching its k-th nearest real neighbour; precision is the share of
generated samples inside some real ball (quality), recall the share of real samples inside some
ball of the generated set (coverage). The paper uses k = 3.
"""

from __future__ import annotations

import numpy as np

from kgan.errors import KganError

CHUNK = 1000  # rows of the distance matrix held at once
NEIGHBOURS = 3  # the paper's k


def _squared_distances(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.clip((a * a).sum(1)[:, None] - 2 * a @ b.T + (b * b).sum(1)[None, :], 0, None)


def _kth_neighbour_radii(points: np.ndarray, k: int) -> np.ndarray:
    """Squared distance from each point to its k-th nearest other point (itself at distance 0 is index 0)."""
    return np.concatenate([np.partition(_squared_distances(points[i:i + CHUNK], points), k, axis=1)[:, k]
                           for i in range(0, len(points), CHUNK)])


def _share_inside(manifold: np.ndarray, radii: np.ndarray, queries: np.ndarray) -> float:
    inside = [np.any(_squared_distances(queries[i:i + CHUNK], manifold) <= radii[None, :], axis=1)
              for i in range(0, len(queries), CHUNK)]
    return float(np.concatenate(inside).mean())


def precision_recall(real: np.ndarray, fake: np.ndarray, k: int = NEIGHBOURS) -> tuple[float, float]:
    real, fake = np.asarray(real, np.float64), np.asarray(fake, np.float64)
    if min(len(real), len(fake)) <= k:  # each point needs k other points for its k-th neighbour
        raise KganError(f"precision and recall need at least {k + 1} samples per set (k = {k} neighbours), "
                        f"got {min(len(real), len(fake))}")
    precision = _share_inside(real, _kth_neighbour_radii(real, k), fake)
    recall = _share_inside(fake, _kth_neighbour_radii(fake, k), real)
    return precision, recall
