"""The adversarial step: what it changes, on every backend."""

import numpy as np
import pytest
from helpers import BATCH, fake_images, run_steps, tiny_config, values

from kgan.training.assembly import build_step


@pytest.fixture(scope="module")
def stepped():
    """A tiny DCGAN before and after one adversarial step."""
    training_step = build_step(tiny_config(), (28, 28, 1))
    before = {name: values(vs) for name, vs in training_step.state_groups().items()}
    stats = run_steps(training_step, training_step.to_device(fake_images()), 1)[0]
    return training_step, before, stats


def changed(training_step, before, group, kind):
    variables = training_step.state_groups()[group]
    return {v.path: not np.array_equal(b, a) for v, b, a in zip(variables, before[group], values(variables))
            if kind in v.path}


@pytest.mark.parametrize("group", ["generator", "discriminator"])
def test_a_step_changes_every_weight_of_both_players(stepped, group):
    training_step, before, _ = stepped
    players = {"generator": training_step.generator, "discriminator": training_step.networks["discriminator"]}
    trainable = {v.path for v in players[group].trainable_variables}
    moved = changed(training_step, before, group, "")
    assert trainable and all(moved[path] for path in trainable)


@pytest.mark.parametrize("group", ["generator", "discriminator"])
def test_a_step_updates_batch_norm_statistics(stepped, group):
    training_step, before, _ = stepped
    statistics = {**changed(training_step, before, group, "moving_mean"),
                  **changed(training_step, before, group, "moving_var")}
    assert statistics and all(statistics.values())


def test_a_step_reports_losses_and_discriminator_outputs(stepped):
    _, _, stats = stepped
    assert set(stats) == {"d_loss", "g_loss", "d_real", "d_fake"}
    assert all(np.isfinite(v) for v in stats.values())
    assert 0 < stats["d_real"] < 1 and 0 < stats["d_fake"] < 1


def test_n_critic_discriminator_updates_per_generator_update():
    training_step = build_step(tiny_config(n_critic=3), (28, 28, 1))
    run_steps(training_step, training_step.to_device(fake_images()), 2, n_critic=3)
    assert int(values([training_step.optimizers["discriminator"].iterations])[0]) == 6
    assert int(values([training_step.optimizers["generator"].iterations])[0]) == 2


def test_same_seed_and_inputs_give_bit_identical_weights():
    results = []
    for _ in range(2):
        training_step = build_step(tiny_config(seed=3), (28, 28, 1))
        run_steps(training_step, training_step.to_device(fake_images()), 2)
        results.append(values(training_step.state_variables()))
    assert all(np.array_equal(a, b) for a, b in zip(*results))


def test_mlp_gan_with_host_dropout_trains_on_points():
    training_step = build_step(tiny_config(variant="gan", width=8), (2,))
    # Three dropout layers in D, each called on the real and fake batch and in the G update.
    assert training_step.host_noise_shapes(BATCH) == {
        "generator": {}, "discriminator": {f"d_dropout{i}": (3, BATCH, units) for i, units in enumerate((32, 16, 8))}}
    points = np.random.default_rng(0).standard_normal((64, 2)).astype(np.float32)
    before = values(training_step.generator.trainable_variables)
    run_steps(training_step, training_step.to_device(points), 2)
    assert all(not np.array_equal(b, a) for b, a in zip(before, values(training_step.generator.trainable_variables)))


def test_weights_stay_readable_between_steps_after_a_sync():
    # JAX donates the step's state buffers; variables synced from them must not be freed.
    training_step = build_step(tiny_config(), (28, 28, 1))
    data = training_step.to_device(fake_images())
    run_steps(training_step, data, 1)
    run_steps(training_step, data, 1)
    assert all(np.isfinite(w).all() for w in values(training_step.generator.variables))


def _with_nested(inner_layers, inputs, name):
    """A network of one nested sub-model holding ``inner_layers`` (a user's network may nest models)."""
    import keras

    x = keras.Input(inputs.shape[1:], name=f"{name}_inner_in")
    h = x
    for layer in inner_layers:
        h = layer(h)
    return keras.Model(inputs, keras.layers.Dense(1)(keras.Model(x, h, name=f"{name}_body")(inputs)), name=name)


def test_the_gradient_penalty_refuses_batch_norm_inside_a_nested_model():
    import keras

    from kgan.errors import KganError
    from kgan.training.terms import penalty

    critic = _with_nested([keras.layers.Dense(4), keras.layers.BatchNormalization()], keras.Input((2,), name="sample"),
                          "critic")
    with pytest.raises(KganError, match="batch norm"):
        penalty(10.0).check({"discriminator": critic})


def test_host_dropout_inside_a_nested_model_takes_host_noise():
    import keras

    from kgan.layers import HostDropout
    from kgan.training.adversarial import adversarial_phases
    from kgan.training.step import TrainingStep

    config = tiny_config(variant="gan")
    z = keras.Input((config.latent_dim,), name="z")
    generator = keras.Model(z, keras.layers.Dense(2)(keras.layers.Dense(4)(z)), name="generator")
    critic = _with_nested([keras.layers.Dense(4), HostDropout(0.5, name="nested_dropout")],
                          keras.Input((2,), name="sample"), "discriminator")
    training_step = TrainingStep({"generator": generator, "discriminator": critic}, adversarial_phases(config, (2,)),
                                 {role: keras.optimizers.Adam(1e-3) for role in ("generator", "discriminator")})
    # Called on the real and fake batch in D's phase, on the fakes in G's.
    assert training_step.host_noise_shapes(BATCH) == {"generator": {},
                                                      "discriminator": {"nested_dropout": (3, BATCH, 4)}}
    points = np.random.default_rng(0).standard_normal((64, 2)).astype(np.float32)
    # The noise fed is the noise used: host_noise refuses feeds of other call counts.
    assert all(np.isfinite(list(stats.values())).all()
               for stats in run_steps(training_step, training_step.to_device(points), 1, config=config))


def test_images_per_sec_counts_every_real_batch_a_step_reads(tmp_path):
    import time

    from kgan.training.run_loop import Training

    training = Training.start(tiny_config(variant="gan", data="ring8", n_critic=3, steps=2), tmp_path / "run")
    try:
        seconds = 100.0  # long enough that the time _log itself takes does not show
        record = training._log([{"d_loss": 0.0, "g_loss": 0.0}] * 2, time.perf_counter() - seconds)
    finally:
        training.run.unlock()
    # Two steps, each of three D updates on a batch of its own.
    assert record["images_per_sec"] == pytest.approx(2 * 3 * BATCH / seconds, rel=1e-3)


def test_the_run_length_reaches_the_learning_rate_schedules_the_step_was_given():
    import keras

    from kgan.training.schedules import LinearDecay
    from kgan.training.step import TrainingStep

    built = build_step(tiny_config(variant="gan", n_critic=3), (2,))
    schedules = {role: LinearDecay(1e-3, 0.5) for role in ("generator", "discriminator")}
    training_step = TrainingStep(built.networks, built.phases,
                                 {role: keras.optimizers.Adam(schedule) for role, schedule in schedules.items()},
                                 schedules=schedules)
    training_step.set_run_length(10)
    # In updates of each role: D updates n_critic times per step.
    assert {role: schedule.total_updates for role, schedule in schedules.items()} == {"generator": 10,
                                                                                      "discriminator": 30}


@pytest.mark.parametrize("repeat", [0, -1])
def test_a_phase_that_never_runs_is_refused_when_made(repeat):
    from kgan.errors import KganError
    from kgan.training.phases import Phase
    from kgan.training.terms import Stat

    with pytest.raises(KganError, match="phase 'critic' repeats"):
        Phase("critic", updates=("discriminator",), forward=dict, terms=(), loss_stat=Stat("d_loss", "D loss"),
              repeat=repeat)


def test_the_training_package_says_what_each_of_its_modules_is():
    from pathlib import Path

    import kgan.training

    modules = sorted(path.stem for path in Path(kgan.training.__file__).parent.glob("*.py") if path.stem != "__init__")
    assert [name for name in modules if f"``{name}``" not in kgan.training.__doc__] == []


def test_terms_and_phases_draw_on_the_host_with_one_signature():
    import dataclasses

    from kgan.training.step_inputs import StepInputs
    from kgan.training.terms import Term

    config = tiny_config(variant="gan", n_critic=2)
    training_step = build_step(config, (2,))

    def when(name):
        def draw(rng, shape, step, total_steps):
            return {name: np.full(shape, step / total_steps, np.float32)}
        return draw

    d_phase, g_phase = training_step.phases
    training_step.phases = [dataclasses.replace(d_phase, terms=d_phase.terms + (Term("t", len, draws=when("term")),)),
                            dataclasses.replace(g_phase, draws=(when("forward"), when("forward_too")))]
    rows = {"indices": np.zeros((2, BATCH), np.int32)}
    draws = StepInputs(config, training_step, 10).draw(np.random.default_rng(0), rows, 4)
    assert draws["discriminator"]["term"].shape == (2, BATCH) and (draws["discriminator"]["term"] == 0.4).all()
    assert (draws["generator"]["forward"] == 0.4).all() and (draws["generator"]["forward_too"] == 0.4).all()


def test_a_phase_whose_hand_counted_calls_are_wrong_is_refused_when_the_step_is_built():
    import dataclasses

    from kgan.errors import KganError
    from kgan.training.adversarial import adversarial_phases
    from kgan.variants import Variant, get_variant, register, unregister

    def miscounted(config, sample_shape):
        d_phase, g_phase = adversarial_phases(config, sample_shape)
        return [d_phase, dataclasses.replace(g_phase, calls={"generator": 1, "discriminator": 2})]

    gan = get_variant("gan")
    register(Variant("miscounted_test", "-", "-", roles=gan.roles, phases=miscounted, options=gan.options))
    try:
        with pytest.raises(KganError, match=r"phase 'generator' declares calls=\{'generator': 1, 'discriminator': 2\}"):
            build_step(tiny_config(variant="miscounted_test"), (2,))
    finally:
        unregister("miscounted_test")


def test_a_miscounted_phase_the_assembly_cannot_check_is_refused_at_the_first_step():
    import dataclasses

    import keras

    from kgan.errors import KganError
    from kgan.training.step import TrainingStep

    built = build_step(tiny_config(variant="gan"), (2,))
    d_phase, g_phase = built.phases
    # As a forward that writes variables (CycleGAN's history) cannot be checked on symbolic inputs.
    miscounted = dataclasses.replace(g_phase, calls={"generator": 1, "discriminator": 2})
    training_step = TrainingStep(built.networks, [d_phase, miscounted],
                                 {role: keras.optimizers.Adam(1e-3) for role in ("generator", "discriminator")})
    points = np.random.default_rng(0).standard_normal((64, 2)).astype(np.float32)
    with pytest.raises(KganError, match="phase 'generator' declares calls="):
        run_steps(training_step, training_step.to_device(points), 1, config=tiny_config(variant="gan"))


def test_a_phase_whose_forward_breaks_its_declared_views_is_refused_when_the_step_is_built():
    import dataclasses

    from kgan.errors import KganError
    from kgan.training.adversarial import adversarial_phases
    from kgan.variants import Variant, get_variant, register, unregister

    def misdeclared(config, sample_shape):
        d_phase, g_phase = adversarial_phases(config, sample_shape)
        return [d_phase, dataclasses.replace(g_phase, views=("fake", "fake_logits"))]

    gan = get_variant("gan")
    register(Variant("misdeclared_test", "-", "-", roles=gan.roles, phases=misdeclared, options=gan.options))
    try:
        with pytest.raises(KganError, match=r"phase 'generator'.s forward returns views \['fake', 'fake_out'\]; "
                                            r"it declares \['fake', 'fake_logits'\]"):
            build_step(tiny_config(variant="misdeclared_test"), (2,))
    finally:
        unregister("misdeclared_test")
