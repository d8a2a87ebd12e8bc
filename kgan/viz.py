"""Pictures of samples and runs: image grids and 2-D scatter plots (PNG), loss curves (PNG), training GIFs."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from kgan.atomic import atomic_path
from kgan.errors import KganError
from kgan.pixels import scale_to_uint8


def image_grid(images: np.ndarray, columns: int | None = None, pad: int = 2) -> np.ndarray:
    """(N, H, W, C) images, floats in [-1, 1] or uint8 pixels -> one (rows*H', cols*W', C) uint8 mosaic."""
    n, h, w, c = images.shape
    columns = columns or math.ceil(math.sqrt(n))
    rows = math.ceil(n / columns)
    grid = np.full((rows * (h + pad) + pad, columns * (w + pad) + pad, c), 255, np.uint8)
    for i, image in enumerate(images if images.dtype == np.uint8 else scale_to_uint8(images)):
        r, col = divmod(i, columns)
        grid[pad + r * (h + pad):pad + r * (h + pad) + h, pad + col * (w + pad):pad + col * (w + pad) + w] = image
    return grid


def scatter(points: np.ndarray, reference: np.ndarray | None = None, size: int = 512) -> np.ndarray:
    """2-D points (blue) over optional reference points (grey), on a square canvas, as RGB uint8.

    1-D points are drawn along the horizontal axis; only the first two coordinates of longer ones.
    """
    points, reference = (None if xy is None else np.pad(xy[:, :2], [(0, 0), (0, max(0, 2 - xy.shape[1]))])
                         for xy in (points, reference))
    cloud = points if reference is None else np.concatenate([points, reference])
    half = float(np.abs(cloud).max()) * 1.1 or 1.0
    image = Image.new("RGB", (size, size), "white")
    draw = ImageDraw.Draw(image)

    def dots(xy, colour):
        pixels = (xy / half + 1.0) * (size - 1) / 2
        for x, y in pixels:
            draw.ellipse([x - 1.5, size - 1 - y - 1.5, x + 1.5, size - 1 - y + 1.5], fill=colour)

    if reference is not None:
        dots(reference, (190, 190, 190))
    dots(points, (31, 119, 180))
    return np.asarray(image)


def save_png(array: np.ndarray, path: str | Path, scale: int = 1) -> None:
    image = Image.fromarray(array[..., 0] if array.shape[-1] == 1 else array)
    if scale > 1:
        image = image.resize((image.width * scale, image.height * scale), Image.NEAREST)
    with atomic_path(path) as tmp:
        image.save(tmp, format="PNG")


def save_samples(samples: np.ndarray, path: str | Path, reference: np.ndarray | None = None,
                 columns: int | None = None, row_names: list[str] | None = None) -> None:
    """A grid for image samples (``columns`` wide, default square; ``row_names`` written left of the
    rows, e.g. the class of each), a scatter plot for 2-D points."""
    if samples.ndim == 4:
        scale = 2 if samples.shape[1] <= 32 else 1
        grid = image_grid(samples, columns)
        if row_names:
            grid = with_row_names(grid, row_names, samples.shape[1])
        save_png(grid, path, scale=scale)
    else:
        save_png(scatter(samples, reference), path)


def with_row_names(grid: np.ndarray, names: list[str], row_height: int, pad: int = 2) -> np.ndarray:
    """``grid`` (from ``image_grid``) with a white margin on its left holding each row's name."""
    font = ImageFont.load_default()
    width = max(int(font.getlength(str(name))) for name in names) + 2 * pad
    margin = Image.new("RGB" if grid.shape[-1] == 3 else "L", (width, grid.shape[0]), "white")
    draw = ImageDraw.Draw(margin)
    for row, name in enumerate(names):
        draw.text((pad, pad + row * (row_height + pad) + row_height // 2), str(name), fill="black", font=font,
                  anchor="lm")
    return np.concatenate([np.asarray(margin).reshape(grid.shape[0], width, -1), grid], axis=1)


# ---------------------------------------------------------------- training history

# The loss plot's panels, by the ``panel`` a logged value declares (kgan.training.terms.Stat).
_PANELS = {
    "loss": ("Loss", "loss"),
    # Probabilities for the cross-entropy losses, raw critic scores for lsgan, wasserstein and
    # hinge; the records do not say which, so the panel names neither.
    "output": ("D output: real vs fake", "mean D output"),
}
LOSS_PLOT_INCHES, LOSS_PLOT_DPI = (8.0, 6.0), 100  # an 800 x 600 PNG


def save_loss_plot(records: list[dict], path: str | Path, stats) -> None:
    """The run's ``metrics.jsonl`` records as a PNG: losses above, D's outputs on real and fake below.

    ``stats``: what the run logs, each with a ``name``, legend ``label``, ``panel`` and ``line``
    style (``kgan.training.terms.Stat``; a run records its own in config.json). Stats no record holds
    are left out; a panel none of whose stats were logged is dropped.
    """
    # matplotlib is only needed here, and its Figure with an explicit Agg canvas leaves pyplot's
    # global backend alone (safe inside a notebook or a GUI that uses another one).
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    if not records:
        raise KganError("no logged steps to plot: the run's metrics.jsonl is empty "
                        "(a line is written every --log-every steps)")
    panels = [(title, ylabel, [(s.name, s.label, s.line) for s in stats
                               if s.panel == panel and any(s.name in r for r in records)])
              for panel, (title, ylabel) in _PANELS.items()]
    panels = [panel for panel in panels if panel[2]]
    if not panels:
        raise KganError(f"the metrics records hold none of {', '.join(s.name for s in stats)}")
    figure = Figure(figsize=LOSS_PLOT_INCHES, dpi=LOSS_PLOT_DPI, layout="constrained")
    FigureCanvasAgg(figure)
    axes = figure.subplots(len(panels), 1, sharex=True, squeeze=False)[:, 0]
    marker = "o" if len(records) < 30 else None  # a short run's few points stay visible
    for ax, (title, ylabel, lines) in zip(axes, panels):
        for key, label, style in lines:
            logged = [(r.get("step", i + 1), r[key]) for i, r in enumerate(records) if key in r]
            ax.plot(*zip(*logged), style, label=label, marker=marker, markersize=3,
                    linewidth=1.5 if style == "-" else 1.0)
        ax.set_title(title)
        ax.set_ylabel(ylabel)
        ax.grid(alpha=0.3)
        ax.legend(loc="best", fontsize="small")
    axes[-1].set_xlabel("step")
    with atomic_path(path) as tmp:
        figure.savefig(tmp, format="png")


def save_training_gif(samples_dir: str | Path, path: str | Path, duration_ms: int = 300) -> None:
    """The run's fixed-noise grids (``samples/*.png``), one frame each, as a GIF that loops forever.

    Frames go in file-name order, which is chronological: ``epoch_NNNN`` grids, then the
    ``step_NNNNNNN`` grid of a run that ended inside an epoch. Pillow stores identical
    consecutive grids as one frame shown for their summed durations, which plays the same.
    """
    if not isinstance(duration_ms, (int, np.integer)) or duration_ms < 1:
        raise KganError(f"frame duration must be >= 1 ms, got {duration_ms}")
    pngs = sorted(Path(samples_dir).glob("*.png"))
    if not pngs:
        raise KganError(f"no sample grids (*.png) in {samples_dir}; a run writes one after each epoch")
    frames = []
    for png in pngs:
        with Image.open(png) as image:
            frames.append(image.convert("L" if image.mode in ("L", "LA", "I", "I;16") else "RGB"))
    with atomic_path(path) as tmp:
        frames[0].save(tmp, format="GIF", save_all=True, append_images=frames[1:], duration=duration_ms, loop=0)


def save_animation(frames: np.ndarray, path: str | Path, fps: int = 30) -> None:
    """(T, H, W, C) uint8 frames as a video: ``.gif`` through Pillow, ``.mp4`` (H.264) through imageio-ffmpeg
    (``pip install 'kgan[video]'``: its wheel carries the ffmpeg binary).

    Frames are scaled up by a whole factor to at least 256 pixels a side, and MP4 frames padded to
    even sides in RGB, which H.264 players expect.
    """
    path = Path(path)
    if not isinstance(fps, (int, np.integer)) or not 1 <= fps <= 120:
        raise KganError(f"frames per second must be an integer in 1..120, got {fps}")
    scale = max(1, math.ceil(256 / min(frames.shape[1:3])))
    frames = frames.repeat(scale, axis=1).repeat(scale, axis=2)
    if path.suffix.lower() == ".gif":
        images = [Image.fromarray(frame[..., 0] if frame.shape[-1] == 1 else frame) for frame in frames]
        with atomic_path(path) as tmp:
            images[0].save(tmp, format="GIF", save_all=True, append_images=images[1:],
                           duration=round(1000 / fps), loop=0)
        return
    try:
        import imageio_ffmpeg
    except ImportError:
        raise KganError(f"{path.name}: MP4 needs imageio-ffmpeg (pip install 'kgan[video]'); or write a .gif") from None
    rgb = np.broadcast_to(frames, (*frames.shape[:3], 3)) if frames.shape[-1] == 1 else frames[..., :3]
    even = np.ascontiguousarray(np.pad(rgb, [(0, 0), (0, rgb.shape[1] % 2), (0, rgb.shape[2] % 2), (0, 0)]))
    with atomic_path(path) as tmp:
        writer = imageio_ffmpeg.write_frames(str(tmp), (even.shape[2], even.shape[1]), fps=fps, codec="libx264",
                                             macro_block_size=1, output_params=["-f", "mp4"])
        writer.send(None)  # start ffmpeg
        for frame in even:
            writer.send(frame)
        writer.close()


def captioned_row(panels: list[np.ndarray], captions: list[list[str]], pad: int = 4) -> np.ndarray:
    """uint8 images of one size side by side, each with lines of text above it, on white (RGB out)."""
    font = ImageFont.load_default()
    line = 12
    # Small panels are enlarged by a whole factor (nearest pixel) until their captions fit beneath them.
    text_width = max(font.getlength(text) for lines in captions for text in lines)
    zoom = max(1, math.ceil(text_width / min(panel.shape[1] for panel in panels)))
    panels = [panel.repeat(zoom, axis=0).repeat(zoom, axis=1) for panel in panels]
    text_height = line * max(len(lines) for lines in captions) + pad
    height = text_height + max(panel.shape[0] for panel in panels) + pad
    width = sum(panel.shape[1] for panel in panels) + pad * (len(panels) + 1)
    canvas = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(canvas)
    left = pad
    for panel, lines in zip(panels, captions):
        rgb = np.repeat(panel, 3, axis=-1) if panel.shape[-1] == 1 else panel[..., :3]
        canvas.paste(Image.fromarray(rgb), (left, text_height))
        for i, text in enumerate(lines):
            draw.text((left, pad // 2 + i * line), text, fill="black", font=font)
        left += panel.shape[1] + pad
    return np.asarray(canvas)
