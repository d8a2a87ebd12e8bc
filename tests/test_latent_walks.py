"""Latent walks (kgan.latent.walks): interpolation, vector arithmetic and code traversal, in numpy alone."""

from __future__ import annotations

import numpy as np
import pytest

from kgan.errors import KganError
from kgan.latent import LatentSpec
from kgan.latent.codes import code_slices, code_spec
from kgan.latent.noise import latent_for_sampling
from kgan.latent.walks import arithmetic_strip, arithmetic_z, code_traversal_inputs, interpolate, interpolation_inputs

PLAIN = LatentSpec(latent_dim=6, z_dist="normal")
CONDITIONAL = LatentSpec(latent_dim=6, z_dist="normal", num_classes=3)
INFOGAN = LatentSpec(latent_dim=6, z_dist="uniform", code_spec=code_spec([4], 2))  # codes: cat 4, cont, cont


def _pair(d=16, seed=0):
    rng = np.random.default_rng(seed)
    return rng.standard_normal(d).astype(np.float32), rng.standard_normal(d).astype(np.float32)


def _rows(array, columns):
    return array.reshape(-1, columns, *array.shape[1:])


# ---------------------------------------------------------------- interpolate


@pytest.mark.parametrize("mode", ["linear", "slerp"])
def test_interpolation_runs_from_z0_to_z1(mode):
    z0, z1 = _pair()
    path = interpolate(z0, z1, 7, mode)
    assert path.shape == (7, 16) and path.dtype == np.float32
    np.testing.assert_array_equal(path[0], z0)
    np.testing.assert_array_equal(path[-1], z1)
    assert len({row.tobytes() for row in path}) == 7  # every step a new point


def test_linear_interpolation_is_the_straight_line():
    z0, z1 = _pair()
    np.testing.assert_allclose(interpolate(z0, z1, 3)[1], (z0 + z1) / 2, rtol=1e-6)


def test_slerp_keeps_the_norm_and_leaves_the_straight_line():
    z0, z1 = _pair()
    z1 = z1 * (np.linalg.norm(z0) / np.linalg.norm(z1))  # equal norms
    path = interpolate(z0, z1, 9, "slerp")
    np.testing.assert_allclose(np.linalg.norm(path, axis=1), np.linalg.norm(z0), rtol=1e-5)
    line = interpolate(z0, z1, 9, "linear")
    assert np.all(np.linalg.norm(line[1:-1], axis=1) < np.linalg.norm(z0) * 0.999)  # the line dips inside
    assert not np.allclose(path[1:-1], line[1:-1], atol=1e-3)


def test_slerp_turns_at_a_constant_rate():
    z0, z1 = _pair()
    z1 = z1 * (np.linalg.norm(z0) / np.linalg.norm(z1))
    path = interpolate(z0, z1, 6, "slerp").astype(np.float64)
    unit = path / np.linalg.norm(path, axis=1, keepdims=True)
    angles = np.arccos(np.clip(np.sum(unit[1:] * unit[:-1], axis=1), -1, 1))
    np.testing.assert_allclose(angles, angles[0], rtol=1e-4)


@pytest.mark.parametrize("scale", [2.0, -1.0, 0.0], ids=["parallel", "anti-parallel", "zero"])
def test_slerp_falls_back_to_linear_without_an_arc(scale):
    z0, _ = _pair()
    z1 = scale * z0
    path = interpolate(z0, z1, 5, "slerp")
    assert np.isfinite(path).all()
    np.testing.assert_allclose(path, interpolate(z0, z1, 5, "linear"), rtol=1e-6, atol=1e-6)


def test_interpolation_of_batches_walks_each_pair():
    rng = np.random.default_rng(3)
    z0, z1 = rng.standard_normal((4, 5)), rng.standard_normal((4, 5))
    for mode in ("linear", "slerp"):
        paths = interpolate(z0, z1, 6, mode)
        assert paths.shape == (4, 6, 5)
        for i in range(4):
            np.testing.assert_allclose(paths[i], interpolate(z0[i], z1[i], 6, mode), rtol=1e-6)


@pytest.mark.parametrize("args, expected", [
    (dict(steps=1), "steps >= 2"),
    (dict(mode="cubic"), "linear, slerp"),
    (dict(z1=np.zeros(3)), "one shape"),
])
def test_interpolation_refuses_bad_arguments(args, expected):
    z0, z1 = _pair()
    settings = {**dict(z0=z0, z1=z1, steps=4, mode="linear"), **args}
    with pytest.raises(KganError, match=expected):
        interpolate(**settings)


# ---------------------------------------------------------------- interpolation_inputs


def test_interpolation_grid_rows_walk_between_seeded_z():
    drawn = interpolation_inputs(PLAIN, rows=3, steps=5, seed=4, mode="slerp")
    assert drawn.columns == 5 and set(drawn.inputs) == {"z"}
    z = _rows(drawn.inputs["z"], 5)
    assert z.shape == (3, 5, 6)
    ends = latent_for_sampling(6, 6, "normal", 4)
    np.testing.assert_array_equal(z[:, 0], ends[:3])  # row i starts at sample i of `kgan sample --seed 4`
    np.testing.assert_array_equal(z[:, -1], ends[3:])
    np.testing.assert_allclose(z, interpolate(ends[:3], ends[3:], 5, "slerp"))
    again = interpolation_inputs(PLAIN, rows=3, steps=5, seed=4, mode="slerp").inputs["z"]
    np.testing.assert_array_equal(again, drawn.inputs["z"])
    assert not np.allclose(interpolation_inputs(PLAIN, 3, 5, seed=5).inputs["z"], again)


def test_interpolation_grid_labels_a_class_per_row():
    labels = _rows(interpolation_inputs(CONDITIONAL, rows=5, steps=4).inputs["label"], 4)
    assert labels.dtype == np.int32
    np.testing.assert_array_equal(labels, np.repeat([[0], [1], [2], [0], [1]], 4, axis=1))
    fixed = interpolation_inputs(CONDITIONAL, rows=5, steps=4, label=2).inputs["label"]
    assert (fixed == 2).all()


def test_interpolation_grid_holds_codes_along_each_row():
    drawn = interpolation_inputs(INFOGAN, rows=4, steps=5, seed=1)
    codes = _rows(drawn.inputs["code"], 5)
    assert codes.shape == (4, 5, 6)
    assert (codes == codes[:, :1]).all()  # fixed along a row
    assert len({row.tobytes() for row in codes[:, 0]}) == 4  # random between rows
    z = _rows(drawn.inputs["z"], 5)
    assert not np.allclose(z[:, 0], z[:, -1])  # while z moves


@pytest.mark.parametrize("spec, args, expected", [
    (PLAIN, dict(label=1), "--label is for conditional"),
    (CONDITIONAL, dict(label=3), "--label must be in 0..2"),
    (PLAIN, dict(rows=0), "rows must be >= 1"),
    (PLAIN, dict(steps=1), "steps >= 2"),
    (PLAIN, dict(mode="bezier"), "linear, slerp"),
])
def test_interpolation_grid_refuses_bad_arguments(spec, args, expected):
    with pytest.raises(KganError, match=expected):
        interpolation_inputs(spec, **{**dict(rows=2, steps=3), **args})


# ---------------------------------------------------------------- vector arithmetic


def test_arithmetic_is_mean_a_minus_mean_b_plus_mean_c():
    rng = np.random.default_rng(0)
    a, b, c = rng.standard_normal((3, 5)), rng.standard_normal((2, 5)), rng.standard_normal((4, 5))
    result = arithmetic_z([a, b, c])
    assert result.shape == (5,) and result.dtype == np.float32
    np.testing.assert_allclose(result, a.mean(0) - b.mean(0) + c.mean(0), rtol=1e-6)
    np.testing.assert_allclose(arithmetic_z([a, c, c]), a.mean(0), rtol=1e-5, atol=1e-6)  # - C + C cancels
    np.testing.assert_allclose(arithmetic_z([a, b], signs=(1, -1)), a.mean(0) - b.mean(0), rtol=1e-6)


def test_arithmetic_strip_shows_means_then_results():
    rng = np.random.default_rng(1)
    groups = [rng.standard_normal((k, 32)) for k in (3, 2, 2)]
    strip = arithmetic_strip(groups, count=200, seed=7)
    assert strip.shape == (203, 32) and strip.dtype == np.float32
    for row, group in zip(strip[:3], groups):
        np.testing.assert_allclose(row, group.mean(0), rtol=1e-6)
    result = arithmetic_z(groups)
    np.testing.assert_array_equal(strip[3], result)  # the first result has no noise
    noise = strip[4:] - result
    assert abs(noise.std() - 0.25) < 0.01 and abs(noise.mean()) < 0.01
    np.testing.assert_array_equal(strip, arithmetic_strip(groups, count=200, seed=7))
    assert not np.array_equal(strip[4:], arithmetic_strip(groups, count=200, seed=8)[4:])


@pytest.mark.parametrize("groups, expected", [
    ([np.zeros((1, 3))] * 2, "needs 3 groups"),
    ([np.zeros((1, 3)), np.zeros((0, 3)), np.zeros((1, 3))], "non-empty"),
    ([np.zeros((1, 3)), np.zeros((1, 4)), np.zeros((1, 3))], "different lengths"),
])
def test_arithmetic_refuses_bad_groups(groups, expected):
    with pytest.raises(KganError, match=expected):
        arithmetic_z(groups)


# ---------------------------------------------------------------- code traversal


def _code(drawn, index):
    _, start, stop = code_slices(INFOGAN.code_spec)[index]
    return _rows(drawn.inputs["code"][:, start:stop], drawn.columns)


def _other_codes(drawn, index):
    _, start, stop = code_slices(INFOGAN.code_spec)[index]
    return _rows(np.delete(drawn.inputs["code"], np.s_[start:stop], axis=1), drawn.columns)


def test_categorical_traversal_shows_each_category():
    drawn = code_traversal_inputs(INFOGAN, 0, steps=10, rows=3, seed=2)
    assert drawn.columns == 4  # one per category, whatever steps says
    varied = _code(drawn, 0)
    np.testing.assert_array_equal(varied.argmax(-1), np.tile(np.arange(4), (3, 1)))
    assert ((varied == 0) | (varied == 1)).all() and (varied.sum(-1) == 1).all()  # one-hot
    others = _other_codes(drawn, 0)
    assert (others == others[:, :1]).all() and not np.allclose(others[0, 0], others[1, 0])
    z = _rows(drawn.inputs["z"], 4)
    assert (z == z[:, :1]).all()
    np.testing.assert_array_equal(z[:, 0], latent_for_sampling(3, 6, "uniform", 2))


def test_continuous_traversal_spans_the_range():
    drawn = code_traversal_inputs(INFOGAN, 2, steps=5, rows=2, seed=0, value_range=(-1.5, 2.5))
    assert drawn.columns == 5 and drawn.inputs["code"].shape == (10, 6)
    np.testing.assert_allclose(_code(drawn, 2)[..., 0], np.tile(np.linspace(-1.5, 2.5, 5), (2, 1)), rtol=1e-6)
    others = _other_codes(drawn, 2)
    assert (others == others[:, :1]).all()
    assert (_rows(drawn.inputs["z"], 5) == _rows(drawn.inputs["z"], 5)[:, :1]).all()


def test_traversal_keeps_rows_as_seeded():
    """Varying another code changes only that code: z and the untouched codes are the seed's."""
    first, second = (code_traversal_inputs(INFOGAN, i, steps=4, rows=3, seed=9) for i in (1, 2))
    np.testing.assert_array_equal(_code(first, 0)[:, 0], _code(second, 0)[:, 0])
    np.testing.assert_array_equal(first.inputs["z"][::4], second.inputs["z"][::4])


@pytest.mark.parametrize("spec, index, args, expected", [
    (PLAIN, 0, {}, "InfoGAN generators"),
    (CONDITIONAL, 0, {}, "InfoGAN generators"),
    (INFOGAN, 3, {}, r"code index must be in 0..2 \(categorical 4, continuous, continuous\), got 3"),
    (INFOGAN, -1, {}, "got -1"),
    (INFOGAN, 1, dict(steps=1), "steps >= 2"),
    (INFOGAN, 1, dict(value_range=(2, -2)), "LOW < HIGH"),
    (INFOGAN, 1, dict(value_range=("a", 1)), "two numbers"),
    (INFOGAN, 0, dict(rows=0), "rows must be >= 1"),
])
def test_traversal_refuses_bad_arguments(spec, index, args, expected):
    with pytest.raises(KganError, match=expected):
        code_traversal_inputs(spec, index, **args)
