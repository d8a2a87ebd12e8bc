"""The one exception type the CLI turns into a one-line message and a non-zero exit."""


class KganError(Exception):
    """A problem with the user's input (data, options, files), not a bug in kgan."""


class TrainingInterrupted(KganError):
    """Ctrl-C: the run stopped after a whole step and saved a checkpoint."""
