"""The conformance harness: every registered variant, built tiny, meets the contract on the active backend.

Each variant of ``kgan.variants.list_variants()`` (but ``custom``, which trains the user's own networks:
tests/test_api.py) trains two steps of width-4 networks on a few rows of its kind of data, and then:

- its first step updates exactly the roles its phases update, each as many times as their repeats,
  and logs its declared statistics, finite;
- a run stopped after step 1 and resumed in a new Training equals the same run continued in its process
  (one build fewer than a separate straight run: the continuation never reads the checkpoint, so a state
  the checkpoint loses or restores wrong still shows), every array of the checkpoint;
- it samples, or translates, from its checkpoint;
- its generator exports to ONNX and matches Keras to 1e-5 (a generator of points is refused);
- a setting it does not read, one of the wrong kind and an unknown one are refused, and its config records
  exactly the settings it declares.

The same variants agree across the three backends (3 fp64 steps through ``kgan repro``) in
tests/test_cross_backend.py, which needs them all in one environment (``tox -e repro``). A new variant
gets all of this by registering (tests/conformance.py: the variants, their tiny data and settings).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
from conformance import VARIANTS, tiny_data, tiny_settings
from helpers import stop_continue_and_resume, values

from kgan.errors import KganError
from kgan.text import TEXT_INPUT, decode
from kgan.variants import get_variant

TOLERANCE = 1e-5


def tiny_config(variant, data, root):
    from kgan.training.assembly import resolve_config

    return resolve_config(variant.name, data=data, steps=2, grid_size=4, log_every=1,
                          **tiny_settings(variant, root))


@dataclass
class Runs:
    variant: object
    stopped: object  # the run_loop.Training stopped after step 1 and continued in-process to 2 (config, data, step)
    initial: dict  # its state before step 1, by checkpoint group
    step1: Path  # its checkpoint after step 1
    continued: object  # RunDir of its 2 steps, continued in-process after the stop
    resumed: object  # RunDir of a copy of it at the stop, resumed by a new Training to 2 steps


@pytest.fixture(scope="module", params=VARIANTS)
def runs(request, tmp_path_factory):
    """A variant trained 1 step and stopped (its checkpoint and initial state kept); then continued in-process to
    step 2, and a copy of its run directory at the stop resumed to step 2 by a new Training."""
    from kgan.training import run_loop

    variant = get_variant(request.param)
    root = tmp_path_factory.mktemp(variant.name)
    config = tiny_config(variant, tiny_data(variant, root), root)
    stopped = run_loop.Training.start(config, root / "run")
    initial = {group: values(variables) for group, variables in stopped.step.state_groups().items()}
    continued, resumed = stop_continue_and_resume(stopped, root / "resumed", step1=root / "step1.npz")
    return Runs(variant, stopped, initial, root / "step1.npz", continued, resumed)


def test_the_first_step_updates_exactly_the_roles_its_phases_update(runs):
    """Every trainable weight of a role a phase updates moves, and no other; its optimizer counts the phases'
    repeats (WGAN's n_critic); state outside the weights (batch-norm statistics, spectral norm's vectors)
    moves wherever a network has it."""
    from kgan.training.checkpoint import read_checkpoint

    stopped, initial, step1 = runs.stopped, runs.initial, read_checkpoint(runs.step1)
    config = stopped.config
    phases = runs.variant.phases(config, stopped.dataset.sample_shape)
    # E[f(x)] - E[f(G(z))] does not depend on the critic's output bias: its gradient is exactly 0. The hinge
    # loss's bias gradient is 0 too while every score is inside the margin, as at initialisation.
    constant = {"discriminator/d_logits/bias"} if config.loss in ("wasserstein", "hinge") else set()
    for role, model in stopped.step.networks.items():
        repeats = sum(phase.repeat for phase in phases if role in phase.updates)
        paths = [v.path for v in model.variables]
        moved = {path for path, old, new in zip(paths, initial[role], step1.group(role))
                 if not np.array_equal(old, new)}
        trainable = {v.path for v in model.trainable_variables}
        assert trainable - moved == (constant & trainable if repeats else trainable), role
        # Keras' seed generators stay put: kgan draws every dropout mask on the host.
        state = {path for path in set(paths) - trainable if not path.endswith("seed_generator_state")}
        # A role no phase updates is frozen (text2image's text encoder): nothing of it moves.
        assert state <= moved if repeats else moved == set(), role
        if repeats:
            optimizer = dict(zip(step1.meta["paths"][f"{role}_optimizer"], step1.group(f"{role}_optimizer")))
            assert [int(v) for k, v in optimizer.items() if k.endswith("/iteration")] == [repeats], role


def test_the_run_logs_its_declared_statistics_every_step(runs):
    continued = runs.continued
    records = continued.read_metrics()
    declared = {stat["name"] for stat in continued.read_config()["stats"]}
    assert [record["step"] for record in records] == [1, 2]
    assert all(declared <= record.keys() and all(np.isfinite(record[name]) for name in declared)
               for record in records)


def test_a_run_stopped_and_resumed_equals_it_continued_in_process_every_array(runs):
    from kgan.training.checkpoint import read_checkpoint

    a, b = read_checkpoint(runs.continued.checkpoint_path), read_checkpoint(runs.resumed.checkpoint_path)
    assert a.meta["position"] == b.meta["position"] and a.arrays.keys() == b.arrays.keys()
    assert [key for key in a.arrays if not np.array_equal(a.arrays[key], b.arrays[key])] == []


def conditions(variant, dataset, count=3) -> dict:
    """What a conditioned generator samples from (``Variant.conditions``): text2image's sentences, the first caption
    of each of the first ``count`` images."""
    return {"text": decode(dataset.captions[:count, 0])} if variant.conditions else {}


def sampling_inputs(sampler, dataset, count=3):
    """The generator's inputs for ``count`` samples: drawn noise, labels or codes, the inputs of its conditions,
    and real images by input name."""
    given = conditions(get_variant(sampler.config.variant), dataset, count)
    images = dataset.x[:count].astype(np.float32)
    return {**sampler.draw(count, seed=1, **given).inputs, **{name: images for name in sampler.image_inputs}}


def test_it_samples_or_translates_from_its_checkpoint(runs):
    from kgan.sampling import Sampler

    if runs.variant.sampled_role is None:  # an encoder (text-encoder): nothing to sample, said in one line
        with pytest.raises(KganError, match=f"{runs.variant.name} has no generator"):
            Sampler.load(runs.continued.path)
        return
    sampler = Sampler.load(runs.continued.path)
    given = conditions(runs.variant, runs.stopped.dataset)
    if given:
        out = sampler.sample(3, seed=0, **given)
    elif sampler.image_inputs:
        images = runs.stopped.dataset.x[:3]
        out = sampler.translate(images)
    else:
        out = sampler.sample(3, seed=0)
    # At least 3: a conditional generator samples whole rows, one sample of each class or category per row; a
    # generator of any image size (super-resolution) makes images a whole number of times larger.
    if sampler.image_inputs and sampler.source_shape[:2] == (None, None):
        scale = out.shape[1] // images.shape[1]
        assert out.shape == (3, images.shape[1] * scale, images.shape[2] * scale, sampler.sample_shape[-1])
    else:
        assert out.shape[1:] == sampler.sample_shape and len(out) >= 3
    assert np.isfinite(out).all()
    assert np.abs(out).max() <= 1 or len(sampler.sample_shape) == 1  # images are in [-1, 1], points unbounded


def test_its_generator_exports_to_onnx_matching_keras(runs, tmp_path):
    from kgan.export.onnx_export import export_onnx
    from kgan.export.onnx_sampler import OnnxSampler
    from kgan.sampling import Sampler

    if runs.variant.sampled_role is None:  # an encoder's export is its text encoder: ids -> embedding
        return check_text_encoder_export(runs, tmp_path)
    sampler = Sampler.load(runs.continued.path)
    if len(sampler.sample_shape) != 3:
        with pytest.raises(KganError, match="image generators"):
            export_onnx(runs.continued.path, tmp_path / "g.onnx")
        return
    inputs = sampling_inputs(sampler, runs.stopped.dataset)
    onnx = OnnxSampler(export_onnx(runs.continued.path, tmp_path / "g.onnx"))
    assert np.abs(onnx.run(inputs) - sampler.generate_from(inputs)).max() <= TOLERANCE


def check_text_encoder_export(runs, tmp_path):
    import onnxruntime

    from kgan.export.onnx_export import export_onnx
    from kgan.networks import generate

    path = export_onnx(runs.continued.path, tmp_path / "text.onnx")
    ids = runs.stopped.dataset.captions[:3, 0]
    onnx = onnxruntime.InferenceSession(str(path)).run(["embedding"], {TEXT_INPUT: ids})[0]
    keras_model = runs.stopped.step.networks["text_encoder"]  # the continued run's weights: it trained on to the end
    assert np.abs(onnx - generate(keras_model, {TEXT_INPUT: ids})).max() <= TOLERANCE


@pytest.mark.parametrize("name", VARIANTS)
def test_settings_it_does_not_read_or_of_the_wrong_kind_are_refused(name):
    """No training: a setting declared by another variant, one it reads given a value of the wrong kind, and an
    unknown one, each refused in one line naming the variant or the setting; its own declarations hold."""
    from kgan.options import COMMON_OPTIONS
    from kgan.training.assembly import resolve_config
    from kgan.variants import declared_options

    variant = get_variant(name)
    settings = variant.settings
    other = next(option for option in declared_options().values() if option.name not in settings)
    with pytest.raises(KganError, match=f"{name} does not read {other.cli_flag}"):
        resolve_config(name, **{other.name: other.default if other.default is not None else "x"})
    own = next((option for option in variant.options if option.kind in ("int", "float")), COMMON_OPTIONS[4])
    with pytest.raises(KganError, match=f"{own.name} must be"):
        resolve_config(name, **{own.name: "7"})
    with pytest.raises(KganError, match="unknown setting no_such_setting"):
        resolve_config(name, no_such_setting=1)
    assert resolve_config(name).to_dict().keys() == {"variant", *settings}
