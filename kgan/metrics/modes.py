"""Mode-collapse metrics for the toy sets ring8 and grid25 (VEEGAN, Srivastava et al. 2017; PacGAN, Lin et al. 2018).

- a sample is high quality when it lies within 3 standard deviations of its nearest mode;
- a mode is covered when at least one high-quality sample is nearest to it;
- reverse KL: every sample is assigned to its nearest mode, and KL(that histogram || uniform)
  is taken (PacGAN's "reverse KL"; 0 for a perfectly balanced generator, log K for total collapse).
"""

from __future__ import annotations

import numpy as np

from kgan.data import toy_modes


def mode_metrics(points: np.ndarray, modes: np.ndarray, std: float) -> dict:
    points = np.asarray(points, np.float64)[:, :2]
    distances = np.sqrt(((points[:, None, :] - modes[None, :, :]) ** 2).sum(-1))
    nearest = distances.argmin(axis=1)
    high_quality = distances[np.arange(len(points)), nearest] <= 3 * std
    histogram = np.bincount(nearest, minlength=len(modes)) / len(points)
    nonzero = histogram[histogram > 0]
    return {
        "modes_covered": int(len(np.unique(nearest[high_quality]))),
        "modes_total": len(modes),
        "high_quality": float(high_quality.mean()),
        "mode_kl": float(np.sum(nonzero * np.log(nonzero * len(modes)))),
    }


def toy_mode_metrics(points: np.ndarray, data_name: str) -> dict:
    modes, std = toy_modes(data_name)
    return mode_metrics(points, modes, std)
