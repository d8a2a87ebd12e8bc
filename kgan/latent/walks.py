"""Walks through a generator's latent space: interpolations, vector arithmetic, code traversals.

Numpy only, like the rest of ``kgan.latent``: these build generator inputs (``SamplingInputs``), and any
sampler (a run's ``Sampler``, or the Keras-free ONNX one) turns them into images. Every z comes
from ``kgan.latent.noise`` and every code from ``kgan.latent.codes``, so a walk is as reproducible as a sample
grid: the same seed gives the same walk on every backend.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from kgan.errors import KganError
from kgan.latent import LatentSpec, SamplingInputs, check_label
from kgan.latent.codes import code_slices, describe, fixed_codes
from kgan.latent.noise import latent_for_sampling

MODES = ("linear", "slerp")
# Spread of the samples around an arithmetic result (a N(0, std^2) offset per coordinate), so
# one sees whether the result is a stable region of z or a lucky point. Radford et al. (DCGAN,
# fig. 7) added noise of scale +-0.25 for the same purpose.
ARITHMETIC_NOISE_STD = 0.25
# Below this |sin(angle)| two vectors count as (anti)parallel: the great circle through them is
# undefined (anti-parallel) or the slerp weights lose all precision (parallel).
_PARALLEL_EPS = 1e-6


def interpolate(z0: np.ndarray, z1: np.ndarray, steps: int, mode: str = "linear") -> np.ndarray:
    """``steps`` points from ``z0`` to ``z1`` (both included), float32.

    ``z0`` and ``z1`` are vectors (d,) or batches of them (..., d); the result is (..., steps, d).
    "slerp" (spherical linear interpolation, White 2016, "Sampling Generative Networks") turns at
    a constant angular rate and, for endpoints of equal norm, keeps that norm all the way, where
    a straight line cuts through the low-norm middle that Gaussian z almost never visits. Pairs
    that are (anti)parallel or zero have no such arc and fall back to the straight line.
    """
    if mode not in MODES:
        raise KganError(f"interpolation mode must be one of {', '.join(MODES)}, got {mode!r}")
    if not isinstance(steps, (int, np.integer)) or steps < 2:
        raise KganError(f"an interpolation needs steps >= 2 (both endpoints), got {steps}")
    z0, z1 = np.asarray(z0, np.float64), np.asarray(z1, np.float64)
    if z0.shape != z1.shape or z0.ndim == 0:
        raise KganError(f"interpolation endpoints must be vectors of one shape, got {z0.shape} and {z1.shape}")
    a, b = z0[..., None, :], z1[..., None, :]
    t = np.linspace(0.0, 1.0, steps)[:, None]
    out = (1.0 - t) * a + t * b
    if mode == "slerp":
        norms = np.linalg.norm(a, axis=-1, keepdims=True) * np.linalg.norm(b, axis=-1, keepdims=True)
        cos = np.clip(np.sum(a * b, axis=-1, keepdims=True) / np.where(norms > 0, norms, 1.0), -1.0, 1.0)
        omega = np.arccos(cos)
        sin = np.sin(omega)
        arc = (norms > 0) & (sin > _PARALLEL_EPS)
        safe = np.where(arc, sin, 1.0)
        spherical = (np.sin((1.0 - t) * omega) * a + np.sin(t * omega) * b) / safe
        out = np.where(arc, spherical, out)
    # Exact endpoints, so the first and last columns are exactly the samples of z0 and z1.
    out[..., 0, :], out[..., -1, :] = z0, z1
    return out.astype(np.float32)


def interpolation_inputs(spec: LatentSpec, rows: int, steps: int, seed: int = 0, mode: str = "linear",
                         label: int | None = None) -> SamplingInputs:
    """A grid of ``rows`` walks of ``steps`` columns, each between two random z drawn for ``seed``.

    Row i walks from z number i to z number ``rows + i`` of ``latent_for_sampling(2 * rows, ...)``,
    so row i starts at the z of sample i of ``kgan sample -n ROWS --seed SEED``. A conditional
    generator draws row i as class ``label``, or ``i % num_classes`` without one; an InfoGAN
    generator gets random codes, held fixed along each row so that only z moves.
    """
    _check_count("rows", rows)
    ends = latent_for_sampling(2 * rows, spec.latent_dim, spec.z_dist, seed)
    z = interpolate(ends[:rows], ends[rows:], steps, mode).reshape(rows * steps, spec.latent_dim)
    return SamplingInputs({"z": z, **_row_conditions(spec, rows, steps, seed, label)}, columns=steps)


def arithmetic_z(z_groups: Sequence[np.ndarray], signs: Sequence[int] = (1, -1, 1)) -> np.ndarray:
    """Vector arithmetic on z (Radford et al., DCGAN, sec. 6.3): sum of sign * mean of each group.

    With the default signs, ``[A, B, C]`` gives mean(A) - mean(B) + mean(C) ("smiling woman -
    neutral woman + neutral man"); averaging a few z per concept makes the result far more stable
    than single samples. Each group is (k, d) z vectors.
    """
    if len(z_groups) != len(signs):
        raise KganError(f"vector arithmetic needs {len(signs)} groups of z, got {len(z_groups)}")
    means = [group_mean(group) for group in z_groups]
    if len({mean.shape for mean in means}) > 1:
        raise KganError(f"the groups hold z of different lengths: {sorted({mean.shape[0] for mean in means})}")
    return np.sum([sign * mean for sign, mean in zip(signs, means)], axis=0).astype(np.float32)


def group_mean(z: np.ndarray) -> np.ndarray:
    """The mean (d,) of a group of z vectors (k, d)."""
    z = np.asarray(z, np.float64)
    if z.ndim != 2 or len(z) == 0:
        raise KganError(f"a group of z must be a non-empty (k, latent_dim) array, got shape {z.shape}")
    return z.mean(axis=0)


def arithmetic_strip(z_groups: Sequence[np.ndarray], count: int, seed: int = 0,
                     noise_std: float = ARITHMETIC_NOISE_STD) -> np.ndarray:
    """z for a strip: mean(A), mean(B), mean(C), then ``count`` results of A - B + C.

    The first result is the arithmetic z itself; the others add N(0, noise_std^2) noise drawn
    for ``seed``. Returns (3 + count, d) float32.
    """
    _check_count("count", count)
    result = arithmetic_z(z_groups)
    noise = np.random.default_rng([seed, 2]).standard_normal((count, result.shape[0])) * noise_std
    noise[0] = 0.0
    return np.concatenate([[group_mean(group) for group in z_groups], result + noise]).astype(np.float32)


def code_traversal_inputs(spec: LatentSpec, code_index: int, steps: int = 10, rows: int = 8, seed: int = 0,
                          value_range: tuple[float, float] = (-2.0, 2.0)) -> SamplingInputs:
    """InfoGAN: one code varied across the columns, everything else fixed along each row.

    Row i has z number i of ``latent_for_sampling(rows, ...)`` (that of sample i of ``kgan sample
    --seed SEED``) and its own random values of the other codes. A categorical code takes each
    of its categories in turn (one column each; ``steps`` does not apply); a continuous code
    takes ``steps`` values evenly over ``value_range``. The default (-2, 2) goes past the U(-1, 1)
    range the codes were trained on, as Chen et al. (InfoGAN, fig. 2) did to show that a code
    extrapolates smoothly.
    """
    if not spec.code_spec:
        raise KganError("code traversal is for InfoGAN generators; this generator takes no codes")
    if not isinstance(code_index, (int, np.integer)) or not 0 <= code_index < len(spec.code_spec):
        raise KganError(f"code index must be in 0..{len(spec.code_spec) - 1} ({describe(spec.code_spec)}), "
                        f"got {code_index}")
    _check_count("rows", rows)
    code = spec.code_spec[code_index]
    if code["kind"] == "categorical":
        values = np.arange(code["size"])
    else:
        if not isinstance(steps, (int, np.integer)) or steps < 2:
            raise KganError(f"a continuous code traversal needs steps >= 2, got {steps}")
        low, high = _check_range(value_range)
        values = np.linspace(low, high, steps)
    columns = len(values)
    conditions = _row_conditions(spec, rows, columns, seed, None)
    _, start, stop = code_slices(spec.code_spec)[code_index]
    # Every value is given, so fixed_codes only encodes them (one-hot or as is) and draws nothing.
    conditions["code"][:, start:stop] = fixed_codes(None, rows * columns, [code], [np.tile(values, rows)])
    z = np.repeat(latent_for_sampling(rows, spec.latent_dim, spec.z_dist, seed), columns, axis=0)
    return SamplingInputs({"z": z, **conditions}, columns=columns)


def _row_conditions(spec: LatentSpec, rows: int, columns: int, seed: int, label: int | None) -> dict:
    """The label and/or codes of each sample: one per row, repeated along the row's ``columns``."""
    check_label(spec, label)
    conditions = {}
    if spec.num_classes:
        per_row = np.full(rows, label) if label is not None else np.arange(rows) % spec.num_classes
        conditions["label"] = np.repeat(per_row, columns).astype(np.int32)
    if spec.code_spec:
        # The second stream, as kgan.latent draws codes: z for a seed stays that of unconditional z.
        rng = np.random.default_rng([seed, 1])
        per_row = fixed_codes(rng, rows, spec.code_spec, [None] * len(spec.code_spec))
        conditions["code"] = np.repeat(per_row, columns, axis=0)
    return conditions


def _check_count(name: str, value: int) -> None:
    if not isinstance(value, (int, np.integer)) or value < 1:
        raise KganError(f"{name} must be >= 1, got {value}")


def _check_range(value_range) -> tuple[float, float]:
    try:
        low, high = (float(v) for v in value_range)
    except (TypeError, ValueError):
        raise KganError(f"a value range is two numbers LOW,HIGH, got {value_range!r}") from None
    if not (np.isfinite(low) and np.isfinite(high) and low < high):
        raise KganError(f"a value range needs finite LOW < HIGH, got {low}, {high}")
    return low, high


def seed_walk_inputs(spec: LatentSpec, seeds: Sequence[int], frames: int, label: int | None = None,
                     code: str | None = None, truncation: float = 1.0) -> dict:
    """Generator inputs for a walk through the z of ``seeds`` in order (``kgan.latent.seeds``), ``frames``
    per leg, each keyframe once: slerp for Gaussian z (it keeps the norm), straight lines for uniform z
    (slerp could leave the cube). A label or codes, where the generator takes them, are those of the
    first seed, held along the walk."""
    from kgan.latent.seeds import seed_inputs

    if len(seeds) < 2:
        raise KganError(f"a walk needs at least two seeds, got {len(seeds)}")
    if not isinstance(frames, (int, np.integer)) or frames < 2:
        raise KganError(f"a walk needs --frames >= 2 per leg (both ends), got {frames}")
    keys = seed_inputs(spec, list(seeds), label, code, truncation)
    mode = "slerp" if spec.z_dist == "normal" else "linear"
    legs = [interpolate(keys["z"][i], keys["z"][i + 1], frames, mode)[:-1] for i in range(len(seeds) - 1)]
    z = np.concatenate([*legs, keys["z"][-1:]])
    return {"z": z, **{name: np.repeat(value[:1], len(z), axis=0) for name, value in keys.items() if name != "z"}}
