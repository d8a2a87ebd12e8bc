"""Ctrl-C and SIGTERM during training: a request to stop after the current step, not an exception mid-step."""

from __future__ import annotations

import os
import signal


class DeferredInterrupt:
    """Turns the first Ctrl-C (SIGINT) or SIGTERM into a flag checked between steps, so checkpoints stay
    consistent; a second one stops at once. SIGTERM is how batch schedulers, ``docker stop`` and some
    torchrun versions (passing a Ctrl-C on to their workers) ask a job to end."""

    SIGNALS = (signal.SIGINT, signal.SIGTERM)

    def __enter__(self):
        self.requested = False
        try:
            self._previous = {signum: signal.signal(signum, self._handle) for signum in self.SIGNALS}
        except ValueError:  # not the main thread: leave the signals as they are
            self._previous = {}
        return self

    def _handle(self, signum, frame):
        if self.requested:  # a second signal stops at once
            raise KeyboardInterrupt
        self.requested = True
        name = b"Ctrl-C" if signum == signal.SIGINT else b"SIGTERM"
        # os.write, not print: the handler may run in the middle of the progress bar's own write to stderr.
        os.write(2, b"\n" + name + b": stopping after this step with a checkpoint (again: stop at once)\n")

    def __exit__(self, *exc):
        for signum, previous in self._previous.items():
            signal.signal(signum, previous)
