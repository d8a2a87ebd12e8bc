"""pix2pix, cyclegan and discogan: they train, update exactly the right weights in each phase, resume
exactly, and their terms, image history, jitter and schedule do what the papers say.

The data is real: MNIST digits as domain A, the same kind of digits thickened (a 3x3 max filter) as B.
"""

from __future__ import annotations

import numpy as np
import pytest
from conformance import data_kind
from helpers import as_options, assert_ok, invoke, one_line_error, write_translation_npz

from kgan.variants import get_variant, list_variants

# The registered image-to-image variants; their one step, resume, translation and ONNX export are checked
# with every variant's by the harness (tests/test_variant_conformance.py).
VARIANTS = [v.name for v in list_variants() if v.data.two_domains]  # the translators
TINY = {"width": 4, "batch_size": 4, "log_every": 1, "grid_size": 4}


@pytest.fixture(scope="module")
def unpaired(tmp_path_factory):
    return write_translation_npz(tmp_path_factory.mktemp("i2i") / "unpaired.npz", 24, paired=False)


@pytest.fixture(scope="module")
def paired(tmp_path_factory):
    return write_translation_npz(tmp_path_factory.mktemp("i2i") / "paired.npz", 24, paired=True)


def data_for(variant, paired, unpaired) -> str:
    return f"paired:{paired}" if data_kind(get_variant(variant)) == "paired" else f"unpaired:{unpaired}"


def config(variant, data, steps=2, **overrides):
    from kgan.training.assembly import resolve_config

    return resolve_config(variant, data=data, steps=steps, **{**TINY, **overrides})


@pytest.fixture(scope="module")
def runs(paired, unpaired, tmp_path_factory):
    """Each variant trained 2 steps by ``kgan train``, with its paper defaults (jitter, history, decay) on tiny nets."""
    from kgan.rundir import RunDir

    root = tmp_path_factory.mktemp("runs")
    for variant in VARIANTS:
        assert_ok(invoke("train", variant, "--data", data_for(variant, paired, unpaired), "--steps", 2,
                         *as_options(TINY), "--no-progress", "--out", root / variant))
    return {variant: RunDir.open(root / variant) for variant in VARIANTS}


@pytest.mark.parametrize("variant, expected", [
    ("pix2pix", {"d_loss", "g_loss", "l1"}),
    ("discogan", {"d_loss", "g_loss", "d_a", "d_b", "reconstruction"}),
    ("cyclegan", {"d_loss", "g_loss", "d_a", "d_b", "cycle", "identity"}),
])
def test_it_trains_and_logs_every_term(runs, variant, expected):
    run = runs[variant]
    records = run.read_metrics()
    assert [r["step"] for r in records] == [1, 2]
    assert all(np.isfinite(r[k]) for r in records for k in expected)
    assert {s["name"] for s in run.read_config()["stats"]} == expected
    grids = list(run.samples_dir.glob("*.png"))
    assert run.loss_plot_path.exists() and grids
    # The picture's rows: A, A -> B, then A -> B -> A, B, B -> A, B -> A -> B (two-way) or the true B.
    from PIL import Image

    width, height = Image.open(grids[0]).size
    assert round(4 * height / width) == (3 if variant == "pix2pix" else 6)  # 4 images a row


@pytest.mark.parametrize("variant", VARIANTS)
def test_each_phase_updates_exactly_its_roles(paired, unpaired, variant):
    import keras

    from kgan.training.assembly import prepare
    from kgan.training.step import TrainingStep
    from kgan.training.step_inputs import StepInputs

    cfg, dataset, full = prepare(config(variant, data_for(variant, paired, unpaired), jitter=False))
    rng = np.random.default_rng(0)
    for phase in full.phases:
        step = TrainingStep(full.networks, [phase], {role: keras.optimizers.Adam(1e-2) for role in phase.updates},
                            source=full.source)
        before = {role: [keras.ops.convert_to_numpy(v) for v in model.trainable_variables]
                  for role, model in full.networks.items()}
        indices = rng.permutation(len(dataset.x))[:cfg.batch_size][None].astype(np.int32)
        inputs = StepInputs(cfg, step, 10).draw(rng, {name: indices for name in step.source.picks}, 0)
        step.train_step(step.to_device(dataset.x, None, dataset.b), inputs)
        step.sync_to_variables()
        changed = {role for role, model in full.networks.items()
                   if any(not np.array_equal(old, keras.ops.convert_to_numpy(v))
                          for old, v in zip(before[role], model.trainable_variables))}
        assert changed == set(phase.updates), phase.name


def test_cyclegan_cycle_and_identity_terms_equal_hand_computed_values(unpaired, tmp_path):
    """Step 1's logged terms, recomputed with numpy from the initial networks on the same real batch."""
    import keras

    from kgan.networks import generate
    from kgan.training import run_loop
    from kgan.training.assembly import build_step

    cfg = config("cyclegan", f"unpaired:{unpaired}", steps=1, jitter=False)
    run = run_loop.train(cfg, tmp_path / "run", progress=False)
    logged = run.read_metrics()[0]
    arrays = np.load(unpaired)
    a_all, b_all = arrays["a"] / 127.5 - 1, arrays["b"] / 127.5 - 1
    shuffle = np.random.default_rng([cfg.seed, 1])  # the run loop's shuffling stream
    a = a_all[shuffle.permutation(len(a_all))[:cfg.batch_size]]
    b = b_all[shuffle.integers(0, len(b_all), (1, cfg.batch_size))[0]]
    networks = build_step(cfg, (28, 28, 1)).networks  # the same initial weights: numpy, seeded

    def g(role, images):  # no dropout or batch norm in CycleGAN's generators: inference = training mode
        return generate(networks[role], {"source": images.astype(np.float32)})

    def d(role, images):
        return keras.ops.convert_to_numpy(networks[role](images.astype(np.float32), training=True))

    fake_b, fake_a = g("g_ab", a), g("g_ba", b)
    cycle = np.abs(g("g_ba", fake_b) - a).mean() + np.abs(g("g_ab", fake_a) - b).mean()
    identity = np.abs(g("g_ab", b) - b).mean() + np.abs(g("g_ba", a) - a).mean()
    adversarial = ((d("d_b", fake_b) - 1) ** 2).mean() + ((d("d_a", fake_a) - 1) ** 2).mean()
    assert logged["cycle"] == pytest.approx(cycle, rel=1e-5)
    assert logged["identity"] == pytest.approx(identity, rel=1e-5)
    # lambda 10 on the cycle, 0.5 lambda on identity, as the paper.
    assert logged["g_loss"] == pytest.approx(adversarial + 10 * cycle + 5 * identity, rel=1e-5)


class PaperHistory:
    """The image pool of the CycleGAN authors' code, in plain Python."""

    def __init__(self, size):
        self.size, self.images = size, []

    def query(self, fakes, coins, slots):
        out = []
        for image, coin, slot in zip(fakes, coins, slots):
            if len(self.images) < self.size:
                self.images.append(image)
                out.append(image)
            elif coin < 0.5:
                out.append(self.images[slot])
                self.images[slot] = image
            else:
                out.append(image)
        return np.stack(out)


def test_the_image_history_follows_the_paper():
    from keras import ops

    from kgan.training.translation import ImageHistory

    size, batch = 5, 3
    history, reference = ImageHistory("h", size, (batch, 2, 2, 1)), PaperHistory(size)
    rng = np.random.default_rng(0)
    returned_new = 0
    for k in range(12):
        fakes = np.full((batch, 2, 2, 1), 0.0) + (k * batch + np.arange(batch))[:, None, None, None]
        draws = history.draw(rng, (batch,), k, 12)
        history.query(ops.convert_to_tensor(fakes.astype(np.float32)),
                      {name: ops.convert_to_tensor(value) for name, value in draws.items()})
        got = np.asarray(history.returned.numpy())
        expected = reference.query(list(fakes), draws["h_coin"], draws["h_slot"])
        np.testing.assert_array_equal(got, expected)
        if k == 0:
            np.testing.assert_array_equal(got, fakes)  # the first `size` images pass straight through
        returned_new += int((got == fakes).all(axis=(1, 2, 3)).sum()) if k >= 2 else 0
    np.testing.assert_array_equal(history.images.numpy(), np.stack(reference.images))
    assert int(history.count.numpy()) == size
    assert 0 < returned_new < 10 * batch  # after filling, about half are new, half stored


def test_jitter_crops_and_flips_exactly():
    from keras import ops

    from kgan.training.translation import crop, draw_crops, jitter_size

    assert [jitter_size(s) for s in (256, 128, 28, 16)] == [286, 143, 31, 18]
    images = np.random.default_rng(1).random((6, 31, 31, 2)).astype(np.float32)
    crops = draw_crops(np.random.default_rng(2), (6,), 31, 28)
    got = np.asarray(crop(ops.convert_to_tensor(images), ops.convert_to_tensor(crops["rows"]),
                          ops.convert_to_tensor(crops["cols"])))
    for image, rows, cols, out in zip(images, crops["rows"], crops["cols"], got):
        top, left, flipped = rows[0], min(cols[0], cols[-1]), cols[0] > cols[-1]
        window = image[top:top + 28, left:left + 28]
        np.testing.assert_array_equal(out, window[:, ::-1] if flipped else window)


def test_the_learning_rate_is_constant_then_falls_linearly_to_zero():
    from kgan.training.schedules import LinearDecay

    schedule = LinearDecay(2e-4, 0.5)
    schedule.total_updates = 10
    rates = [float(schedule(t)) for t in range(10)]
    # The paper's 1 - max(0, t + 1 - T0) / (T - T0 + 1), per update, with T0 = 5.
    np.testing.assert_allclose(rates, [2e-4 * (1 - max(0, t + 1 - 5) / 6) for t in range(10)], rtol=1e-6)
    assert rates[:4] == [pytest.approx(2e-4)] * 4 and rates[-1] == pytest.approx(2e-4 / 6)


def test_cyclegan_resumes_exactly_history_jitter_and_schedule_included(unpaired, tmp_path):
    import keras

    from kgan.training import run_loop
    from kgan.training.checkpoint import read_checkpoint

    class StopAfterOneStep(keras.callbacks.Callback):  # an interruption: the run's length stays 3 steps
        def on_train_batch_end(self, batch, logs=None):
            self.model.stop_training = True

    settings = config("cyclegan", f"unpaired:{unpaired}", steps=3, history=4)
    straight = run_loop.train(settings, tmp_path / "straight", progress=False)
    run_loop.Training.start(settings, tmp_path / "resumed").run_loop(progress=False, callbacks=[StopAfterOneStep()])
    resumed = run_loop.resume(tmp_path / "resumed", progress=False)
    a, b = read_checkpoint(straight.checkpoint_path).arrays, read_checkpoint(resumed.checkpoint_path).arrays
    assert any(key.startswith("d_a_history/") for key in a)
    assert a.keys() == b.keys() and [k for k in a if not np.array_equal(a[k], b[k])] == []


@pytest.mark.parametrize("args, expected", [
    (("dcgan", "--data", "unpaired:{unpaired}"), "holds two image domains"),
    (("cyclegan", "--data", "npz:{digits}"), "give --data unpaired:DIR_A,DIR_B"),
    (("pix2pix", "--data", "unpaired:{unpaired}"), "learns from image pairs"),
    (("cyclegan", "--data", "unpaired:{unpaired}", "--n-critic", "2"), "cyclegan does not read --n-critic"),
    (("dcgan", "--data", "npz:{digits}", "--cycle-weight", "1"), "(settings of cyclegan, discogan)"),
    (("cyclegan", "--data", "unpaired:{unpaired}", "--eval-every", "5"), "cyclegan does not read --eval-every"),
    (("cyclegan", "--data", "unpaired:{unpaired}", "--image-size", "30"), "multiple of 4; got 30"),
])
def test_bad_settings_are_refused_in_one_line_before_anything_is_written(unpaired, tmp_path, args, expected):
    digits = np.load(unpaired)
    np.savez(tmp_path / "digits.npz", x=digits["a"])
    args = [a.format(unpaired=unpaired, digits=tmp_path / "digits.npz") for a in args]
    one_line_error(invoke("train", *args, "--steps", "1", "--width", "4", "--batch-size", "4", "--no-progress",
                          "--out", tmp_path / "run"), expected)
    assert not (tmp_path / "run").exists()


def test_the_cli_trains_translates_and_exports_a_cyclegan(runs, unpaired, tmp_path):
    pytest.importorskip("onnxruntime")
    from PIL import Image

    from kgan.export.onnx_sampler import OnnxSampler
    from kgan.sampling import Sampler

    run = runs["cyclegan"].path  # trained by kgan train
    one_line_error(invoke("sample", run, "-n", "4", "-o", tmp_path / "noise.png"),
                   "translates images; use kgan translate")
    thick = np.load(unpaired)["b"][:2]
    for i, image in enumerate(thick):
        Image.fromarray(image[..., 0]).save(tmp_path / f"thick{i}.png")
    assert_ok(invoke("translate", run, tmp_path / "thick0.png", tmp_path / "thick1.png", "--direction", "b2a",
                     "-o", tmp_path / "thin.npy"))
    thin = np.load(tmp_path / "thin.npy")
    pixels = thick.astype(np.float32) / np.float32(127.5) - np.float32(1)  # as kgan reads the PNGs
    expected = Sampler.load(run, role="g_ba").sample(2, source=pixels)
    assert thin.shape == (2, 28, 28, 1) and np.abs(thin - expected).max() <= 1e-5
    assert_ok(invoke("export", run, "--onnx", "--direction", "b2a", "-o", tmp_path / "b2a.onnx"))
    onnx = OnnxSampler(tmp_path / "b2a.onnx")
    assert np.abs(onnx.translate(pixels) - expected).max() <= 1e-5


@pytest.mark.parametrize("side", [28, 32, 64, 128, 256])
def test_the_networks_are_sized_from_the_image(side):
    from kgan.config import TrainConfig
    from kgan.variants import get_variant
    from kgan.variants.translators import patch_layers, resnet_blocks

    assert (patch_layers(side), resnet_blocks(side)) == {28: (1, 3), 32: (1, 3), 64: (1, 6), 128: (2, 6),
                                                         256: (3, 9)}[side]
    shape = (side, side, 3)
    for variant in VARIANTS:
        config = TrainConfig(variant=variant, width=2)
        for role in get_variant(variant).roles:
            model = get_variant(variant).build(role.name, config, shape)
            if role.generates:
                assert tuple(model.output.shape[1:]) == shape, (variant, role.name)
            else:
                assert model.output.shape[-1] == 1 and all(d is None or d >= 1 for d in model.output.shape[1:])
    # The U-Net reaches 1x1 (8 levels at 256, as the paper's), padding 28 up to 32 (5 levels).
    levels = sum(layer.name.endswith("_conv") and layer.name.startswith("down")
                 for layer in get_variant("pix2pix").build("generator", TrainConfig(variant="pix2pix", width=2),
                                                           shape).layers)
    assert levels == {28: 5, 32: 5, 64: 6, 128: 7, 256: 8}[side]


def test_the_python_api_translates_both_ways(runs, unpaired):
    import kgan
    from kgan.sampling import Sampler

    thick = np.load(unpaired)["b"][:3]  # uint8, as a user's images come
    run = kgan.load(runs["cyclegan"].path)
    pixels = thick.astype(np.float32) / np.float32(127.5) - np.float32(1)  # uint8 read as kgan reads it
    expected = Sampler.load(run.path, role="g_ba").sample(3, source=pixels)
    assert np.abs(run.translate(thick, direction="b2a") - expected).max() <= 1e-6
    assert run.translate(thick).shape == thick.shape
