"""Model range [-1, 1] to uint8 pixels. numpy only, for Keras-free samplers too."""

import numpy as np


def scale_to_uint8(x: np.ndarray) -> np.ndarray:
    """Map [-1, 1] float images to uint8 [0, 255]; NaN/inf (a diverged generator) are clamped."""
    x = np.nan_to_num(np.asarray(x, dtype=np.float32), nan=-1.0, posinf=1.0, neginf=-1.0)
    return np.clip(np.rint((x + 1.0) * 127.5), 0, 255).astype(np.uint8)
