"""Mode-collapse metrics for the toy sets ring8 and grid25 (VEEGAN, Srivastava et al. 2017; PacGAN, Lin et al. 2018).

Each sample is assigned to its nearest mode. Then:

- ``high_quality``: the share of samples within 3 standard deviations of their nearest mode;
- ``modes_covered``: the modes nearest to at least one high-quality sample (of ``modes_total``);
- ``pacgan_reverse_kl``: PacGAN's "reverse KL" (its Table 1): KL(p || uniform) = log K - H(p), where p is
  the histogram of the **high-quality** samples over the K modes. This is what PacGAN's released code
  logs (``MetricLogger``: the entropy of its coverage histogram, which counts high-quality samples only).
  0 when the good samples are spread evenly; log K when they all sit on one mode, and also, by
  convention here, when no sample is of high quality (the histogram is then empty);
- ``nearest_mode_kl``: kgan's own, KL(q || uniform) where q is the histogram of **all** samples over
  their nearest modes, however far away: it measures balance whether or not samples reach the modes,
  so a blob centred among them scores near 0 with no high-quality sample at all. (Earlier kgan called it
  ``mode_kl``.)
"""

from __future__ import annotations

import numpy as np

from kgan.data import toy_modes


def kl_to_uniform(counts: np.ndarray) -> float:
    """KL(counts / sum || uniform over len(counts)) = sum p log(p K); log K for no counts at all."""
    total, k = counts.sum(), len(counts)
    if total == 0:
        return float(np.log(k))
    p = counts[counts > 0] / total
    return float(np.sum(p * np.log(p * k)))


def mode_metrics(points: np.ndarray, modes: np.ndarray, std: float) -> dict:
    """The metrics above for ``points`` (N, 2) and mode centres ``modes`` (K, 2) of per-axis std ``std``."""
    points = np.asarray(points, np.float64)[:, :2]
    distances = np.sqrt(((points[:, None, :] - modes[None, :, :]) ** 2).sum(-1))
    nearest = distances.argmin(axis=1)
    high_quality = distances[np.arange(len(points)), nearest] <= 3 * std
    good_counts = np.bincount(nearest[high_quality], minlength=len(modes))
    return {
        "modes_covered": int(np.count_nonzero(good_counts)),
        "modes_total": len(modes),
        "high_quality": float(high_quality.mean()),
        "pacgan_reverse_kl": kl_to_uniform(good_counts),
        "nearest_mode_kl": kl_to_uniform(np.bincount(nearest, minlength=len(modes))),
    }


def toy_mode_metrics(points: np.ndarray, data_name: str) -> dict:
    modes, std = toy_modes(data_name)
    return mode_metrics(points, modes, std)
