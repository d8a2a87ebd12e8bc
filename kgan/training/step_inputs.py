"""Every random input of one training step, drawn on the host with numpy.

``TrainingStep`` consumes what ``StepInputs.draw`` returns. Drawing here, not inside the compiled
step, keeps runs identical across backends and makes a checkpoint's RNG state enough to resume
exactly. What is drawn comes from the step's phases: per phase, the real rows it reads, its
generator's latent inputs, its terms' draws and its forward's own; then per role the noise of each
``HostDropout`` layer. The order of the draws is part of a run's identity: changing it changes every
run after the first step.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from kgan.latent.codes import sample_codes
from kgan.latent.noise import sample_z
from kgan.networks import LATENT_INPUTS, latent_inputs
from kgan.training.translation import draw_crops


@dataclass
class StepInputs:
    """What a run's steps need drawn; ``draw`` makes one step's worth.

    Args:
        config: the run's TrainConfig (z's size and law, classes, codes).
        step: the ``TrainingStep`` (its phases, networks and dropout layers).
        total_steps: the run's length (instance noise anneals over it by default).
        crops: (load size, size): image-to-image jitter, a random ``size`` crop (and flip) of images
            stored at ``load size``; None: no jitter.
        paired: the two domains of image-to-image data are paired, so B is cropped as A is.
    """

    config: object
    step: object
    total_steps: int
    crops: tuple | None = None
    paired: bool = True

    def draw(self, rng: np.random.Generator, indices: np.ndarray, step: int, indices_b: np.ndarray | None = None
             ) -> dict:
        """Inputs for ``TrainingStep.train_step`` given the real rows ``indices`` (batches per step, rows),
        and ``indices_b`` of an unpaired second domain.

        A batch's rows are ``pack`` times its D inputs (``kgan.training.packing``): latent inputs are
        drawn per row (one per sample G makes), what belongs to D's inputs (targets, penalty weights,
        instance noise) per input.

        Returns ``{phase name: {name: array with a leading repeat axis}, "dropout": {role: {layer: noise}}}``.
        """
        phases, rows = self.step.phases, indices.shape[1]
        batch = rows // self.step.pack
        draws = {phase.name: {} for phase in phases}
        picks = {"indices": indices} if indices_b is None else {"indices": indices, "indices_b": indices_b}
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
        if self.crops:  # last, so the draws of runs without jitter stay as they were
            crops = self._crops(rng, indices.shape)
            for phase in phases:
                if phase.reads_data:
                    draws[phase.name].update({name: value[:phase.repeat] for name, value in crops.items()})
        return draws

    def _crops(self, rng, shape) -> dict:
        crops = draw_crops(rng, shape, *self.crops)
        if not self.paired:  # each domain's images are cropped and flipped on their own
            crops.update({f"{name}_b": value for name, value in draw_crops(rng, shape, *self.crops).items()})
        return crops

    def _latent(self, rng, name: str, shape):
        c = self.config
        if name == "z":
            return sample_z(rng, (*shape, c.latent_dim), c.z_dist)
        if name == "label":
            return rng.integers(0, c.num_classes, shape, dtype=np.int32)
        return sample_codes(rng, shape, c.latent_spec().code_spec)
