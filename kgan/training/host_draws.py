"""The run's stream of host draws: the shuffle, each step's real rows and every random input, in step order.

Two numpy streams feed a run: ``shuffle_rng`` (each epoch's permutation, and the rows a batch source
draws beside it, such as unpaired B rows) and ``noise_rng`` (everything ``StepInputs.draw`` makes). The
training loop draws a call of steps ahead in a thread of its own, so the draws overlap the steps'
compute; ``HostDraws`` keeps the state the next step finds, which is what a checkpoint saves, and takes
back the draws of a call that never ran.
"""

from __future__ import annotations

from concurrent.futures import Future, ThreadPoolExecutor

import numpy as np


class HostDraws:
    """A run's host RNGs and shuffle, and what they draw for each call of steps.

    Args:
        config: the run's TrainConfig (its seed and ``data_on``).
        dataset: the training data (``kgan.data.Dataset``).
        step: the ``TrainingStep`` (``stack_steps``, and its batch source, which draws each step's rows).
        step_inputs: what each step draws (``kgan.training.step_inputs.StepInputs``).
        batches: real batches per step; ``rows_per_batch``: rows per batch (batch x pack).

    Example:
        draws = HostDraws(config, dataset, step, step_inputs, batches=1, rows_per_batch=64)
        rows, inputs = draws.call(training_set, Position(), count=1)
    """

    def __init__(self, config, dataset, step, step_inputs, batches: int, rows_per_batch: int):
        self.config, self.dataset, self.step, self.step_inputs = config, dataset, step, step_inputs
        self.batches, self.rows_per_batch = batches, rows_per_batch
        self.per_step = batches * rows_per_batch
        self.noise_rng = np.random.default_rng([config.seed, 0])
        self.shuffle_rng = np.random.default_rng([config.seed, 1])
        self.permutation = None
        self.held = None  # while the loop runs: the state as the call in the draw thread found it

    # --- the state a checkpoint keeps ----------------------------------------------------------

    def state(self, start) -> dict:
        """The RNGs and shuffle as the step at ``start`` (a loop ``Position``) finds them, what a checkpoint
        saves: while the loop runs, the state held by the last ``ahead``, as the draw thread is a call ahead."""
        return self._current(start) if self.held is None else self.held

    def _current(self, start) -> dict:
        return {"noise_rng": self.noise_rng.bit_generator.state, "shuffle_rng": self.shuffle_rng.bit_generator.state,
                "permutation": self.permutation if start.batch else None}

    def load(self, state: dict) -> None:
        """Continue from ``state`` (what ``state`` gave, read back from a checkpoint)."""
        self.noise_rng.bit_generator.state = state["noise_rng"]
        self.shuffle_rng.bit_generator.state = state["shuffle_rng"]
        self.permutation = state["permutation"]

    def take_back(self) -> None:
        """Undo the draws made for a call that never ran, so that what follows the loop (another loop, a
        save) finds the RNGs where the steps left them."""
        if self.held is not None:  # None: the loop stopped before its first draw
            held, self.held = self.held, None
            self.load(held)

    # --- drawing ---------------------------------------------------------------------------------

    def ahead(self, drawer: ThreadPoolExecutor, training_set: dict, start, count: int | None) -> Future | None:
        """Start drawing, in ``drawer``'s thread, the call of ``count`` steps that begins at ``start``; its
        future (None where ``count`` is None: past the run's end). Called while that thread is idle, it
        first holds the state the call finds, for checkpoints taken meanwhile."""
        self.held = self._current(start)
        return None if count is None else drawer.submit(self.call, training_set, start, count)

    def call(self, training_set: dict, start, count: int):
        """The host side of the call of ``count`` steps that starts at ``start``: (rows, inputs) as ``_one_step``
        gives them, each stacked on a leading axis of ``count`` when ``count`` > 1. Draws in step order."""
        if start.batch == 0 or self.permutation is None:  # an epoch starts: a new shuffle
            self.permutation = self.shuffle_rng.permutation(len(self.dataset.x)).astype(np.int32)
        draws = [self._one_step(training_set, start, ahead) for ahead in range(count)]
        if count == 1:
            return draws[0]
        rows = None if draws[0][0] is None else self.step.stack_steps([rows for rows, _ in draws])
        return rows, self.step.stack_steps([inputs for _, inputs in draws])

    def _one_step(self, training_set: dict, start, ahead: int):
        """The host side of the step ``ahead`` steps after ``start``, in the same epoch: (rows, host-drawn
        inputs). ``rows`` is None, and the inputs index the whole training set on the device; or, with
        ``data_on="host"``, only that step's rows, gathered on the host, with the inputs giving their
        positions among them (the same rows either way, so the same run)."""
        begin = (start.batch + ahead) * self.per_step
        indices = self.permutation[begin:begin + self.per_step].reshape(self.batches, self.rows_per_batch)
        source = self.step.source
        picks = source.draw_rows(self.shuffle_rng, indices, self.dataset)
        rows = None
        if self.config.data_on == "host":
            rows, picks = source.take_rows(training_set, picks)
        return rows, self.step_inputs.draw(self.noise_rng, picks, start.step + ahead)
