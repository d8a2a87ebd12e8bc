"""Atomic file writes: readers see the old file or the new one, never half of one."""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from pathlib import Path

TEMP_SUFFIX = ".kgan-tmp"  # what a crash mid-write leaves behind; RunDir cleans these on the next start
# mkstemp creates files readable by their owner only; the files it replaces had the umask's mode.
_UMASK = os.umask(0o022)
os.umask(_UMASK)


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike):
    """Yield a new temporary path beside ``path``; rename it over ``path`` only if the block succeeds.

    The temporary file is created exclusively under an unpredictable name (``mkstemp``), so a
    symbolic link planted under a guessable name cannot redirect the write. An OSError names
    ``path``, not the temporary file.
    """
    path = Path(path)
    try:
        fd, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=TEMP_SUFFIX)
    except OSError as e:
        raise OSError(e.errno, e.strerror, str(path)) from None
    os.fchmod(fd, 0o666 & ~_UMASK)
    os.close(fd)
    tmp = Path(name)
    try:
        yield tmp
        # On disk before the rename, so a power loss leaves the old file or the whole new one.
        fd = os.open(tmp, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, path)
    except OSError as e:  # a full disk, say: name the file the user asked for
        raise OSError(e.errno, e.strerror, str(path)) from None
    finally:
        tmp.unlink(missing_ok=True)


def write_json(path, value) -> None:
    with atomic_path(path) as tmp:
        tmp.write_text(json.dumps(value, indent=2, sort_keys=True) + "\n")
