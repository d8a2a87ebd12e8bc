"""The variant family (cgan, acgan, infogan, wgan, wgan_gp, lsgan, sngan) and the training tricks."""

import numpy as np
import pytest
from helpers import BATCH, fake_images, requires_mnist, run_steps, tiny_config, values
from keras import ops

from kgan.errors import KganError
from kgan.training.adversarial import discriminator_targets, instance_noise_std
from kgan.training.assembly import build_step
from kgan.training.terms import gradient_penalty
from kgan.variants import get_variant

SHAPE = (28, 28, 1)
# What a step logs beyond d_loss, g_loss, d_real and d_fake. Which weights a step moves and how many
# updates it makes are checked for every variant by the harness (tests/test_variant_conformance.py).
EXTRA_TERMS = {"acgan": {"d_class_loss", "g_class_loss"}, "infogan": {"info_loss"}, "wgan_gp": {"gp"}}
# These, with one discriminator of each normalisation: batch (acgan, infogan), layer (wgan_gp), spectral (sngan).
STEPPED = [*EXTRA_TERMS, "sngan"]


def family_config(name, **overrides):
    classes = {"num_classes": 10} if get_variant(name).needs_labels else {}
    return tiny_config(variant=name, **{**classes, **overrides})


def labelled_data(training_step, config):
    labels = np.random.default_rng(2).integers(0, 10, 64) if config.num_classes else None
    return training_step.to_device(fake_images(), labels)


@pytest.fixture(scope="module", params=STEPPED)
def stepped(request):
    """Variants of the family before and after one adversarial step."""
    config = family_config(request.param)
    training_step = build_step(config, SHAPE)
    before = {name: values(vs) for name, vs in training_step.state_groups().items()}
    data = labelled_data(training_step, config)
    stats = run_steps(training_step, data, 1, n_critic=config.n_critic, config=config)[0]
    return config, training_step, before, stats


def test_discriminator_state_outside_the_weights_is_its_normalisation(stepped):
    # Non-trainable state is batch-norm statistics (moving) or spectral-norm vectors (moving);
    # layer norm has none.
    config, training_step, before, _ = stepped
    model = training_step.networks["discriminator"]
    old = dict(zip([v.path for v in model.variables], before["discriminator"]))
    for variable, value in zip(model.non_trainable_variables, values(model.non_trainable_variables)):
        assert not np.array_equal(old[variable.path], value), variable.path
    kinds = {"batch": "moving", "spectral": "/u", "layer": None}[config.d_norm or "batch"]
    assert all(kinds and kinds in v.path for v in model.non_trainable_variables)


def test_each_variant_logs_its_extra_terms(stepped):
    config, _, _, stats = stepped
    assert set(stats) == {"d_loss", "g_loss", "d_real", "d_fake"} | EXTRA_TERMS.get(config.variant, set())
    assert all(np.isfinite(v) for v in stats.values())


@pytest.mark.parametrize("name, outputs", [
    ("cgan", {"logits": (3, 1)}),
    ("acgan", {"logits": (3, 1), "class_logits": (3, 10)}),
    ("infogan", {"logits": (3, 1), "code": (3, 12)}),
])
def test_conditional_inputs_and_outputs_have_the_right_shapes(name, outputs):
    from kgan.networks import call_by_name

    config = family_config(name)
    variant = get_variant(name)
    generator, discriminator = variant.build("generator", config, SHAPE), variant.build("discriminator", config, SHAPE)
    inputs = {name: ops.convert_to_tensor(value) for name, value in
              {"z": np.zeros((3, 8), "float32"), "label": np.array([0, 4, 9], "int32"),
               "code": np.zeros((3, 12), "float32")}.items()}
    images = call_by_name(generator, inputs, training=False)
    assert tuple(images.shape) == (3, *SHAPE)
    out = call_by_name(discriminator, {"sample": images, "label": inputs["label"]}, training=False)
    out = out if isinstance(out, dict) else {"logits": out}
    assert {k: tuple(v.shape) for k, v in out.items()} == outputs


@pytest.mark.parametrize("nets, layers", [
    ("paper", {"g_fc", "g_project", "d_fc", "q_dense"}),  # G's two FC layers; D's FC layer, which Q shares
    ("dcgan", {"g_project", "q_dense"}),
])
def test_infogan_builds_the_paper_networks_by_default_and_kgan_0_1_0s_on_request(nets, layers):
    from kgan.networks import call_by_name

    config = family_config("infogan", **({} if nets == "paper" else {"infogan_nets": "dcgan"}))
    assert config.infogan_nets == nets
    variant = get_variant("infogan")
    generator, discriminator = variant.build("generator", config, SHAPE), variant.build("discriminator", config, SHAPE)
    names = {layer.name for layer in generator.layers + discriminator.layers}
    assert layers <= names and (nets == "paper") == ("d_fc" in names)
    code = np.eye(12, dtype="float32")[[0, 5, 9]]
    images = call_by_name(generator, {"z": np.zeros((3, 8), "float32"), "code": code}, training=False)
    assert tuple(images.shape) == (3, *SHAPE)
    # Only the code differs between the three samples: it reaches G's output.
    assert not np.allclose(ops.convert_to_numpy(images[0]), ops.convert_to_numpy(images[1]))
    out = call_by_name(discriminator, {"sample": images}, training=False)
    assert {k: tuple(v.shape) for k, v in out.items()} == {"logits": (3, 1), "code": (3, 12)}


def test_an_infogan_run_recorded_before_the_option_rebuilds_the_dcgan_bodies():
    from kgan.config import TrainConfig

    recorded = family_config("infogan", infogan_nets="dcgan").to_dict()
    del recorded["infogan_nets"]  # config.json of a run made before --infogan-nets existed
    assert TrainConfig.from_dict(recorded).infogan_nets == "dcgan"


def test_cgan_generator_output_depends_on_the_label():
    config = family_config("cgan")
    generator = get_variant("cgan").build("generator", config, SHAPE)
    z = np.zeros((2, 8), "float32")
    images = ops.convert_to_numpy(generator([z, np.array([1, 7], "int32")], training=False))
    assert not np.allclose(images[0], images[1])


def test_projection_discriminator_builds_and_trains():
    config = family_config("cgan", conditioning="projection")
    training_step = build_step(config, SHAPE)
    assert any(layer.name == "d_projection" for layer in training_step.networks["discriminator"].layers)
    assert np.isfinite(run_steps(training_step, labelled_data(training_step, config), 1, config=config)[0]["d_loss"])


def test_gradient_penalty_of_a_linear_critic_is_its_weight_norm_minus_one_squared():
    # f(x) = w . x has gradient w everywhere: GP = (||w|| - 1)^2 whatever the interpolates.
    w = np.array([0.3, -1.2, 2.0, 0.5], np.float32)
    rng = np.random.default_rng(0)
    real, fake = rng.standard_normal((6, 4)).astype("float32"), rng.standard_normal((6, 4)).astype("float32")
    critic = lambda x: ops.matmul(x, ops.convert_to_tensor(w[:, None]))  # noqa: E731
    got = float(ops.convert_to_numpy(gradient_penalty(critic, ops.convert_to_tensor(real), ops.convert_to_tensor(fake),
                                                      ops.convert_to_tensor(rng.random(6).astype("float32")))))
    assert got == pytest.approx((np.linalg.norm(w) - 1) ** 2, rel=1e-5)


def test_gradient_penalty_is_taken_at_the_interpolates():
    # f(x) = sum(x^2) has gradient 2x: the norm at alpha*real + (1-alpha)*fake is known exactly.
    rng = np.random.default_rng(1)
    real, fake, alpha = (rng.standard_normal((5, 2, 3)).astype("float32"),
                         rng.standard_normal((5, 2, 3)).astype("float32"),
                         rng.random(5).astype("float32"))
    x_hat = alpha[:, None, None] * real + (1 - alpha[:, None, None]) * fake
    expected = np.mean((2 * np.linalg.norm(x_hat.reshape(5, -1), axis=1) - 1) ** 2)
    critic = lambda x: ops.sum(ops.square(x), axis=(1, 2))  # noqa: E731
    got = gradient_penalty(critic, *(ops.convert_to_tensor(a) for a in (real, fake, alpha)))
    assert float(ops.convert_to_numpy(got)) == pytest.approx(expected, rel=1e-5)


def test_weight_clipping_keeps_every_critic_weight_within_c():
    config = family_config("wgan", lr_d=0.05)  # a large step, so the clip has something to do
    training_step = build_step(config, SHAPE)
    run_steps(training_step, labelled_data(training_step, config), 2, n_critic=config.n_critic, config=config)
    weights = np.concatenate([w.ravel() for w in values(training_step.networks["discriminator"].trainable_variables)])
    assert np.abs(weights).max() <= 0.01 + 1e-7
    assert np.isclose(np.abs(weights), 0.01).mean() > 0.1  # many sit on the bound: the clip acted


@requires_mnist
@pytest.mark.parametrize("nets, width, fall", [
    ("dcgan", 4, 0.5),
    # The paper's nets (N(0, 0.02) weights, batch norm in Q's hidden layer) start slower this small:
    # 2.34 -> 1.73 in 240 steps at width 16 under TensorFlow (2.49 -> 2.15 at width 8).
    ("paper", 16, 0.8),
])
def test_infogan_information_loss_falls_on_real_digits(mnist256_npz, tmp_path, nets, width, fall):
    from kgan.training import run_loop

    config = tiny_config(variant="infogan", data=f"npz:{mnist256_npz}", image_size=14, steps=240, log_every=40,
                         categorical_codes=[10], continuous_codes=2, infogan_nets=nets, width=width)
    run = run_loop.train(config, tmp_path / "run", progress=False)
    info = [record["info_loss"] for record in run.read_metrics()]
    # The categorical part starts at log(10) = 2.3 (Q guesses); G and Q learn to agree on the codes.
    assert info[0] > 1.5 and info[-1] < fall * info[0], info


def test_ema_weights_are_the_moving_average_of_the_generator():
    config = tiny_config(ema=0.75)
    training_step = build_step(config, SHAPE)
    start = values(training_step.generator.trainable_variables)
    assert all(np.array_equal(a, b) for a, b in zip(start, values(training_step.ema["generator"].trainable_variables)))
    run_steps(training_step, labelled_data(training_step, config), 1, config=config)
    after = values(training_step.generator.trainable_variables)
    for s, a, e in zip(start, after, values(training_step.ema["generator"].trainable_variables)):
        np.testing.assert_allclose(e, 0.75 * s + 0.25 * a, atol=1e-6)
    assert training_step.sampling_generator is training_step.ema["generator"]


def test_label_smoothing_sets_real_targets_only():
    rng = np.random.default_rng(0)
    real, fake = discriminator_targets(rng, (1000,), (0.9, 0.9), 0.0)
    assert (real == np.float32(0.9)).all() and (fake == 0).all()
    real, _ = discriminator_targets(rng, (1000,), (0.7, 1.2), 0.0)
    assert 0.7 <= real.min() < 0.75 and 1.15 < real.max() <= 1.2


def test_noisy_labels_swap_the_given_fraction_of_targets():
    real, fake = discriminator_targets(np.random.default_rng(0), (100_000,), None, 0.2)
    assert np.mean(real == 0) == pytest.approx(0.2, abs=0.01) and set(np.unique(real)) == {0.0, 1.0}
    assert np.mean(fake == 1) == pytest.approx(0.2, abs=0.01) and set(np.unique(fake)) == {0.0, 1.0}


def test_instance_noise_anneals_linearly_to_zero():
    assert [instance_noise_std(0.2, step, 10) for step in (0, 5, 10, 15)] == pytest.approx([0.2, 0.1, 0.0, 0.0])


def test_instance_noise_and_targets_reach_the_step():
    from kgan.training.step_inputs import StepInputs

    config = tiny_config(instance_noise=0.3, label_smoothing=[0.9, 0.9], n_critic=2)
    training_step = build_step(config, SHAPE)
    rows = {"indices": np.zeros((2, BATCH), int)}
    inputs = StepInputs(config, training_step, 4).draw(np.random.default_rng(0), rows, 1)
    d, g = inputs["discriminator"], inputs["generator"]
    assert d["noise_std"] == pytest.approx([0.225, 0.225]) and g["noise_std"] == pytest.approx([0.225])
    assert d["noise_real"].shape == (2, BATCH, *SHAPE) and g["noise_fake"].shape == (1, BATCH, *SHAPE)
    assert (d["real_targets"] == np.float32(0.9)).all()
    # With the noise scaled to zero, the step is the step without noise: it is added, nothing else.
    quiet = {**inputs, "discriminator": {**d, "noise_std": 0 * d["noise_std"]},
             "generator": {**g, "noise_std": 0 * g["noise_std"]}}
    plain = {**inputs, "discriminator": {k: v for k, v in d.items() if not k.startswith("noise")},
             "generator": {k: v for k, v in g.items() if not k.startswith("noise")}}
    data = training_step.to_device(fake_images())
    losses = []
    for step_inputs in (quiet, plain, inputs):
        training_step = build_step(config, SHAPE)
        losses.append(float(training_step.train_step(data, step_inputs)["d_loss"]))
    assert losses[0] == pytest.approx(losses[1], rel=1e-6) and losses[2] != pytest.approx(losses[1], rel=1e-3)


def test_g_dropout_adds_host_dropout_to_the_generator():
    training_step = build_step(tiny_config(g_dropout=0.5), SHAPE)
    shapes = training_step.host_noise_shapes(BATCH)["generator"]
    assert {name for name in shapes if name.startswith("g_dropout")} == {"g_dropout0", "g_dropout1", "g_dropout2"}
    assert shapes["g_dropout0"][0] == 2  # G runs once for the D update, once for its own


def test_rmsprop_is_selectable():
    assert type(build_step(family_config("wgan"), SHAPE).optimizers["discriminator"]).__name__ == "RMSprop"


@pytest.mark.parametrize("overrides, message", [
    (dict(variant="wgan", label_smoothing=[0.9, 0.9]), "has none"),
    (dict(variant="dcgan", gp_weight=10.0), "batch norm"),
    (dict(variant="dcgan", class_weight=1.0), "class head"),
    (dict(variant="dcgan", info_weight=1.0), "Q head"),
    (dict(variant="dcgan", continuous_codes=2), "codes are for infogan"),
    (dict(variant="dcgan", infogan_nets="paper"), r"dcgan does not read --infogan-nets \(settings of infogan\)"),
    (dict(variant="infogan", categorical_codes=[], continuous_codes=0, info_weight=0.0), "needs latent codes"),
    (dict(variant="cgan"), "needs class labels"),
])
def test_settings_a_network_cannot_honour_are_refused(overrides, message):
    with pytest.raises(KganError, match=message):
        build_step(tiny_config(**overrides), SHAPE)


def test_sampling_and_export_read_the_ema_weights(tmp_path, mnist_npz):
    from kgan.sampling import Sampler
    from kgan.training import run_loop
    from kgan.training.checkpoint import read_checkpoint

    run = run_loop.train(tiny_config(data=f"npz:{mnist_npz}", steps=2, ema=0.5), tmp_path / "run", progress=False)
    checkpoint = read_checkpoint(run.checkpoint_path)
    loaded = values(Sampler.load(run.path).generator.variables)
    assert all(np.array_equal(a, b) for a, b in zip(loaded, checkpoint.group("generator_ema")))
    assert not all(np.array_equal(a, b) for a, b in zip(loaded, checkpoint.group("generator")))


def test_networks_with_inputs_kgan_cannot_feed_are_refused(monkeypatch):
    import keras

    from kgan.training import assembly
    from kgan.training.adversarial import two_player
    from kgan.variants import Variant, dcgan

    def generator_of_noise(config, shape):
        noise = keras.Input((config.latent_dim,), name="noise")
        return dcgan.generator_from(config, shape, noise, noise)

    custom = Variant("custom", "", "", roles=two_player(generator_of_noise, dcgan.build_discriminator))
    monkeypatch.setattr(assembly, "get_variant", lambda name: custom)
    with pytest.raises(KganError, match=r"takes inputs \['noise'\]; kgan feeds z, label, code"):
        build_step(tiny_config(), SHAPE)
