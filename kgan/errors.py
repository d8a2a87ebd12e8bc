"""kgan's exception types: ``KganError`` and its subclasses ``TrainingInterrupted`` and ``TrainingDiverged``.

The CLI turns each into a one-line message and a non-zero exit: ``Error: ...`` and exit 1, except
``TrainingInterrupted`` (the stop the user asked for), printed without ``Error:`` and exit 130.
"""


class KganError(Exception):
    """A problem with the user's input (data, options, files), not a bug in kgan; the base of the
    two below, which say why a training run stopped early."""


class TrainingInterrupted(KganError):
    """Ctrl-C: the run stopped after a whole step and saved a checkpoint."""


class TrainingDiverged(KganError):
    """A loss or a weight became NaN or infinite: the run stopped before writing it anywhere."""
