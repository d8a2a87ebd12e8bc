"""Sample from a kgan ONNX generator with numpy and onnxruntime only: no Keras, no backend.

Example:
    from kgan.export.onnx_sampler import OnnxSampler
    sampler = OnnxSampler("generator.onnx")          # CUDA if onnxruntime-gpu offers it, else CPU
    images = sampler.sample(16, seed=0)              # (16, H, W, C) uint8
    sevens = sampler.sample(16, label=7)             # conditional generators (cgan, acgan)
    bags = sampler.sample(16, text="a red bag at the top left")  # text2image: the file's own vocabulary
    fake_b = OnnxSampler("g_ab.onnx").translate(real_a)  # image-to-image generators: [-1, 1] floats or uint8

A translator's file may take other heights and widths than its training size: its ``size_rule``
(``kgan.networks.SizeRule``, from the metadata) says which, and every image is checked against it.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from kgan.errors import KganError
from kgan.export.metadata import KEYS, OUTPUT_IMAGE
from kgan.latent.seeds import parse_seeds, seed_inputs
from kgan.latent.sentences import sentence_inputs, with_text
from kgan.latent.spec import LatentSpec, SamplingInputs, class_index, input_signature
from kgan.networks import LATENT_INPUTS, TEXT_INPUT, SizeRule
from kgan.pixels import model_images, scale_to_uint8
from kgan.upscaling import OVERLAP, TILE, as_image_list, upscale_tiled

PREFERRED_PROVIDERS = ("CUDAExecutionProvider", "CPUExecutionProvider")
# Short names for the two providers kgan users ask for (kgan sample --onnx --provider cuda).
PROVIDER_ALIASES = {"cuda": "CUDAExecutionProvider", "cpu": "CPUExecutionProvider"}
BATCH = 1024


def default_providers(available: list[str]) -> list[str]:
    """CUDA first when onnxruntime-gpu offers it, then CPU."""
    return [p for p in PREFERRED_PROVIDERS if p in available] or list(available)


def resolve_providers(requested: list[str], available: list[str]) -> tuple[list[str], str | None]:
    """(providers to use, a note or None): ``cuda``/``cpu`` read as their providers; CUDA asked for where
    onnxruntime offers none (no onnxruntime-gpu, or no GPU) falls back to the CPU provider with a note;
    any other provider not offered is refused."""
    names = [PROVIDER_ALIASES.get(name.lower(), name) for name in requested]
    note = None
    if "CUDAExecutionProvider" in names and "CUDAExecutionProvider" not in available:
        names = [name for name in names if name != "CUDAExecutionProvider"] or ["CPUExecutionProvider"]
        note = (f"note: onnxruntime offers no CUDA here ({', '.join(available)}; onnxruntime-gpu and a GPU give "
                f"it); using {names[0]}")
    unknown = [name for name in names if name not in available]
    if unknown:
        raise KganError(f"provider {unknown[0]} is not available; this onnxruntime offers {', '.join(available)}")
    return names, note


class OnnxSampler:
    """A kgan generator exported to ONNX (see ``kgan export``).

    Args:
        path: the .onnx file.
        providers: onnxruntime execution providers, in order of preference (a list, or one name as a
            string; ``cuda`` and ``cpu`` for short); default CUDA then CPU. CUDA asked for where it is not
            offered falls back to the CPU provider, and ``note`` says so.
    """

    def __init__(self, path: str | Path, providers: list[str] | str | None = None):
        try:
            import onnxruntime as ort
        except ImportError:
            raise KganError("onnxruntime is not installed; "
                            "pip install kgan[onnx] (or kgan[gpu] for onnxruntime-gpu)") from None

        path = Path(path)
        if not path.is_file():
            raise KganError(f"no ONNX file at {path}")
        if isinstance(providers, str):  # one name, not its letters
            providers = [providers]
        available = ort.get_available_providers()
        providers, self.note = resolve_providers(providers, available) if providers else (None, None)
        try:
            self.session = ort.InferenceSession(str(path), providers=providers or default_providers(available))
        except Exception as e:  # onnxruntime raises its own exception types for unreadable models
            raise KganError(f"unreadable ONNX file {path}: {str(e).splitlines()[0]}") from None
        self.metadata = self.session.get_modelmeta().custom_metadata_map
        missing = [key for key in KEYS if key not in self.metadata]
        if missing:
            raise KganError(f"{path} is not a kgan generator (missing metadata {', '.join(missing)})")
        try:
            self.latent_spec = LatentSpec(int(self.metadata["latent_dim"]), self.metadata["z_dist"],
                                          int(self.metadata["num_classes"]), json.loads(self.metadata["code_spec"]))
            self.image_shape = tuple(int(d) for d in self.metadata["image_shape"].split(","))
            self.signature = ({name: (entry["dtype"], tuple(entry["shape"]))
                               for name, entry in json.loads(self.metadata["inputs"]).items()}
                              if "inputs" in self.metadata else input_signature(self.latent_spec))  # kgan 0.1.0 files
            input_signature(self.latent_spec)  # reads every code entry
            # The image sizes a graph with dynamic height and width takes; None: those of "inputs" only.
            self.size_rule = SizeRule.from_json(self.metadata["size_rule"]) if self.metadata.get("size_rule") else None
        except (ValueError, TypeError, KeyError, AttributeError) as e:
            raise KganError(f"{path} has damaged kgan metadata ({type(e).__name__}: {e})".splitlines()[0]) from None
        names = ([i.name for i in self.session.get_inputs()], [o.name for o in self.session.get_outputs()])
        if names != (list(self.signature), [OUTPUT_IMAGE]):
            raise KganError(f"{path} is not a kgan generator (inputs/outputs {names})")
        graph_shape = self.session.get_outputs()[0].shape[1:]
        if len(self.image_shape) != 3 or len(graph_shape) != 3 or any(
                isinstance(g, int) and g != m for g, m in zip(graph_shape, self.image_shape)):
            raise KganError(f"{path}: its metadata says images of shape {self.image_shape}, its graph outputs "
                            f"{graph_shape}; kgan samples image generators whose two agree")

    @property
    def image_inputs(self) -> list[str]:
        """The graph inputs the caller supplies as images (anything kgan does not draw)."""
        return [name for name in self.signature if name not in (*LATENT_INPUTS, TEXT_INPUT)]

    @property
    def takes_text(self) -> bool:
        """Whether the file generates from a sentence (text2image: character ids in, with its ``vocabulary``)."""
        return TEXT_INPUT in self.signature

    def _vocabulary(self) -> dict:
        """The characters and caption length the file's text encoder was trained on (kgan.text, in its metadata)."""
        return ({"vocabulary": self.metadata["vocabulary"], "max_chars": int(self.metadata["max_chars"])}
                if self.takes_text else {})

    @property
    def class_names(self) -> list[str]:
        """The names of a conditional generator's classes, where its data named them (files since kgan 0.3.0)."""
        return json.loads(self.metadata.get("class_names", "[]"))

    @property
    def providers(self) -> list[str]:
        return self.session.get_providers()

    def draw(self, n: int, seed: int = 0, label: int | None = None, code: str | None = None,
             truncation: float = 1.0, text=None) -> SamplingInputs:
        """The inputs ``kgan sample --seed`` draws too, so both paths give the same images; ``text`` a sentence, or a
        list of them (a row each), for a text2image file."""
        return with_text(self.latent_spec, n, seed, class_index(label, self.class_names), code, truncation, text,
                         self.takes_text, self.metadata["variant"], **self._vocabulary())

    def run(self, inputs: dict | np.ndarray) -> np.ndarray:
        """The raw graph output (float32 [-1, 1] or uint8, as exported) for z, or a dict of inputs by name."""
        inputs = inputs if isinstance(inputs, dict) else {"z": inputs}
        feed = {}
        for name, (dtype, shape) in self.signature.items():
            if name not in inputs:
                raise KganError(f"this generator needs input {name!r}")
            value = np.asarray(inputs[name], dtype)
            expected = (len(inputs[next(iter(self.signature))]), *shape)
            if self.size_rule and name in self.image_inputs and value.ndim == 4 and value.shape[::3] == expected[::3]:
                self.size_rule.check(*value.shape[1:3])
                expected = value.shape
            # A None side (a generator built for any image size: super-resolution) takes any size.
            if len(value.shape) != len(expected) or any(e is not None and v != e for v, e in zip(value.shape,
                                                                                                   expected)):
                raise KganError(f"{name} must have shape {expected}, got {value.shape}")
            feed[name] = value
        # In batches, so a large n needs memory for its output only.
        return np.concatenate([self.session.run([OUTPUT_IMAGE], {k: v[i:i + BATCH] for k, v in feed.items()})[0]
                               for i in range(0, len(next(iter(feed.values()))), BATCH)])

    def generate_from(self, inputs: dict | np.ndarray) -> np.ndarray:
        """uint8 (n, H, W, C) images in [0, 255] for the given inputs."""
        images = self.run(inputs)
        return images if images.dtype == np.uint8 else scale_to_uint8(images)

    def sample(self, n: int, seed: int = 0, label: int | None = None, code: str | None = None,
               truncation: float = 1.0, text=None) -> np.ndarray:
        """``n`` images as uint8 (n, H, W, C) in [0, 255]; ``label``/``code``/``truncation``/``text`` as for
        ``kgan sample`` (the file takes z, so truncation acts on the z fed to it)."""
        return self.generate_from(self.draw(n, seed, label, code, truncation, text).inputs)

    def sample_seeds(self, seeds, label: int | None = None, code: str | None = None,
                     truncation: float = 1.0, text: str | None = None) -> np.ndarray:
        """One uint8 image per seed (a list, or a string such as "0-9,42"), as ``kgan sample --seeds``."""
        seeds = parse_seeds(seeds) if isinstance(seeds, str) else list(seeds)
        inputs = seed_inputs(self.latent_spec, seeds, class_index(label, self.class_names), code, truncation)
        inputs.update(sentence_inputs(text, len(seeds), self.takes_text, self.metadata["variant"],
                                      **self._vocabulary()))
        # One at a time: a batch's size can change a convolution's rounding, and a seed's image must not.
        return np.concatenate([self.generate_from({name: value[i:i + 1] for name, value in inputs.items()})
                               for i in range(len(seeds))])

    def translate(self, images: np.ndarray, seed: int = 0, value_range: tuple = (-1, 1)) -> np.ndarray:
        """``images`` translated by an image-to-image generator, as ``run()`` returns them (float32 in
        [-1, 1], or uint8 for a ``--uint8`` export).

        Args:
            images: (N, H, W, C) floats in ``value_range``, or uint8 pixels (scaled to [-1, 1] here).
            seed: draws z for a generator that also takes noise, as ``kgan translate --seed`` does.
            value_range: the range of float images, (-1, 1) or (0, 1).
        """
        names = self.image_inputs
        if not names:
            raise KganError(f"this ONNX file's generator ({self.metadata['variant']}) generates from noise; "
                            f"use sample()")
        if len(names) > 1:
            raise KganError(f"this generator takes several images ({', '.join(names)}); use run() with each by name")
        images = model_images(images, self._source_shape(np.shape(images)), value_range)
        return self.run({**self.draw(len(images), seed).inputs, names[0]: images})

    def upscale(self, images, value_range: tuple = (-1, 1), tile: int | None = TILE, overlap: int = OVERLAP):
        """``images`` enlarged by an exported super-resolution generator (srresnet, srgan: dynamic height and
        width), each at its own size, as ``Sampler.upscale``: float32 in [-1, 1] (or uint8 for a ``--uint8``
        export); an array where the input was one, else a list of arrays.

        Example:
            large = OnnxSampler("generator.onnx").upscale(small_uint8)   # (N, 4H, 4W, C)
        """
        names = self.image_inputs
        shape = self.signature[names[0]][1] if len(names) == 1 else ()
        if len(shape) != 3 or shape[:2] != (None, None):
            raise KganError(f"this ONNX file's generator ({self.metadata['variant']}) does not upscale images of "
                            f"any size")

        def run(x):
            return self.session.run([OUTPUT_IMAGE], {names[0]: x})[0]

        out = [upscale_tiled(run, model_images(image[None], (*image.shape[:2], shape[-1]), value_range)[0], tile,
                             overlap) for image in as_image_list(images)]
        return np.stack(out) if isinstance(images, np.ndarray) else out

    def _source_shape(self, given: tuple = ()) -> tuple:
        """The shape of one image the translator takes: its training size, or for a graph with dynamic
        height and width the size of the ``given`` (N, H, W, C) batch, checked against its ``size_rule``
        (a one-line error naming the sizes it takes)."""
        shape = self.signature[self.image_inputs[0]][1]
        if self.size_rule and len(given) == 4 and given[3] == shape[2]:
            self.size_rule.check(*given[1:3])
            return tuple(given[1:])
        return shape
