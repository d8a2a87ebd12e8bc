"""Checkpoints are written atomically and refuse files that are not theirs."""

import numpy as np
import pytest
from helpers import tiny_config, values

from kgan.errors import KganError
from kgan.training import checkpoint as ckpt
from kgan.training.assembly import build_step

META = {"config": {}, "data": {"size": 4, "sample_shape": [2]}, "position": {"step": 0, "epoch": 0, "batch": 0}}


@pytest.fixture(scope="module")
def training_step():
    return build_step(tiny_config(), (28, 28, 1))


def test_round_trip_restores_every_variable(tmp_path, training_step):
    path = tmp_path / "c.npz"
    ckpt.save_checkpoint(path, training_step.state_groups(), {**META, "note": "x"})
    saved = values(training_step.state_variables())
    other = build_step(tiny_config(seed=1), (28, 28, 1))
    assert not all(np.array_equal(a, b) for a, b in zip(saved, values(other.state_variables())))
    loaded = ckpt.read_checkpoint(path)
    ckpt.restore(other.state_groups(), loaded)
    assert loaded.meta["note"] == "x"
    assert all(np.array_equal(a, b) for a, b in zip(saved, values(other.state_variables())))


def test_a_failed_write_leaves_the_previous_checkpoint_intact(tmp_path, training_step, monkeypatch):
    path = tmp_path / "c.npz"
    ckpt.save_checkpoint(path, training_step.state_groups(), {**META, "generation": 1})

    def crash(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(np, "savez", crash)
    with pytest.raises(OSError):
        ckpt.save_checkpoint(path, training_step.state_groups(), {**META, "generation": 2})
    assert ckpt.read_checkpoint(path).meta["generation"] == 1
    assert [p.name for p in tmp_path.iterdir()] == ["c.npz"]  # no temp file left behind


@pytest.mark.parametrize("content", [b"", b"not a zip at all", b"PK\x03\x04 truncated"])
def test_corrupt_files_raise_one_line_errors(tmp_path, content):
    path = tmp_path / "bad.npz"
    path.write_bytes(content)
    with pytest.raises(KganError, match="unreadable checkpoint") as error:
        ckpt.read_checkpoint(path)
    assert "\n" not in str(error.value)


def test_a_plain_npz_is_not_a_checkpoint(tmp_path):
    path = tmp_path / "plain.npz"
    np.savez(path, x=np.zeros(3))
    with pytest.raises(KganError):
        ckpt.read_checkpoint(path)


def test_restoring_into_a_different_architecture_is_refused(tmp_path, training_step):
    path = tmp_path / "c.npz"
    ckpt.save_checkpoint(path, training_step.state_groups(), META)
    wider = build_step(tiny_config(width=8), (28, 28, 1))
    with pytest.raises(KganError, match="shape"):
        ckpt.restore(wider.state_groups(), ckpt.read_checkpoint(path))
