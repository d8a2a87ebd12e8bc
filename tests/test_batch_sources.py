"""Batch sources (kgan.training.batch_sources): a kind of data is an object a variant hands to the engine.

The runs of the existing kinds are pinned elsewhere (tests/test_engine_fixtures.py bit for bit, the conformance
harness for every variant); here: the worked example's variant (examples/new_variant.py), whose source mirrors
real images at random, trains through the unchanged run loop the same on the device and from the host, and an
unpaired B domain may be smaller than a batch.
"""

from __future__ import annotations

import dataclasses
import importlib.util
from pathlib import Path

import numpy as np
import pytest
from helpers import write_mnist_npz, write_translation_npz

import kgan
from kgan.training.batch_sources import SAMPLES
from kgan.variants import get_variant, register, unregister

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "new_variant.py"
TINY = {"width": 4, "latent_dim": 8, "batch_size": 4, "steps": 3, "log_every": 1, "grid_size": 4, "progress": False}


@pytest.fixture(scope="module")
def example_variants():
    """The example's variant (it registers when its module loads), and the same without its own source."""
    spec = importlib.util.spec_from_file_location("new_variant_example", EXAMPLE)
    spec.loader.exec_module(importlib.util.module_from_spec(spec))
    register(dataclasses.replace(get_variant("dcgan_drift"), name="dcgan_drift_unmirrored", data=SAMPLES))
    yield "dcgan_drift", "dcgan_drift_unmirrored"
    unregister("dcgan_drift")
    unregister("dcgan_drift_unmirrored")


def weights(run) -> dict:
    with np.load(run.path / "checkpoint.npz") as saved:
        return {name: saved[name] for name in saved.files if name.startswith("generator/")}


def test_a_variant_with_a_batch_source_of_its_own_trains_the_same_from_the_device_and_the_host(
        example_variants, tmp_path):
    mirrored, unmirrored = example_variants
    data = f"npz:{write_mnist_npz(tmp_path / 'digits.npz', 32)}"
    on_device = kgan.train(mirrored, data, out=tmp_path / "device", **TINY)
    on_host = kgan.train(mirrored, data, out=tmp_path / "host", data_on="host", **TINY)
    plain = kgan.train(unmirrored, data, out=tmp_path / "plain", **TINY)
    assert len(on_device.history) == 3
    device, host, without = weights(on_device), weights(on_host), weights(plain)
    assert all(np.array_equal(device[name], host[name]) for name in device)
    # The mirror draws come after every other draw, so only the mirrored rows set the runs apart.
    assert any(not np.array_equal(device[name], without[name]) for name in device)


def test_an_unpaired_b_domain_smaller_than_the_batch_trains(tmp_path):
    """B rows are drawn with replacement for each A row, so two B images serve a batch of four."""
    full = np.load(write_translation_npz(tmp_path / "domains.npz", 16, paired=False))
    np.savez(tmp_path / "small_b.npz", a=full["a"], b=full["b"][:2])
    run = kgan.train("cyclegan", f"unpaired:{tmp_path / 'small_b.npz'}", out=tmp_path / "run", width=4,
                     batch_size=4, steps=2, log_every=1, grid_size=4, progress=False)
    assert len(run.history) == 2
    assert list((run.path / "samples").glob("*.png"))  # the picture shows the two B images there are
