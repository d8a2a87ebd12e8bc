"""A variant the engine was not written for: two generators, two discriminators, an image input and a
custom loss term, defined in this file alone, trains, resumes exactly, samples and exports.

The model is a tiny CycleGAN-shaped translator between two domains made from one data set: A is
MNIST digits, B the same digits mirrored left to right. g_ab and g_ba come from one builder (with
host-noise dropout, so their noise must stay apart); d_a and d_b from another.
"""

from __future__ import annotations

import numpy as np
import pytest
import tiny_translator
from helpers import write_mnist_npz

NAME = "two_way_test"
CYCLE_WEIGHT = 10.0


def translator(config, sample_shape):
    return tiny_translator.translator(config, sample_shape, dropout=0.2)


def phases(config, sample_shape):
    from keras import ops

    from kgan.training.phases import Phase
    from kgan.training.terms import Stat, Term

    def domains(batch):
        return batch["x"], ops.flip(batch["x"], axis=2)  # B: A mirrored

    def generators_forward(passes, batch, draws):
        a, b = domains(batch)
        fake_b, fake_a = passes("g_ab", {"source": a}), passes("g_ba", {"source": b})
        return {"a": a, "b": b,
                "rec_a": passes("g_ba", {"source": fake_b}), "rec_b": passes("g_ab", {"source": fake_a}),
                "judged_b": passes.judge("d_b", {"sample": fake_b}),
                "judged_a": passes.judge("d_a", {"sample": fake_a})}

    def discriminators_forward(passes, batch, draws):
        return tiny_translator.discriminators_forward(passes, *domains(batch))

    cycle = Term("cycle", lambda v: ops.mean(ops.abs(v["rec_a"] - v["a"])) + ops.mean(ops.abs(v["rec_b"] - v["b"])),
                 weight=CYCLE_WEIGHT, stat="cycle", stats=(Stat("cycle", "cycle L1", line="--"),))
    return [
        Phase("discriminators", updates=("d_a", "d_b"), forward=discriminators_forward,
              terms=(tiny_translator.judge_term(),),
              loss_stat=Stat("d_loss", "D loss"), calls={"g_ab": 1, "g_ba": 1, "d_a": 2, "d_b": 2}, reads_data=True),
        Phase("generators", updates=("g_ab", "g_ba"), forward=generators_forward,
              terms=(tiny_translator.fool_term(), cycle),
              loss_stat=Stat("g_loss", "G loss"), calls={"g_ab": 2, "g_ba": 2, "d_a": 1, "d_b": 1}, reads_data=True),
    ]


@pytest.fixture(scope="module", autouse=True)
def registered():
    from kgan.variants import Variant, register, unregister

    register(Variant(NAME, "two-way translator (test only)", "-", phases=phases,
                     roles=tiny_translator.roles(translator)))
    yield
    unregister(NAME)


@pytest.fixture(scope="module")
def digits(tmp_path_factory):
    return write_mnist_npz(tmp_path_factory.mktemp("data") / "digits.npz", 64)


def config(digits, steps):
    from kgan.config import TrainConfig

    return TrainConfig(variant=NAME, data=f"npz:{digits}", steps=steps, batch_size=8, width=4, grid_size=4,
                       log_every=1, ema=0.9)


@pytest.fixture(scope="module")
def straight(digits, tmp_path_factory):
    from kgan.training import run_loop

    return run_loop.train(config(digits, 2), tmp_path_factory.mktemp("straight") / "run", progress=False)


def test_it_trains_every_role_with_its_own_optimizer_and_ema(straight):
    from kgan.training.checkpoint import read_checkpoint

    checkpoint = read_checkpoint(straight.checkpoint_path)
    roles = ("g_ab", "g_ba", "d_a", "d_b")
    assert {key.split("/")[0] for key in checkpoint.arrays if "/" in key} == {
        *roles, *(f"{role}_optimizer" for role in roles), "g_ab_ema", "g_ba_ema"}
    # One builder, two roles: each network's variables live under its role's name.
    assert all(path.startswith("g_ba/") for path in checkpoint.meta["paths"]["g_ba"])
    records = straight.read_metrics()
    assert [r["step"] for r in records] == [1, 2] and all(np.isfinite(r[k]) for r in records
                                                          for k in ("d_loss", "g_loss", "cycle"))
    assert {s["name"] for s in straight.read_config()["stats"]} == {"d_loss", "g_loss", "cycle"}
    assert straight.loss_plot_path.exists() and any(straight.samples_dir.glob("*.png"))


def test_it_resumes_exactly(straight, digits, tmp_path):
    from kgan.training import run_loop
    from kgan.training.checkpoint import read_checkpoint

    first = run_loop.train(config(digits, 1), tmp_path / "run", progress=False)
    resumed = run_loop.resume(first.path, steps=2, progress=False)
    a, b = read_checkpoint(straight.checkpoint_path).arrays, read_checkpoint(resumed.checkpoint_path).arrays
    assert a.keys() == b.keys() and [k for k in a if not np.array_equal(a[k], b[k])] == []


def test_it_translates_images_with_either_generator(straight):
    from kgan.data import load
    from kgan.errors import KganError
    from kgan.sampling import Sampler

    images = load(straight.read_config()["config"]["data"]).x[:4]
    ab, ba = Sampler.load(straight.path), Sampler.load(straight.path, role="g_ba")
    translated = ab.sample(4, source=images)
    assert translated.shape == images.shape and np.isfinite(translated).all() and np.abs(translated).max() <= 1
    assert not np.allclose(translated, ba.sample(4, source=images))
    with pytest.raises(KganError, match="translates images: pass source"):
        ab.sample(4)
    with pytest.raises(KganError, match="not a generator"):
        Sampler.load(straight.path, role="d_a")


def test_its_onnx_export_takes_the_image_input(straight, tmp_path):
    pytest.importorskip("onnxruntime")
    from kgan.data import load
    from kgan.export.onnx_export import export_onnx
    from kgan.export.onnx_sampler import OnnxSampler
    from kgan.sampling import Sampler

    images = load(straight.read_config()["config"]["data"]).x[:3]
    onnx = OnnxSampler(export_onnx(straight.path))
    assert list(onnx.signature) == ["source"] and onnx.signature["source"] == ("float32", (28, 28, 1))
    expected = Sampler.load(straight.path).sample(3, source=images)
    assert np.abs(onnx.run({"source": images}) - expected).max() <= 1e-5
    # The other direction, by role, through the CLI.
    from helpers import assert_ok, invoke

    assert_ok(invoke("export", straight.path, "--onnx", "--role", "g_ba", "-o", tmp_path / "g_ba.onnx"))
    backwards = OnnxSampler(tmp_path / "g_ba.onnx").run({"source": images})
    assert np.abs(backwards - Sampler.load(straight.path, role="g_ba").sample(3, source=images)).max() <= 1e-5


def test_a_variant_whose_names_clash_is_refused_before_anything_is_built(digits):
    import dataclasses

    from kgan.config import TrainConfig
    from kgan.errors import KganError
    from kgan.training import assembly
    from kgan.variants import Variant, register, unregister

    def renamed_stat(config, sample_shape):
        d_phase, g_phase = phases(config, sample_shape)
        return [d_phase, dataclasses.replace(g_phase, loss_stat=d_phase.loss_stat)]

    def unknown_role(config, sample_shape):
        d_phase, g_phase = phases(config, sample_shape)
        return [d_phase, dataclasses.replace(g_phase, updates=("g_ab", "g_xy"))]

    roles = tiny_translator.roles(translator)
    unsaved = tuple(dataclasses.replace(role, saved=role.name != "g_ab") for role in roles)
    for name, phase_list, expected, variant_roles in (
            ("clash_test", renamed_stat, "more than one logged stat d_loss", roles),
            ("unknown_test", unknown_role, "phases name roles it lacks: g_xy", roles),
            ("unsaved_test", phases, "update g_ab, which checkpoints leave out", unsaved)):
        register(Variant(name, "-", "-", roles=variant_roles, phases=phase_list))
        try:
            with pytest.raises(KganError, match=expected):
                settings = {k: v for k, v in config(digits, 1).to_dict().items() if k != "variant"}
                assembly.build_step(TrainConfig(variant=name, **settings), (28, 28, 1))
        finally:
            unregister(name)
