"""text2image's losses (GAN-CLS's three scores, GAN-INT, their ablation switches), its frozen text encoder, and
text-encoder's retrieval eval and resume, on a few captioned digits (tests/conformance.py's tiny data).

What every variant meets (one step, resume, sampling, export, option refusals) is the harness'
(tests/test_variant_conformance.py); these are what only the text variants do.
"""

from __future__ import annotations

import json
import re
from collections import Counter

import numpy as np
import pytest
from conformance import tiny_data, tiny_settings, tiny_text_encoder, write_captions_npz
from helpers import invoke, stop_continue_and_resume

from kgan.errors import KganError
from kgan.text import TEXT_INPUT, VOCABULARY
from kgan.variants import get_variant


@pytest.fixture(scope="module")
def root(tmp_path_factory):
    """Captioned digits and a text-encoder run of 2 steps on them."""
    root = tmp_path_factory.mktemp("text")
    tiny_text_encoder(root)
    return root


def config_of(root, **changes):
    from kgan.training.assembly import resolve_config

    variant = get_variant("text2image")
    return resolve_config("text2image", data=tiny_data(variant, root), steps=1,
                          **{**tiny_settings(variant, root), **changes})


@pytest.fixture(scope="module")
def built(root):
    """text2image's networks and one batch (4 images, their captions, mismatched captions)."""
    from keras import ops

    from kgan.training.assembly import prepare

    config, dataset, step = prepare(config_of(root))
    rng = np.random.default_rng(0)
    picks = step.source.draw_rows(rng, np.arange(4, dtype=np.int32)[None], dataset)
    data = step.to_device(**step.source.arrays(dataset, False))
    batch = step.source.gather(data, {name: ops.convert_to_tensor(value[0]) for name, value in picks.items()})
    return config, step, batch


def passes_of(step):
    from kgan.training.phases import Passes

    return Passes(step.networks, {}, Counter())


def bce(logits, target):
    from kgan.training.losses import binary_cross_entropy

    return float(binary_cross_entropy(logits, target))


def phase_loss(phase, views):
    from kgan.training.terms import total_loss

    return float(total_loss(phase.terms, views)[0])


def test_an_images_embedding_is_the_mean_of_its_captions(built):
    from keras import ops

    from kgan.variants.text2image import mean_embedding

    _, step, batch = built
    captions = ops.convert_to_numpy(batch["captions"])
    encoder = step.networks["text_encoder"]
    each = np.stack([ops.convert_to_numpy(encoder(captions[:, k], training=False)) for k in range(captions.shape[1])])
    mean = ops.convert_to_numpy(mean_embedding(passes_of(step), batch["captions"]))
    np.testing.assert_allclose(mean, each.mean(axis=0), atol=1e-6)
    assert captions.shape[1] == 3 and not np.allclose(each[0], each[1])  # K captions, which differ


def test_the_matching_aware_d_loss_has_three_scores(built):
    """D loss = BCE(s_r, 1) + 0.5 [BCE(s_w, 0) + BCE(s_f, 0)], s_w the real images with the wrong captions' mean
    embedding: dropping s_w, or judging the right text in its place, fails this."""
    from keras import ops

    from kgan.variants.text2image import mean_embedding, phases

    config, step, batch = built
    draws = {"z": ops.convert_to_tensor(np.random.default_rng(1).standard_normal((4, config.latent_dim)),
                                        "float32")}
    discriminator = phases(config, (28, 28, 1))[0]
    views = discriminator.forward(passes_of(step), batch, draws)
    assert set(views) == {"real", "wrong", "fake"}
    wrong = ops.convert_to_numpy(step.networks["discriminator"](
        [batch["x"], mean_embedding(passes_of(step), batch["wrong_captions"])], training=True))
    np.testing.assert_allclose(ops.convert_to_numpy(views["wrong"]), wrong, atol=1e-6)
    assert not np.allclose(ops.convert_to_numpy(views["wrong"]), ops.convert_to_numpy(views["real"]))
    expected = bce(views["real"], 1.0) + 0.5 * (bce(views["wrong"], 0.0) + bce(views["fake"], 0.0))
    assert phase_loss(discriminator, views) == pytest.approx(expected, rel=1e-6)
    assert discriminator.calls == {"generator": 1, "discriminator": 3}


def test_no_matching_is_the_plain_conditional_gan(built):
    config, step, batch = built
    from kgan.variants.text2image import phases

    discriminator = phases(config.replace(matching=False), (28, 28, 1))[0]
    views = {"real": np.array([0.3, -1.0], np.float32), "fake": np.array([0.5, 2.0], np.float32),
             "wrong": np.array([9.0, 9.0], np.float32)}  # not read
    assert phase_loss(discriminator, views) == pytest.approx(bce(views["real"], 1.0) + bce(views["fake"], 0.0),
                                                             rel=1e-6)
    assert discriminator.views == ("real", "fake") and discriminator.calls["discriminator"] == 2
    # Nor are wrong captions drawn on the host for it.
    source = get_variant("text2image").data
    assert source.for_run(config.replace(matching=False), (28, 28, 1)).picks == ("indices",)
    assert source.for_run(config, (28, 28, 1)).picks == ("indices", "wrong")


def test_interpolation_adds_a_g_term_d_never_sees(built):
    from keras import ops

    from kgan.variants.text2image import interpolated, phases

    config, step, batch = built
    rng = np.random.default_rng(2)
    draws = {name: ops.convert_to_tensor(rng.standard_normal((4, config.latent_dim)), "float32")
             for name in ("z", "z_interpolated")}
    d_phase, g_phase = phases(config, (28, 28, 1))
    assert "interpolated" not in d_phase.views and g_phase.calls == {"generator": 2, "discriminator": 2}
    views = g_phase.forward(passes_of(step), batch, draws)
    assert phase_loss(g_phase, views) == pytest.approx(bce(views["fake"], 1.0) + bce(views["interpolated"], 1.0),
                                                       rel=1e-6)
    _, plain = phases(config.replace(interpolate=False), (28, 28, 1))
    assert plain.views == ("fake",) and plain.calls == {"generator": 1, "discriminator": 1} and not plain.draws
    e = np.eye(3, dtype=np.float32)
    midpoints = ops.convert_to_numpy(interpolated(ops.convert_to_tensor(e)))
    np.testing.assert_allclose(midpoints, 0.5 * e + 0.5 * e[[2, 0, 1]])  # each with the one before it


def test_the_ablation_switches_change_the_logged_losses(root):
    from kgan.training import run_loop

    def losses(name, **changes):
        run = run_loop.train(config_of(root, **changes), root / name, progress=False)
        return run.read_metrics()[0]

    both, neither = losses("both"), losses("neither", matching=False, interpolate=False)
    assert {"d_wrong", "g_interpolated"} <= both.keys() and not {"d_wrong", "g_interpolated"} & neither.keys()
    assert both["d_loss"] != neither["d_loss"] and both["g_loss"] != neither["g_loss"]


def test_text_encoder_refusals(root, tmp_path):
    from kgan.training.assembly import build_step

    sample_shape = (28, 28, 1)
    with pytest.raises(KganError, match="text2image needs --text-encoder RUN"):
        build_step(config_of(root).replace(text_encoder=None), sample_shape)
    with pytest.raises(KganError, match="no such run directory"):
        build_step(config_of(root, text_encoder=str(tmp_path / "absent")), sample_shape)
    other = tmp_path / "dcgan-run"
    other.mkdir()
    (other / "config.json").write_text(json.dumps({"config": {"variant": "dcgan"}}))
    with pytest.raises(KganError, match="is a dcgan run, not a text-encoder run"):
        build_step(config_of(root, text_encoder=str(other)), sample_shape)


def test_the_frozen_encoder_keeps_its_runs_weights(built, root):
    from kgan.training.checkpoint import read_checkpoint

    _, step, _ = built
    trained = read_checkpoint(root / "text-encoder-run" / "checkpoint.npz").group("text_encoder")
    encoder = step.networks["text_encoder"]
    assert not encoder.trainable_variables
    assert all(np.array_equal(np.asarray(v.value), a) for v, a in zip(encoder.variables, trained))


def test_retrieval_counts_ties_against_the_caption():
    from kgan.metrics.retrieval import retrieval_ranks, retrieval_scores

    images = np.eye(3)
    assert list(retrieval_ranks(images, images, np.arange(3))) == [0, 0, 0]
    constant = np.ones((3, 2))  # every image scores the same: each caption's image ranks last
    assert list(retrieval_ranks(constant, constant, np.arange(3))) == [2, 2, 2]
    text = np.array([[1.0, 0.0], [1.0, 0.0], [0.0, 1.0]])  # captions 0 and 1 say the same
    images = np.array([[1.0, 0.0], [0.9, 0.1], [0.0, 1.0]])
    scores = retrieval_scores(text, images, np.arange(3), match=np.array([0, 0, 1]))
    assert scores == {"top1": pytest.approx(2 / 3), "top5": 1.0, "top1_match": 1.0, "top5_match": 1.0}


def test_kgan_eval_scores_a_text_encoder_by_retrieval_on_the_test_split(root, tmp_path):
    data = f"captions:{write_captions_npz(root / 'captions.npz', 32)}"
    run = root / "text-encoder-run"
    result = invoke("eval", run, "--data", data, "--json", tmp_path / "eval.json")
    assert result.exit_code == 0, result.output
    scores = json.loads((tmp_path / "eval.json").read_text())
    assert scores["images"] == 8 and scores["reference"].endswith("#test")  # the held-out rows only
    assert set(scores["values"]) == {"top1", "top5", "top1_match", "top5_match"}
    assert all(0 <= value <= 1 for value in scores["values"].values())
    refused = invoke("eval", run)
    assert refused.exit_code != 0 and "give --data captions:DIR" in refused.output


def test_a_text_encoder_run_resumes_exactly(root):
    """Its host-drawn caption picks are in the checkpoint's RNG state: stopped after step 1 and resumed, it equals
    the run continued in its process, every array."""
    from kgan.training import run_loop
    from kgan.training.assembly import resolve_config
    from kgan.training.checkpoint import read_checkpoint

    variant = get_variant("text-encoder")
    config = resolve_config("text-encoder", data=tiny_data(variant, root), steps=3, **tiny_settings(variant))
    training = run_loop.Training.start(config, root / "resumable")
    continued, resumed = stop_continue_and_resume(training, root / "resumed")
    a, b = read_checkpoint(continued.checkpoint_path), read_checkpoint(resumed.checkpoint_path)
    assert a.meta["position"]["step"] == 3 and a.arrays.keys() == b.arrays.keys()
    assert all(np.array_equal(a.arrays[key], b.arrays[key]) for key in a.arrays)


def test_each_row_trains_on_one_of_its_captions_picked_on_the_host():
    from keras import ops

    from kgan.variants.text_encoder import one_caption_each

    captions = np.arange(2 * 3 * 4, dtype=np.int32).reshape(2, 3, 4)
    picked = ops.convert_to_numpy(one_caption_each(ops.convert_to_tensor(captions),
                                                   ops.convert_to_tensor(np.array([4, 2], np.int32))))
    np.testing.assert_array_equal(picked, captions[[0, 1], [1, 2]])  # 4 mod 3, 2 mod 3


def test_sampling_a_text_encoder_is_refused_and_its_export_is_the_text_encoder(root, tmp_path):
    from kgan.sampling import Sampler

    run = root / "text-encoder-run"
    with pytest.raises(KganError, match="text-encoder has no generator to sample from"):
        Sampler.load(run)
    result = invoke("export", run, "--onnx", "-o", tmp_path / "t.onnx")
    assert result.exit_code == 0, result.output
    metadata = json.loads((tmp_path / "t.onnx.json").read_text())
    assert metadata["kind"] == "text_encoder" and metadata["inputs"] == json.dumps(
        {TEXT_INPUT: {"dtype": "int32", "shape": [64]}})


def test_a_text2image_run_needs_its_encoder_run_only_to_start(root, tmp_path):
    """The frozen encoder's architecture is recorded in the run's config and its weights in the run's checkpoint:
    with the text-encoder run gone, the run samples from a sentence and resumes."""
    import shutil

    from kgan.sampling import Sampler
    from kgan.training import run_loop

    encoder = tmp_path / "encoder"
    shutil.copytree(root / "text-encoder-run", encoder)
    config = config_of(root, text_encoder=str(encoder))
    recorded = get_variant("text-encoder").settings
    assert config.text_width == tiny_settings(get_variant("text-encoder"), root).get("width", recorded["width"].default)
    run_loop.Training.start(config, tmp_path / "run").run_loop(progress=False)
    shutil.rmtree(encoder)
    sampler = Sampler.load(tmp_path / "run")
    assert sampler.sample(2, text="a red zero at the top left").shape == (2, *sampler.sample_shape)
    assert run_loop.resume(tmp_path / "run", steps=2, progress=False).status()["step"] == 2


def test_kgan_eval_scores_a_text2image_run_by_the_attributes_its_samples_show(root, tmp_path):
    """On a set of kgan data captions: seen and held-out captions, each attribute's share, and the real images'
    (which show their captions: the measure itself is checked); other data is refused in one line. (The text
    encoder is the module's: text2image reads only its text half, which does not depend on the images' size.)"""
    made = tmp_path / "captioned"
    assert invoke("data", "captions", "--from", "mnist", "-o", made, "--count", 60).exit_code == 0
    trained = invoke("train", "text2image", "--data", f"captions:{made}", "--out", tmp_path / "text2image",
                     "--text-encoder", tiny_text_encoder(root), "--width", "4", "--batch-size", "8", "--steps", "1",
                     "--no-progress")
    assert trained.exit_code == 0, trained.output
    result = invoke("eval", tmp_path / "text2image", "--data", f"captions:{made}", "-n", 6,
                    "--json", tmp_path / "eval.json")
    assert result.exit_code == 0, result.output
    scores = json.loads((tmp_path / "eval.json").read_text())
    for group in ("seen", "held out"):
        assert scores[group]["images"] == 6 and 0 <= scores[group]["all"] <= 1
        assert {scores[f"real, {group}"][name] for name in ("colour", "background", "position", "size")} == {1.0}
    refused = invoke("eval", tmp_path / "text2image", "--data", f"captions:{write_captions_npz(tmp_path / 'c.npz', 8)}")
    assert refused.exit_code != 0 and "made by kgan data captions" in refused.output
    refused = invoke("eval", tmp_path / "text2image", "--data", f"captions:{made}", "--features", "mnist")
    assert refused.exit_code != 0 and "mnist features take 28x28x1 images and the run's are 64x64x3" in refused.output


def captioned_arrays(root):
    """The harness' captioned digits' training rows as a user holds them: uint8 images, a list of captions each."""
    with np.load(write_captions_npz(root / "captions.npz", 0)) as npz:
        train = npz["split"] == "train"
        return npz["x"][train], [[c for c in row if c] for row in npz["captions"][train].tolist()]


@pytest.fixture(scope="module")
def text2image_run(root):
    """A text2image run of one step on the harness' captioned digits, given to kgan.train as arrays."""
    import kgan

    images, captions = captioned_arrays(root)
    return kgan.train("text2image", data=images, captions=captions, out=root / "text2image-run", steps=1,
                      progress=False, **tiny_settings(get_variant("text2image"), root)).path


def test_kgan_train_takes_images_and_their_captions_as_arrays(text2image_run, root):
    import kgan

    spec = kgan.load(text2image_run).config.data
    assert spec == f"captions:{(text2image_run / 'data.npz').resolve()}"
    images, captions = captioned_arrays(root)
    for variant, settings, message in (
            ("text-encoder", {"data": images}, "learns images from their captions: give kgan.train(..., data=images"),
            ("dcgan", {"data": images, "captions": captions}, "dcgan takes no captions"),
            ("text-encoder", {"data": images, "captions": captions[:3]}, "one row per image (32), each a caption"),
            ("text-encoder", {"data": images, "captions": [7] * len(images)}, "captions of image 0 are 7"),
            ("text-encoder", {"data": spec, "captions": captions}, "captions go with array data")):
        with pytest.raises(KganError, match=re.escape(message)):
            kgan.train(variant, out=root / "refused", **settings)
        assert not (root / "refused").exists()


def test_sampling_from_sentences_on_the_command_line_in_python_and_without_keras(text2image_run, tmp_path):
    from PIL import Image

    from kgan.export.onnx_sampler import OnnxSampler
    from kgan.sampling import Sampler

    result = invoke("sample", text2image_run, "--text", "A seven", "--text", "a one", "-n", 6, "-o", tmp_path / "g.png")
    assert result.exit_code == 0, result.output
    assert Image.open(tmp_path / "g.png").size[1] > 2 * 28  # two rows of three
    for args, message in ((["-n", 2], "generates from a sentence: give one with --text"),
                          (["--text", "a seven é"], "outside the vocabulary")):
        refused = invoke("sample", text2image_run, *args, "-o", tmp_path / "x.png")
        assert refused.exit_code == 1 and message in refused.output and not (tmp_path / "x.png").exists()
    walk = invoke("viz", "interpolate", text2image_run, "--text", "a seven", "--text", "a one", "--rows", 2,
                  "--steps", 3, "-o", tmp_path / "walk.png")
    assert walk.exit_code == 0, walk.output
    # The Keras-free sampler encodes sentences with the file's vocabulary and lays them out as kgan does.
    sampler = Sampler.load(text2image_run)
    assert invoke("export", text2image_run, "--onnx", "-o", tmp_path / "g.onnx").exit_code == 0
    onnx = OnnxSampler(tmp_path / "g.onnx")
    assert onnx.takes_text and onnx.metadata["vocabulary"] == VOCABULARY
    sentences = ["a seven", "a one"]
    drawn, expected = onnx.draw(4, seed=3, text=["A Seven", "a one"]), sampler.draw(4, seed=3, text=sentences)
    assert drawn.columns == expected.columns == 2
    assert all(np.array_equal(drawn.inputs[name], expected.inputs[name]) for name in ("z", TEXT_INPUT))
    assert np.abs(onnx.run(drawn.inputs) - sampler.sample(4, seed=3, text=sentences)).max() <= 1e-5
