"""Model range [-1, 1] and uint8 pixels, both ways. numpy only, for Keras-free samplers too."""

import numpy as np

from kgan.errors import KganError


def scale_to_uint8(x: np.ndarray) -> np.ndarray:
    """Map [-1, 1] float images to uint8 [0, 255]; NaN/inf (a diverged generator) are clamped."""
    x = np.nan_to_num(np.asarray(x, dtype=np.float32), nan=-1.0, posinf=1.0, neginf=-1.0)
    return np.clip(np.rint((x + 1.0) * 127.5), 0, 255).astype(np.uint8)


# The ranges float images may be given in; model_images' value_range.
VALUE_RANGES = ((-1, 1), (0, 1))


def model_images(images, expected_shape: tuple, value_range: tuple = (-1, 1)) -> np.ndarray:
    """``images`` as float32 in [-1, 1] (uint8 pixels scaled), checked against one image's ``expected_shape``.

    ``value_range``: the range float images are given in, (-1, 1) (the model's own) or (0, 1); never
    guessed from the values, so an array means the same whatever it holds. A None side in ``expected_shape``
    (a generator of any image size) takes any size."""
    if tuple(value_range) not in VALUE_RANGES:
        raise KganError(f"value_range must be (-1, 1) or (0, 1), got {value_range!r}")
    images = np.asarray(images)
    if images.ndim != len(expected_shape) + 1 or any(
            want is not None and got != want for got, want in zip(images.shape[1:], expected_shape)):
        raise KganError(f"expected images of shape (N, {', '.join(map(str, expected_shape))}), got {images.shape}")
    if not len(images):
        raise KganError("no images to translate")
    if images.dtype == np.uint8:
        return images.astype(np.float32) / np.float32(127.5) - np.float32(1.0)
    if not np.issubdtype(images.dtype, np.floating):
        raise KganError(f"expected float images in [-1, 1] or uint8 pixels, got {images.dtype}")
    images = images.astype(np.float32)
    low = float(value_range[0])
    if images.size and not (np.isfinite(images).all() and images.min() >= low and images.max() <= 1.0):
        raise KganError(f"expected float images in [{low:g}, 1] (value_range), got values in "
                        f"[{np.nanmin(images)}, {np.nanmax(images)}]")
    return images if low == -1 else images * np.float32(2) - np.float32(1)
