"""Every random input of one training step, drawn on the host with numpy.

``TrainingStep`` consumes what ``StepInputs.draw`` returns. Drawing here, not inside the compiled
step, keeps runs identical across backends and makes a checkpoint's RNG state enough to resume
exactly. What is drawn comes from the step's phases: per phase, the real rows it reads, its
generator's latent inputs, its terms' draws and its forward's own; then per role the noise of each
``HostDropout`` layer; last the batch source's augmentation (crops and flips). The order of the draws
is part of a run's identity: changing it changes every run after the first step.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import keras
import numpy as np

from kgan.errors import KganError
from kgan.latent.codes import sample_codes
from kgan.latent.noise import sample_z
from kgan.networks import LATENT_INPUTS, is_conditional, latent_inputs
from kgan.training.phases import Passes


@dataclass
class StepInputs:
    """What a run's steps need drawn; ``draw`` makes one step's worth.

    Args:
        config: the run's TrainConfig (z's size and law, classes, codes).
        step: the ``TrainingStep`` (its phases, networks, dropout layers and batch source).
        total_steps: the run's length (instance noise anneals over it by default).
    """

    config: object
    step: object
    total_steps: int

    def draw(self, rng: np.random.Generator, picks: dict, step: int) -> dict:
        """Inputs for ``TrainingStep.train_step`` given the step's real rows, ``picks`` (the batch source's
        ``draw_rows``: ``{"indices": (batches per step, rows), ...}``).

        A batch's rows are ``pack`` times its D inputs (``kgan.training.packing``): latent inputs are
        drawn per row (one per sample G makes), what belongs to D's inputs (targets, penalty weights,
        instance noise) per input.

        Returns ``{phase name: {name: array with a leading repeat axis}, "dropout": {role: {layer: noise}}}``.
        """
        phases, shape = self.step.phases, picks["indices"].shape
        rows = shape[1]
        batch = rows // self.step.pack
        draws = {phase.name: {} for phase in phases}
        for phase in phases:
            if phase.reads_data:
                draws[phase.name].update({name: picked[:phase.repeat].astype(np.int32)
                                          for name, picked in picks.items()})
        for name in LATENT_INPUTS:  # by input first, then by phase
            for phase in phases:
                if phase.latent and name in latent_inputs(self.step.networks[phase.latent]):
                    draws[phase.name][name] = self._latent(rng, name, (phase.repeat, rows))
        for phase in phases:
            for term in phase.terms:
                if term.draws:
                    draws[phase.name].update(term.draws(rng, (phase.repeat, batch), step, self.total_steps))
        draws["dropout"] = self.step.draw_host_noise(rng, batch)
        for phase in phases:
            for draw in phase.draws:
                draws[phase.name].update(draw(rng, (phase.repeat, batch), step, self.total_steps))
        # Last, so the draws of runs without augmentation stay as they were.
        augmentation = self.step.source.draw_augmentation(rng, shape)
        for phase in phases:
            if phase.reads_data:
                draws[phase.name].update({name: value[:phase.repeat] for name, value in augmentation.items()})
        return draws

    def _latent(self, rng, name: str, shape):
        c = self.config
        if name == "z":
            return sample_z(rng, (*shape, c.latent_dim), c.z_dist)
        if name == "label":
            return rng.integers(0, c.num_classes, shape, dtype=np.int32)
        return sample_codes(rng, shape, c.latent_spec().code_spec)


def check_calls(step, config, sample_shape: tuple) -> None:
    """Each phase's forward run once on symbolic inputs (shapes only: nothing is computed, drawn from the
    run's RNGs or changed), its training-mode calls per role compared with its hand count, ``Phase.calls``,
    and its views with ``Phase.views``, so that a wrong count or view is refused, naming the phase, when
    the step is assembled.

    A forward that cannot run on symbolic tensors (one that writes variables, as CycleGAN's image history
    does) is left to the step, which checks the count at its first run.

    Args:
        step: the ``TrainingStep`` (its batch source says what the real batches hold).
        config: the run's TrainConfig (batch size, pack, the latent inputs' sizes).
        sample_shape: a real sample's shape, as the forwards see it.
    """
    rows = config.batch_size * config.pack
    # A throwaway RNG and rows: the run's own streams stay untouched.
    picks = {name: np.zeros((step.batches_per_step, rows), np.int32) for name in step.source.picks}
    draws = StepInputs(config, step, 1).draw(np.random.default_rng(0), picks, 0)
    floatx = keras.config.floatx()
    conditional = any(is_conditional(model) for model in step.networks.values())
    data = step.source.symbolic(rows, sample_shape, conditional)
    for phase in step.phases:
        symbolic = {name: keras.KerasTensor(value.shape[1:], "int32" if np.issubdtype(value.dtype, np.integer)
                                            else floatx) for name, value in draws[phase.name].items()}
        counted = Counter()
        try:
            views = phase.forward(Passes(step.networks, {}, counted),
                                  step.source.gather(data, symbolic) if phase.reads_data else {}, symbolic)
        except Exception:  # the forward needs real tensors: the step counts its calls instead
            continue
        phase.check_views(views, symbolic)
        if counted != Counter(phase.calls):
            raise KganError(f"phase {phase.name!r} declares calls={dict(phase.calls)}, but its forward calls "
                            f"{dict(counted)} in training mode per repeat")
