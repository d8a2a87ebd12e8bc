"""PacGAN packing (--pack M) and the pacgan preset: D's packed inputs, the host draws of a packed run,
training on points and images, single samples out of G, and the variants that refuse packing."""

import json

import numpy as np
import pytest
from helpers import assert_ok, invoke, one_line_error, tiny_config, write_mnist_npz
from keras import ops

from kgan.training.assembly import build_step, prepare
from kgan.training.packing import pack_samples, packed_shape
from kgan.training.run_loop import Training
from kgan.variants import get_variant

TINY_POINTS = ["--width", "8", "--latent-dim", "2", "--batch-size", "8", "--log-every", "1", "--no-progress"]


def test_a_packed_input_is_consecutive_samples_concatenated_on_the_last_axis():
    points = np.arange(12, dtype=np.float32).reshape(6, 2)
    np.testing.assert_array_equal(ops.convert_to_numpy(pack_samples(points, 3)),
                                  [[0, 1, 2, 3, 4, 5], [6, 7, 8, 9, 10, 11]])
    images = np.random.default_rng(0).random((6, 4, 4, 3), dtype=np.float32)
    packed = ops.convert_to_numpy(pack_samples(images, 2))
    assert packed.shape == (3, 4, 4, 6) == (3, *packed_shape((4, 4, 3), 2))
    np.testing.assert_array_equal(packed[1], np.concatenate([images[2], images[3]], axis=-1))
    assert pack_samples(images, 1) is images  # pack 1: nothing reshaped, so unpacked runs stay as they were


@pytest.mark.parametrize("variant, shape, judged", [("gan", (2,), (6,)), ("dcgan", (28, 28, 1), (28, 28, 3))])
def test_the_discriminator_is_built_for_packed_inputs_and_the_generator_is_not(variant, shape, judged):
    config, built = tiny_config(variant=variant, pack=3), get_variant(variant)
    assert tuple(built.build("discriminator", config, shape).inputs[0].shape[1:]) == judged
    assert tuple(built.build("generator", config, shape).output.shape[1:]) == shape


def test_a_packed_batch_reads_batch_times_pack_rows_of_the_shuffled_order(tmp_path):
    """pack 2, batch 8 reads the rows an unpacked batch of 16 reads; z per row, D's draws per input."""
    def first_inputs(name, **settings):
        config = tiny_config(variant="gan", data="ring8", width=8, steps=4, g_dropout=0.2, label_smoothing=[0.9, 0.9],
                             **settings)
        training = Training.start(config, tmp_path / name)
        training.run.unlock()
        return training.host_draws.call({"x": training.dataset.x}, training.position, 1)[1]

    packed, unpacked = first_inputs("packed", batch_size=8, pack=2), first_inputs("unpacked", batch_size=16)
    np.testing.assert_array_equal(packed["discriminator"]["indices"], unpacked["discriminator"]["indices"])
    assert packed["discriminator"]["indices"].shape == (1, 16)
    assert packed["discriminator"]["z"].shape == packed["generator"]["z"].shape == (1, 16, 8)
    assert packed["discriminator"]["real_targets"].shape == (1, 8)  # one per packed input
    noise = packed["dropout"]
    assert noise["generator"]["g_dropout0"].shape[1] == 16 and noise["discriminator"]["d_dropout0"].shape[1] == 8


def test_a_packed_gan_trains_on_points_with_penalty_noise_and_dropout(tmp_path):
    out = tmp_path / "ring"
    assert_ok(invoke("train", "gan", "--data", "ring8", "--out", out, "--steps", 2, "--pack", 2, "--n-critic", 2,
                     "--loss", "wasserstein", "--gp-weight", 10, "--instance-noise", 0.1, "--g-dropout", 0.2,
                     *TINY_POINTS))
    assert json.loads((out / "config.json").read_text())["config"]["pack"] == 2
    records = [json.loads(line) for line in (out / "metrics.jsonl").read_text().splitlines()]
    assert [r["step"] for r in records] == [1, 2] and all(np.isfinite(r["gp"]) and r["gp"] > 0 for r in records)
    from kgan.sampling import Sampler

    assert Sampler.load(out).sample(5).shape == (5, 2)  # G still makes single points


def test_a_packed_image_gan_trains_and_exports_single_images(tmp_path):
    import kgan
    from kgan.export.onnx_export import export_onnx
    from kgan.export.onnx_sampler import OnnxSampler

    images = np.random.default_rng(0).integers(0, 256, (64, 28, 28, 1), dtype=np.uint8)
    run = kgan.train("dcgan", data=images, out=tmp_path / "run", steps=2, pack=2, width=4, latent_dim=8,
                     batch_size=4, grid_size=4, progress=False)
    assert json.loads((run.path / "config.json").read_text())["config"]["pack"] == 2
    assert run.sample(3).shape == (3, 28, 28, 1)
    assert OnnxSampler(export_onnx(run.path)).sample(3).shape == (3, 28, 28, 1)


def test_the_pacgan_preset_is_the_papers_recipe_and_trains(tmp_path):
    variant = get_variant("pacgan")
    assert {k: variant.defaults[k] for k in ("pack", "latent_dim", "batch_size", "lr_g", "lr_d", "beta_1", "steps")} \
        == {"pack": 4, "latent_dim": 2, "batch_size": 100, "lr_g": 1e-4, "lr_d": 1e-4, "beta_1": 0.8, "steps": 400_000}
    step = build_step(tiny_config(variant="pacgan", width=200, latent_dim=2), (2,))
    d_layers = [type(layer).__name__ for layer in step.networks["discriminator"].layers[1:]]
    assert d_layers == ["LinearMaxout"] * 3 + ["Dense"]
    assert tuple(step.networks["discriminator"].inputs[0].shape[1:]) == (8,)
    dense = [layer for layer in step.networks["generator"].layers if type(layer).__name__ == "Dense"]
    assert [(layer.units, layer.use_bias) for layer in dense] == [(400, False)] * 4 + [(2, True)]
    out = tmp_path / "pacgan"
    assert_ok(invoke("train", "pacgan", "--out", out, "--steps", 2, "--width", 8, "--batch-size", 8,
                     "--log-every", 1, "--no-progress"))
    config = json.loads((out / "config.json").read_text())["config"]
    assert (config["data"], config["pack"], config["steps"], config["beta_1"]) == ("ring8", 4, 2, 0.8)


def test_a_given_length_replaces_the_presets_steps():
    from kgan.training.assembly import resolve_config

    assert resolve_config("pacgan").steps == 400_000
    config = resolve_config("pacgan", epochs=3)
    assert (config.epochs, config.steps) == (3, None)


@pytest.mark.parametrize("variant, named", [("cgan", "label"), ("acgan", "class_logits"), ("infogan", "code")])
def test_variants_whose_networks_see_one_sample_refuse_packing(variant, named, tmp_path):
    digits = write_mnist_npz(tmp_path / "digits.npz", 64)
    result = invoke("train", variant, "--data", f"npz:{digits}", "--pack", 2, "--dry-run", "--width", 4)
    one_line_error(result, "--pack is for unconditional GANs")
    assert named in result.stderr


def test_image_to_image_variants_refuse_packing(tmp_path):
    from helpers import write_translation_npz

    from kgan.config import TrainConfig
    from kgan.errors import KganError

    pairs = write_translation_npz(tmp_path / "pairs.npz", 8, paired=True)
    with pytest.raises(KganError, match="pix2pix does not read --pack"):
        prepare(TrainConfig(variant="pix2pix", data=f"npz:{pairs}", pack=2, batch_size=1))
