"""Generation by seed and the truncation trick: numpy only, so a run and its ONNX file agree.

Each seed's inputs are drawn alone, from that seed's own streams (z from ``default_rng(seed)``, codes
from ``default_rng([seed, 1])``, as ``kgan sample --seed`` draws its first sample), so seed 42 gives the
same image whatever other seeds are asked for. Truncation pulls z toward its mean (0, for both
N(0, 1) and U(-1, 1)): ``z' = psi * z``, trading variety for typical samples (Brock et al. 2019,
Karras et al. 2019; kgan's generators have no mapping network, so it acts on z itself).
"""

from __future__ import annotations

import numpy as np

from kgan.errors import KganError
from kgan.latent.codes import fixed_codes, parse_code_values
from kgan.latent.noise import latent_for_sampling

MAX_SEEDS = 10_000  # a seed list past this is a typo (0-99999), not a picture


def parse_seeds(text: str) -> list[int]:
    """``"0-3,7"`` -> [0, 1, 2, 3, 7]: seeds and inclusive ranges, in the order given."""
    seeds = []
    for item in str(text).split(","):
        item = item.strip()
        low, dash, high = item.partition("-")
        if not low.isdigit() or (dash and not high.isdigit()):
            raise KganError(f"--seeds takes non-negative integers and ranges like 0-99, separated by commas; "
                            f"got {item!r}")
        low, high = int(low), int(high) if dash else int(low)
        if high < low:
            raise KganError(f"--seeds range {item} runs backwards; write {high}-{low}")
        if len(seeds) + high - low + 1 > MAX_SEEDS:
            raise KganError(f"--seeds {text} asks for more than {MAX_SEEDS:,} seeds")
        seeds.extend(range(low, high + 1))
    return seeds


def parse_truncations(text: str) -> list[float]:
    """``"1,0.7,0.5"`` -> [1.0, 0.7, 0.5], each checked by ``check_truncation``."""
    try:
        values = [float(item) for item in str(text).split(",") if item.strip()]
    except ValueError:
        raise KganError(f"--truncation-sweep takes numbers separated by commas, got {text!r}") from None
    if not values:
        raise KganError("--truncation-sweep needs at least one value")
    return [check_truncation(value) for value in values]


def check_truncation(psi: float) -> float:
    if isinstance(psi, bool) or not isinstance(psi, (int, float)) or not 0 <= psi <= 1:
        raise KganError(f"truncation psi must be a number in [0, 1] (1: none, 0: the mean z), got {psi!r}")
    return float(psi)


def truncate(z: np.ndarray, psi: float = 1.0) -> np.ndarray:
    """z pulled toward the mean of its distribution (0) by ``psi``: 1 leaves it, 0 gives the mean."""
    psi = check_truncation(psi)
    return z if psi == 1 else (z * np.float32(psi)).astype(np.float32)


def seed_inputs(spec, seeds: list[int], label: int | None = None, code: str | None = None,
                truncation: float = 1.0) -> dict:
    """Generator inputs for one sample per seed of ``seeds``, each drawn alone (see the module's docstring).

    Args:
        spec: the generator's ``LatentSpec``.
        seeds: non-negative integers (``parse_seeds``).
        label: the class of every sample; required for a conditional generator.
        code: InfoGAN codes as for ``kgan sample --code`` ("3,*,0.5"); None: every code drawn per seed.
        truncation: psi of ``truncate``.
    """
    from kgan.latent.spec import check_label

    if not seeds:
        raise KganError("give at least one seed")
    check_label(spec, label)
    if spec.num_classes and label is None:
        raise KganError(f"this generator is conditional ({spec.num_classes} classes): give --label with --seeds")
    if code is not None and not spec.code_spec:
        raise KganError("--code is for InfoGAN generators; this generator takes no codes")
    z = np.concatenate([latent_for_sampling(1, spec.latent_dim, spec.z_dist, seed) for seed in seeds])
    inputs = {"z": truncate(z, truncation)}
    if spec.num_classes:
        inputs["label"] = np.full(len(seeds), label, np.int32)
    if spec.code_spec:
        values = parse_code_values(code, spec.code_spec) if code is not None else [None] * len(spec.code_spec)
        inputs["code"] = np.concatenate([fixed_codes(np.random.default_rng([seed, 1]), 1, spec.code_spec, values)
                                         for seed in seeds])
    return inputs
