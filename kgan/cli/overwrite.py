"""``--overwrite``: kgan's commands refuse to replace a file that is already there unless told to."""

from __future__ import annotations

from pathlib import Path

import click

from kgan.errors import KganError

OVERWRITE = click.option("--overwrite", is_flag=True, help="Replace the output file if it exists (default: refuse).")


def check_new_output(path: Path, overwrite: bool) -> None:
    """Refuse ``path`` where something is there already, unless it is a file and ``overwrite`` says replace it."""
    path = Path(path)
    if path.is_dir():
        raise KganError(f"{path} is a directory; give a file name")
    if path.exists() or path.is_symlink():
        if not overwrite:
            raise KganError(f"{path} already exists; give --overwrite to replace it, or choose another -o")
        if not path.is_file():
            raise KganError(f"{path} is not a regular file; kgan replaces only files")
