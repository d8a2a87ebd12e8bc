"""Batch sources (kgan.training.batch_sources): a kind of data is an object a variant hands to the engine.

The runs of the existing kinds are pinned elsewhere (tests/test_engine_fixtures.py bit for bit, the conformance
harness for every variant); here: a variant with a source of its own trains through the unchanged run loop, the
same on the device and from the host, and an unpaired B domain may be smaller than a batch.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from helpers import write_mnist_npz, write_translation_npz
from keras import ops

import kgan
from kgan.training.batch_sources import Samples
from kgan.variants import get_variant, register, unregister

TINY = {"width": 4, "latent_dim": 8, "batch_size": 4, "steps": 3, "log_every": 1, "grid_size": 4, "progress": False}


@dataclasses.dataclass(frozen=True)
class MirroredSamples(Samples):
    """Each real row mirrored left-right with probability 1/2: a host draw of the source's own."""

    def draw_augmentation(self, rng, shape):
        return {"mirror": (rng.random(shape) < 0.5).astype(np.float32)}

    def gather(self, data, draws):
        batch = super().gather(data, draws)
        mirror = ops.reshape(draws.pop("mirror"), (-1, 1, 1, 1))
        batch["x"] = mirror * ops.flip(batch["x"], axis=2) + (1 - mirror) * batch["x"]
        return batch


@pytest.fixture
def mirrored_dcgan():
    register(dataclasses.replace(get_variant("dcgan"), name="mirrored_dcgan_test", data=MirroredSamples()))
    yield "mirrored_dcgan_test"
    unregister("mirrored_dcgan_test")


def weights(run) -> dict:
    with np.load(run.path / "checkpoint.npz") as saved:
        return {name: saved[name] for name in saved.files if name.startswith("generator/")}


def test_a_variant_with_a_batch_source_of_its_own_trains_the_same_from_the_device_and_the_host(
        mirrored_dcgan, tmp_path):
    data = f"npz:{write_mnist_npz(tmp_path / 'digits.npz', 32)}"
    on_device = kgan.train(mirrored_dcgan, data, out=tmp_path / "device", **TINY)
    on_host = kgan.train(mirrored_dcgan, data, out=tmp_path / "host", data_on="host", **TINY)
    plain = kgan.train("dcgan", data, out=tmp_path / "plain", **TINY)
    assert len(on_device.history) == 3
    device, host, unmirrored = weights(on_device), weights(on_host), weights(plain)
    assert all(np.array_equal(device[name], host[name]) for name in device)
    # The mirror draws come after every draw dcgan makes, so only the mirrored rows set the runs apart.
    assert any(not np.array_equal(device[name], unmirrored[name]) for name in device)


def test_an_unpaired_b_domain_smaller_than_the_batch_trains(tmp_path):
    """B rows are drawn with replacement for each A row, so two B images serve a batch of four."""
    full = np.load(write_translation_npz(tmp_path / "domains.npz", 16, paired=False))
    np.savez(tmp_path / "small_b.npz", a=full["a"], b=full["b"][:2])
    run = kgan.train("cyclegan", f"unpaired:{tmp_path / 'small_b.npz'}", out=tmp_path / "run", width=4,
                     batch_size=4, steps=2, log_every=1, grid_size=4, progress=False)
    assert len(run.history) == 2
    assert list((run.path / "samples").glob("*.png"))  # the picture shows the two B images there are
