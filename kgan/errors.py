"""The exception types the CLI turns into a one-line message and a non-zero exit."""


class KganError(Exception):
    """A problem with the user's input (data, options, files), not a bug in kgan."""


class TrainingInterrupted(KganError):
    """Ctrl-C: the run stopped after a whole step and saved a checkpoint."""


class TrainingDiverged(KganError):
    """A loss or a weight became NaN or infinite: the run stopped before writing it anywhere."""
