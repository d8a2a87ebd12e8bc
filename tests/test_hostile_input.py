"""Hostile but realistic input (issue 32): odd image sides, half precision, networks and callbacks
that do not fit, checkpoints from another run, clobbered files, pipes, misleading messages.

Each test failed before its fix. Runs are tiny (width 4, a few steps) so the file stays fast.
"""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest
from helpers import assert_ok, invoke, write_translation_npz


@pytest.fixture(scope="module")
def paired(tmp_path_factory):
    return write_translation_npz(tmp_path_factory.mktemp("hostile") / "paired.npz", 8, paired=True)


def test_the_padded_networks_keep_every_side_from_16_to_70():
    from kgan.variants.translators import encoder_decoder_generator, unet_generator

    config = SimpleNamespace(variant="pix2pix", width=4, seed=0)
    for side in range(16, 71):
        shape = (side, side, 1)
        for build in (unet_generator, encoder_decoder_generator):
            out = build(config, shape)(np.zeros((1, *shape), np.float32))
            assert tuple(out.shape[1:]) == shape, (build.__name__, side)


def test_pix2pix_trains_at_an_odd_side(paired, tmp_path):
    run = tmp_path / "run"
    assert_ok(invoke("train", "pix2pix", "--data", f"paired:{paired}", "--image-size", "17", "--steps", "1",
                     "--width", "4", "--batch-size", "2", "--grid-size", "2", "--no-progress", "--out", run))
    assert (run / "checkpoint.npz").exists()


@pytest.fixture
def without_onednn():
    """PyTorch's CPU convolutions without oneDNN, as on CPUs lacking its half-precision kernels (where
    --precision fp16 fell to slow_conv2d and failed on Keras' permuted kernels)."""
    import keras

    if keras.backend.backend() != "torch":
        pytest.skip("the kernel layout is torch's")
    import torch

    from kgan import backend

    with torch.backends.mkldnn.flags(enabled=False):
        yield
    backend.set_precision("float32")


@pytest.mark.parametrize("variant,precision", [("pix2pix", "fp16"), ("cyclegan", "fp16"), ("discogan", "fp16"),
                                               ("pix2pix", "bf16")])
def test_every_translator_takes_a_half_precision_step_on_torch(paired, tmp_path, without_onednn, variant, precision):
    from kgan.training import run_loop
    from kgan.training.assembly import resolve_config

    data = f"{'paired' if variant == 'pix2pix' else 'unpaired'}:{paired}"
    config = resolve_config(variant, data=data, steps=1, width=4, batch_size=2, grid_size=2, precision=precision)
    record = run_loop.train(config, tmp_path / "run", progress=False).read_metrics()[-1]
    assert np.isfinite(record["g_loss"]) and np.isfinite(record["d_loss"])
