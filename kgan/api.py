"""The Python API: ``kgan.train`` and ``kgan.load``, returning a ``Run``.

Everything here is also what ``kgan train`` and ``kgan sample`` do; a run trained from Python is an
ordinary run directory, which the CLI samples, resumes and exports, and the other way round.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np

from kgan.atomic import atomic_path
from kgan.errors import KganError
from kgan.upscaling import TILE


class Run:
    """A trained (or training) run directory, from ``kgan.train`` or ``kgan.load``.

    Args:
        path: the run directory.

    Example:
        run = kgan.load("runs/dcgan-fashion_mnist-...")
        images = run.sample(16, seed=0)           # (16, 28, 28, 1) in [-1, 1]
        run.generator.save("generator.keras")     # the Keras model, for your own code
        run.export_onnx("generator.onnx")
        losses = [line["g_loss"] for line in run.history]
        zebras = kgan.load("runs/cyclegan-...").translate(horses, direction="a2b")
        run.resume(epochs=10)                     # continue it, exactly as kgan train --resume
    """

    def __init__(self, path: str | Path):
        from kgan.rundir import RunDir

        self.path = RunDir.open(path).path
        self._sampler = None

    def __repr__(self) -> str:
        return f"Run({str(self.path)!r})"

    @property
    def sampler(self):
        from kgan.sampling import Sampler

        if self._sampler is None:
            self._sampler = Sampler.load(self.path)
        return self._sampler

    @property
    def config(self):
        """The run's resolved settings (a ``kgan.config.TrainConfig``)."""
        return self.sampler.config

    @property
    def generator(self):
        """The generator as a ``keras.Model`` (the EMA weights for runs trained with ``ema``)."""
        return self.sampler.generator

    @property
    def history(self) -> list[dict]:
        """The lines of metrics.jsonl: per logged step, d_loss, g_loss, d_real, d_fake and the extra terms."""
        from kgan.rundir import RunDir

        return RunDir(self.path).read_metrics()

    def sample(self, n: int, seed: int = 0, label: int | None = None, code: str | None = None,
               truncation: float = 1.0, text=None) -> np.ndarray:
        """``n`` samples in [-1, 1], as ``kgan sample`` draws them (``truncation``: psi, see ``sample_seeds``);
        ``text``: a text2image run's sentence (a string), or a list of them (``ceil(n / len(text))`` of each)."""
        return self.sampler.sample(n, seed, label, code, truncation, text=text)

    def sample_seeds(self, seeds, label: int | None = None, code: str | None = None,
                     truncation: float = 1.0, text: str | None = None) -> np.ndarray:
        """One sample in [-1, 1] per seed (a list, or "0-9,42"), each seed's z drawn alone, so seed 42 gives the
        same image whatever else is asked; ``truncation`` psi in [0, 1] pulls z toward its mean, as
        ``kgan sample --seeds ... --truncation PSI``; ``text``: a text2image run's sentence."""
        return self.sampler.sample_seeds(seeds, label, code, truncation, text=text)

    def walk(self, path: str | Path, seeds="0-3", frames: int = 60, fps: int = 30, label=None, code: str | None = None,
             truncation: float = 1.0) -> Path:
        """A video (``.mp4`` with kgan[video], or ``.gif``) of a walk through the z of ``seeds``, as
        ``kgan viz walk`` films it."""
        from kgan.viz import save_animation

        save_animation(self.sampler.walk_frames(seeds, frames, label, code, truncation), path, fps)
        return Path(path)

    def project(self, image: np.ndarray, steps: int = 300, starts: int = 4, learning_rate: float = 0.05,
                feature_weight: float = 1.0, label=None, seed: int = 0):
        """The generator inputs whose image matches ``image`` ((H, W, C) in [-1, 1] or uint8), as
        ``kgan project`` finds them: a ``kgan.projection.Projection`` (``inputs``, ``image``, losses, frames)."""
        from kgan.latent.spec import class_index
        from kgan.pixels import model_images
        from kgan.projection import feature_network_for, project

        target = model_images(np.asarray(image)[None], self.sampler.sample_shape)[0]
        features = feature_network_for(target.shape, self.config.data.split(":")[0]) if feature_weight else None
        return project(self.generator, self.sampler.latent_spec, target, steps, starts, learning_rate, features,
                       feature_weight, class_index(label, self.sampler.class_names), seed)

    def resume(self, epochs: int | None = None, steps: int | None = None, devices: int | None = None,
               data_on: str | None = None, steps_per_call: int | None = None, checkpoint_minutes: float | None = None,
               progress: bool = True) -> "Run":
        """Continue the run from its checkpoint, as ``kgan train --resume``: up to a new total of
        ``epochs``/``steps`` if given, on ``devices``, with the data placed by ``data_on``, ``steps_per_call``
        steps per compiled call and a time checkpoint every ``checkpoint_minutes``; None keeps the run's own.
        Returns this run."""
        from kgan.training import run_loop

        run_loop.resume(self.path, epochs, steps, progress, devices, data_on=data_on, steps_per_call=steps_per_call,
                        checkpoint_minutes=checkpoint_minutes)
        self._sampler = None  # the checkpoint moved on
        return self

    def translate(self, images: np.ndarray, direction: str = "a2b", value_range: tuple = (-1, 1)) -> np.ndarray:
        """An image-to-image run's translations of ``images`` (NHWC uint8 pixels, or floats in
        ``value_range``: (-1, 1), the default, or (0, 1)) in ``direction`` (``a2b`` or ``b2a``), as
        ``kgan translate --value-range`` makes them; [-1, 1] floats out."""
        from kgan.sampling import Sampler

        return Sampler.load(self.path, direction=direction).translate(images, value_range=value_range)

    def upscale(self, images, value_range: tuple = (-1, 1), tile: int | None = TILE):
        """``images`` enlarged by a super-resolution run (srresnet, srgan), each at its own size: (N, H, W, C)
        floats in ``value_range`` or uint8, or a list of (H, W, C) arrays; [-1, 1] floats out
        (``Sampler.upscale``; images above ``tile`` LR pixels a side go in overlapping tiles)."""
        return self.sampler.upscale(images, value_range=value_range, tile=tile)

    def export_onnx(self, path: str | Path | None = None, uint8: bool = False, direction: str | None = None) -> Path:
        """The generator as an ONNX file (default RUN/generator.onnx), as ``kgan export --onnx``
        (``direction``: which of an image-to-image run's generators)."""
        from kgan.export.onnx_export import export_onnx

        return export_onnx(self.path, path, uint8=uint8, direction=direction)


def load(path: str | Path) -> Run:
    """The run in ``path`` (a run directory), to sample, inspect or export."""
    return Run(path)


def train(variant: str | None = None, data="mnist", *, labels=None, captions=None, generator=None,
          discriminator=None, out: str | Path | None = None, callbacks=None, progress: bool = True, **settings) -> Run:
    """Train a GAN and return its ``Run``.

    Args:
        variant: a registered variant (``kgan list``), or None with ``generator`` and
            ``discriminator`` for your own networks.
        data: a data spec (``"fashion_mnist"``, ``"npz:FILE"``, ...) or a numpy array: images
            (N, H, W[, C]) as uint8 or floats in [0, 1] or [-1, 1], or points (N, D); for an
            image-to-image variant, two arrays of images, ``(a, b)`` or ``{"a": a, "b": b}`` (pix2pix:
            a[i] pairs with b[i]). Arrays are saved in the run as data.npz, so the run resumes like any other.
        labels: class labels (N,) for an array ``data`` (conditional variants).
        captions: each image's captions for an array ``data`` of images (text-encoder, text2image): a list of N
            strings or of N lists of strings (several captions of one image; their counts may differ), or an
            (N, K) string array with ``""`` for none. Saved with the images in data.npz, as ``captions:FILE.npz``
            holds them (``kgan.data.captions``).
        generator, discriminator: your own ``keras.Model``s: the generator takes an input named
            ``z`` and returns samples of the data's shape; the discriminator takes ``sample`` and
            returns logits. They are saved in the run (``networks/``), and every weight is drawn
            again from the initializer its layer declares.
        out: the run directory (default ``runs/VARIANT-DATA-TIME``).
        callbacks: ``keras.callbacks.Callback`` objects: per step and per epoch, with the generator
            as their ``model``; setting ``model.stop_training`` ends the run after that step.
        progress: show a progress bar.
        **settings: any ``kgan train`` setting by its TrainConfig name (``epochs``, ``steps``,
            ``batch_size``, ``lr_g``, ``loss``, ``ema``, ...).

    Returns:
        the ``Run``.

    Example:
        import kgan
        run = kgan.train("dcgan", data="fashion_mnist", epochs=5, out="runs/fmnist")
        run = kgan.train("dcgan", data=x_uint8, steps=200, callbacks=[keras.callbacks.EarlyStopping(...)])
        encoder = kgan.train("text-encoder", data=x_uint8, captions=[["a red seven", "a seven in red"], ...])
    """
    from kgan.training import assembly, network_checks, run_loop

    if (generator is None) != (discriminator is None):
        raise KganError("give both generator and discriminator, or neither")
    if generator is not None and variant not in (None, "custom"):
        raise KganError(f"your own networks train as the custom variant, not {variant}; leave variant out")
    if isinstance(data, str) and (labels is not None or captions is not None):
        raise KganError(f"{'labels' if labels is not None else 'captions'} go with array data; a data spec "
                        f"brings its own")
    variant = "custom" if generator is not None else variant or "dcgan"
    arrays, kind = _data_arrays(variant, data, labels, captions)
    network_checks.check_callbacks(callbacks)
    # Arrays get their file once the run directory exists.
    config = assembly.resolve_config(variant, **{**settings, "data": data if arrays is None else f"{kind}:arrays"})
    if generator is not None:
        network_checks.check_networks(generator, discriminator, config, network_checks.sample_shape_of(config, data))
    out = Path(out or assembly.default_run_path(config))
    if _failed_at_start(out):
        shutil.rmtree(out)  # only kgan's own files, and no checkpoint: nothing of the user's is lost
    if out.exists() and any(out.iterdir()):
        raise KganError(f"{out} already exists and is not empty; use kgan.train(..., out=another) or resume it")
    out.mkdir(parents=True, exist_ok=True)
    try:
        if arrays is not None:
            config = config.replace(data=f"{kind}:{_save_arrays(out / 'data.npz', arrays)}")
        if generator is not None:
            networks = out / "networks"
            networks.mkdir()
            generator.save(networks / "generator.keras")
            discriminator.save(networks / "discriminator.keras")
            config = config.replace(networks=str(networks.resolve()))
        training = run_loop.Training.start(config, out)
    except BaseException:  # bad data or networks: leave no half-made run behind
        shutil.rmtree(out)
        raise
    training.run_loop(progress, callbacks)  # a crash leaves status.json saying "failed" (run_loop)
    return Run(out)


# What a run holds before its first checkpoint: what kgan.train may clear when the same ``out`` starts again.
_BEFORE_FIRST_CHECKPOINT = {"config.json", "status.json", ".lock", "metrics.jsonl", "samples", "tensorboard",
                            "losses.png", "training.gif", "data.npz", "networks"}


def _failed_at_start(out: Path) -> bool:
    """Whether ``out`` holds a run that failed before its first checkpoint, and nothing else."""
    from kgan.rundir import RunDir

    if not (out / "status.json").is_file() or (out / "checkpoint.npz").exists():
        return False
    run = RunDir(out)
    return (run.status().get("state") == "failed" and not run.is_locked()
            and all(p.name in _BEFORE_FIRST_CHECKPOINT for p in out.iterdir()))


def _data_arrays(variant: str, data, labels, captions) -> tuple[dict | None, str]:
    """The arrays ``data`` gives (None for a data spec) by their name in data.npz, and the spec kind that
    reads that file: ``npz`` for samples (and labels), the name of the variant's batch source (``paired``,
    ``unpaired``) for two image domains, given as ``(a, b)`` or ``{"a": a, "b": b}``, ``captions`` for
    images with ``captions``."""
    from kgan.data.captions import caption_table
    from kgan.variants import get_variant

    if isinstance(data, str):
        return None, ""
    source = get_variant(variant).data
    if (captions is not None) != (source.name == "captions"):
        raise KganError(f"{variant} learns images from their captions: give kgan.train(..., data=images, "
                        f"captions=[[...], ...])" if captions is None else f"{variant} takes no captions")
    if captions is not None:
        if labels is not None:
            raise KganError(f"{variant} learns images from their captions; it takes no labels")
        x = np.asarray(data)
        return {"x": x, "captions": caption_table(captions, len(x))}, source.name
    if isinstance(data, dict) or (source.two_domains and isinstance(data, (tuple, list)) and len(data) == 2):
        if isinstance(data, dict) and set(data) != {"a", "b"}:
            raise KganError(f"data as a dict holds two image domains under 'a' and 'b'; "
                            f"got keys {sorted(map(str, data))}")
        if not source.two_domains:
            raise KganError(f"{variant} learns one set of samples; give one array, not two domains")
        if labels is not None:
            raise KganError(f"{variant} translates between two domains; it takes no labels")
        domains = {name: np.asarray(data[name] if isinstance(data, dict) else data["ab".index(name)]) for name in "ab"}
        for name, images in domains.items():
            if images.ndim not in (3, 4):
                raise KganError(f"domain {name} must be an array of images (N, H, W[, C]), got shape {images.shape}")
        return domains, source.name
    if np.ndim(data) < 2:
        raise KganError(f"data must be a string (a data spec), an array of samples, or two arrays of images "
                        f"(a, b) for an image-to-image variant; got {type(data).__name__}")
    x = np.asarray(data)
    return ({"x": x} if labels is None else {"x": x, "y": np.asarray(labels)}), "npz"


def _save_arrays(path: Path, arrays: dict) -> Path:
    with atomic_path(path) as tmp:
        with open(tmp, "wb") as f:
            np.savez(f, **arrays)
    return path.resolve()
