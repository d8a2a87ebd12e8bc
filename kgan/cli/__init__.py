"""The ``kgan`` command: a thin click layer over the library.

Every user-facing failure (a ``KganError`` or a bad option) ends as one ``Error: ...`` line on
stderr and a non-zero exit, never a traceback.
"""

from __future__ import annotations

import importlib.util
import json
import os
import sys
from pathlib import Path

import click

from kgan.errors import KganError, TrainingInterrupted

# TensorFlow's C++ start-up chatter is noise for a CLI user; keep real errors.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


def _keras_config_backend() -> str:
    """The backend Keras' config file names (Keras' own default: tensorflow)."""
    home = os.environ.get("KERAS_HOME") or os.path.join(os.path.expanduser("~"), ".keras")
    try:
        with open(os.path.join(home, "keras.json")) as f:
            return json.load(f).get("backend", "tensorflow")
    except (OSError, ValueError):
        return "tensorflow"


def _choose_backend():
    # Without KERAS_BACKEND, Keras uses its config file, which its first import writes with
    # "tensorflow", and then fails at import where only jax or torch is installed
    # (`pip install kgan[torch]`). Pick an installed backend instead.
    if os.environ.get("KERAS_BACKEND") or importlib.util.find_spec(_keras_config_backend()):
        return
    installed = [name for name in ("tensorflow", "jax", "torch") if importlib.util.find_spec(name)]
    if installed:
        os.environ["KERAS_BACKEND"] = installed[0]


_choose_backend()

# What TensorFlow's C++ start-up writes straight to file descriptor 2, past TF_CPP_MIN_LOG_LEVEL:
# notices for its developers, not for a kgan user.
_TENSORFLOW_STARTUP_NOISE = ("All log messages before absl::InitializeLog()", "oneDNN custom operations are on",
                             "cuInit", "Unable to register cu", "This TensorFlow binary is optimized",
                             "To enable the following instructions", "rebuild TensorFlow with the appropriate")


def _import_keras_quietly():
    """Import Keras (and with it TensorFlow, under that backend) with the start-up notices filtered
    out of stderr; every other line is passed on."""
    if os.environ.get("KERAS_BACKEND") != "tensorflow" or "keras" in sys.modules:
        return
    import tempfile

    sys.stderr.flush()
    saved = os.dup(2)
    with tempfile.TemporaryFile() as captured:
        os.dup2(captured.fileno(), 2)
        try:
            import keras  # noqa: F401
        finally:
            os.dup2(saved, 2)
            os.close(saved)
            captured.seek(0)
            for line in captured.read().decode(errors="replace").splitlines():
                if not any(noise in line for noise in _TENSORFLOW_STARTUP_NOISE):
                    print(line, file=sys.stderr)

EXIT_INTERRUPTED = 130


def output_file(output, *suffixes: str):
    """``output`` as a Path, refused unless it ends in one of ``suffixes`` and its directory exists."""
    output = Path(output)
    if output.suffix.lower() not in suffixes:
        raise KganError(f"output must end in {' or '.join(suffixes)}, got {output}")
    if not output.parent.is_dir():
        raise KganError(f"directory {output.parent} does not exist")
    return output


class KganGroup(click.Group):
    def main(self, args=None, prog_name=None, **extra):
        extra.pop("standalone_mode", None)
        _import_keras_quietly()
        try:
            code = super().main(args, prog_name, standalone_mode=False, **extra)
        except click.ClickException as e:
            self._fail(e.format_message(), e.exit_code)
        except click.Abort:
            self._fail("aborted", 1)
        except TrainingInterrupted as e:  # what the user asked for: no "Error:"
            click.echo(" ".join(str(e).split()), err=True)
            sys.exit(EXIT_INTERRUPTED)
        except KganError as e:
            self._fail(str(e), 1)
        except OSError as e:  # unwritable directory, full disk, ...: the OS's own message
            self._fail(f"{e.strerror or e}: {e.filename or ''}", 1)
        sys.exit(code if isinstance(code, int) else 0)

    @staticmethod
    def _fail(message: str, code: int):
        click.echo(f"Error: {' '.join(message.split())}", err=True)
        sys.exit(code)


@click.group(cls=KganGroup)
@click.version_option(package_name="kgan")
def main():
    """Train GANs with Keras 3 on JAX, TensorFlow or PyTorch (set KERAS_BACKEND)."""


from kgan.cli import (  # noqa: E402  (commands register on main)
    data_command,
    eval_command,
    export_command,
    list_command,
    metrics_command,
    project_command,
    repro_command,
    sample_command,
    status_command,
    train_command,
    translate_command,
    upscale_command,
    viz_command,
    viz_compare_command,
)

__all__ = ["main", "data_command", "eval_command", "export_command", "list_command", "metrics_command",
           "project_command", "repro_command", "sample_command", "status_command", "train_command",
           "translate_command", "upscale_command", "viz_command", "viz_compare_command"]
