"""InfoGAN latent codes: categorical (one-hot) and continuous (uniform in [-1, 1]) parts of G's input.

Numpy only, so the Keras-free ONNX sampler lays out codes exactly as training does. A code spec is
a JSON-able list, e.g. ``[{"kind": "categorical", "size": 10}, {"kind": "uniform", "size": 1}, ...]``;
the code vector concatenates the one-hot categorical codes first, then the continuous ones.
"""

from __future__ import annotations

import numpy as np

from kgan.errors import KganError

RANDOM = "*"  # in a --code value list: draw this code at random


def code_spec(categorical: list[int], continuous: int) -> list[dict]:
    """The spec of ``categorical`` one-hot codes (their sizes) and ``continuous`` U(-1, 1) codes."""
    return ([{"kind": "categorical", "size": int(k)} for k in categorical]
            + [{"kind": "uniform", "size": 1} for _ in range(continuous)])


def code_dim(spec: list[dict]) -> int:
    return sum(code["size"] for code in spec)


def code_slices(spec: list[dict]) -> list[tuple[str, int, int]]:
    """(kind, start, stop) of each code within the code vector."""
    slices, start = [], 0
    for code in spec:
        slices.append((code["kind"], start, start + code["size"]))
        start += code["size"]
    return slices


def _encode(spec: list[dict], values: list[np.ndarray]) -> np.ndarray:
    """Code vectors from one value array per code (category indices or continuous values)."""
    parts = [np.eye(code["size"], dtype=np.float32)[value] if code["kind"] == "categorical"
             else np.asarray(value, np.float32)[..., None] for code, value in zip(spec, values)]
    return np.concatenate(parts, axis=-1)


def _draw(rng: np.random.Generator, shape, code: dict) -> np.ndarray:
    if code["kind"] == "categorical":
        return rng.integers(0, code["size"], shape)
    return rng.uniform(-1.0, 1.0, shape)


def sample_codes(rng: np.random.Generator, shape, spec: list[dict]) -> np.ndarray:
    """Random code vectors, float32 of shape (*shape, code_dim)."""
    shape = tuple(np.atleast_1d(shape))
    return _encode(spec, [_draw(rng, shape, code) for code in spec])


def parse_code_values(text: str, spec: list[dict]) -> list:
    """``"3,*,0.5"`` -> [3, None, 0.5]: a category index or a value per code, ``*`` for random."""
    items = [item.strip() for item in text.split(",")]
    if len(items) != len(spec):
        raise KganError(f"--code needs {len(spec)} comma-separated values ({describe(spec)}), got {text!r}")
    values = []
    for item, code in zip(items, spec):
        if item == RANDOM:
            values.append(None)
            continue
        try:
            value = int(item) if code["kind"] == "categorical" else float(item)
        except ValueError:
            raise KganError(f"--code value {item!r} is not a "
                            f"{'category index' if code['kind'] == 'categorical' else 'number'}") from None
        if not np.isfinite(value):
            raise KganError(f"--code value {item!r} is not a finite number")
        if code["kind"] == "categorical" and not 0 <= value < code["size"]:
            raise KganError(f"--code category {value} is outside 0..{code['size'] - 1}")
        values.append(value)
    return values


def fixed_codes(rng: np.random.Generator, n: int, spec: list[dict], values: list) -> np.ndarray:
    """``n`` code vectors: each value fixed (a scalar, or one per sample) or, where None, drawn at random."""
    return _encode(spec, [_draw(rng, (n,), code) if value is None else np.broadcast_to(value, (n,))
                          for code, value in zip(spec, values)])


def describe(spec: list[dict]) -> str:
    return ", ".join(f"categorical {code['size']}" if code["kind"] == "categorical" else "continuous"
                     for code in spec)
