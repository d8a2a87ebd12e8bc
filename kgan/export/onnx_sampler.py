"""Sample from a kgan ONNX generator with numpy and onnxruntime only: no Keras, no backend.

Example:
    from kgan.export.onnx_sampler import OnnxSampler
    sampler = OnnxSampler("generator.onnx")          # CUDA if onnxruntime-gpu offers it, else CPU
    images = sampler.sample(16, seed=0)              # (16, H, W, C) uint8
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from kgan.errors import KganError
from kgan.export.metadata import INPUT_Z, KEYS, OUTPUT_IMAGE
from kgan.noise import latent_for_sampling
from kgan.pixels import scale_to_uint8

PREFERRED_PROVIDERS = ("CUDAExecutionProvider", "CPUExecutionProvider")


def default_providers(available: list[str]) -> list[str]:
    """CUDA first when onnxruntime-gpu offers it, then CPU."""
    return [p for p in PREFERRED_PROVIDERS if p in available] or list(available)


class OnnxSampler:
    """A kgan generator exported to ONNX (see ``kgan export``).

    Args:
        path: the .onnx file.
        providers: onnxruntime execution providers, in order of preference; default CUDA then CPU.
    """

    def __init__(self, path: str | Path, providers: list[str] | None = None):
        import onnxruntime as ort

        path = Path(path)
        if not path.is_file():
            raise KganError(f"no ONNX file at {path}")
        available = ort.get_available_providers()
        unknown = [p for p in providers or [] if p not in available]
        if unknown:
            raise KganError(f"provider {unknown[0]} is not available; this onnxruntime offers {', '.join(available)}")
        try:
            self.session = ort.InferenceSession(str(path), providers=providers or default_providers(available))
        except Exception as e:  # onnxruntime raises its own exception types for unreadable models
            raise KganError(f"unreadable ONNX file {path}: {str(e).splitlines()[0]}") from None
        self.metadata = self.session.get_modelmeta().custom_metadata_map
        missing = [key for key in KEYS if key not in self.metadata]
        names = ([i.name for i in self.session.get_inputs()], [o.name for o in self.session.get_outputs()])
        if missing or names != ([INPUT_Z], [OUTPUT_IMAGE]):
            raise KganError(f"{path} is not a kgan generator (inputs/outputs {names}, missing metadata "
                            f"{', '.join(missing) or 'none'})")
        self.latent_dim = int(self.metadata["latent_dim"])
        self.z_dist = self.metadata["z_dist"]
        self.image_shape = tuple(int(d) for d in self.metadata["image_shape"].split(","))

    @property
    def providers(self) -> list[str]:
        return self.session.get_providers()

    def latent(self, n: int, seed: int = 0) -> np.ndarray:
        """The z that ``kgan sample --seed`` draws too, so both paths give the same images."""
        return latent_for_sampling(n, self.latent_dim, self.z_dist, seed)

    def run(self, z: np.ndarray) -> np.ndarray:
        """The raw graph output for ``z`` (float32 [-1, 1] or uint8, as exported)."""
        z = np.asarray(z, np.float32)
        if z.ndim != 2 or z.shape[1] != self.latent_dim:
            raise KganError(f"z must have shape (n, {self.latent_dim}), got {z.shape}")
        return self.session.run([OUTPUT_IMAGE], {INPUT_Z: z})[0]

    def sample(self, n: int, seed: int = 0, labels=None) -> np.ndarray:
        """``n`` images as uint8 (n, H, W, C) in [0, 255]."""
        if labels is not None:
            raise KganError("this generator is unconditional: it takes no labels")
        images = self.run(self.latent(n, seed))
        return images if images.dtype == np.uint8 else scale_to_uint8(images)
