"""kgan project: find the generator inputs whose image matches a real image (kgan.projection)."""

from pathlib import Path

import click
import numpy as np

from kgan.cli import main
from kgan.errors import KganError

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg")
OUTPUTS = ("{}.png", "{}-compare.png", "{}.npz", "{}-z.npy", "{}-search.gif")


@main.command("project")
@click.argument("run", type=click.Path())
@click.argument("images", nargs=-1, required=True, type=click.Path())
@click.option("-o", "--outdir", type=click.Path(), required=True, help="Folder for each image's results.")
@click.option("--steps", type=click.IntRange(min=1, max=100_000), default=300, show_default=True, help="Adam steps.")
@click.option("--starts", type=click.IntRange(min=1, max=256), default=4, show_default=True,
              help="Random starts (per class of a conditional generator).")
@click.option("--lr", type=click.FloatRange(min=0, min_open=True), default=0.05, show_default=True,
              help="Adam's learning rate on the inputs.")
@click.option("--feature-weight", type=click.FloatRange(min=0), default=1.0, show_default=True,
              help="Weight of the pinned feature network's distance (0: pixels only).")
@click.option("--label", help="The class, by index or name, of a conditional generator (default: every class tried).")
@click.option("--seed", type=click.IntRange(min=0), default=0, show_default=True, help="Seeds the starts.")
def project(run, images, outdir, steps, starts, lr, feature_weight, label, seed):
    """Project IMAGES (PNG/JPEG files, or .npy arrays in [-1, 1]) into RUN's generator.

    For each image NAME, OUTDIR gets NAME.png (the projection), NAME-compare.png (the image and its
    projection side by side), NAME.npz (every generator input: `kgan sample RUN --z NAME.npz`),
    NAME-z.npy (z alone) and NAME-search.gif (the search). Images must have the generator's size
    and channels. Existing files are refused before any work.
    """
    from tqdm import tqdm

    from kgan.latent.spec import class_index
    from kgan.projection import feature_network_for
    from kgan.projection import project as project_image
    from kgan.sampling import Sampler
    from kgan.viz import image_grid, save_animation, save_png

    sampler = Sampler.load(run)
    if sampler.image_inputs or len(sampler.sample_shape) != 3:
        raise KganError(f"kgan project finds the inputs of image generators from noise; {run} is not one")
    targets = {name: image for path in images for name, image in _read_targets(Path(path), sampler.sample_shape)}
    outdir = Path(outdir)
    existing = [outdir / pattern.format(name) for name in targets for pattern in OUTPUTS
                if (outdir / pattern.format(name)).exists()]
    if existing:
        raise KganError(f"{existing[0]} exists; choose another --outdir (nothing is overwritten)")
    data_name = sampler.config.data.split(":")[0]
    features = feature_network_for(sampler.sample_shape, data_name) if feature_weight else None
    click.echo(f"features: {features.name if features else 'none (pixels only): no pinned network takes these images'}")
    outdir.mkdir(parents=True, exist_ok=True)
    label = class_index(label, sampler.class_names)
    for name, target in targets.items():
        with tqdm(total=steps, desc=name, leave=False) as bar:
            def progress(step, loss):
                bar.update(1)
                bar.set_postfix(loss=f"{loss:.4g}")
            found = project_image(sampler.generator, sampler.latent_spec, target, steps, starts, lr, features,
                                  feature_weight, label, seed, progress=progress)
        save_png(image_grid(found.image[None], pad=0), outdir / f"{name}.png")
        save_png(image_grid(np.stack([target, found.image]), columns=2), outdir / f"{name}-compare.png",
                 scale=2 if target.shape[0] <= 32 else 1)
        _save_arrays(outdir / f"{name}.npz", found.inputs)
        _save_arrays(outdir / f"{name}-z.npy", found.inputs["z"])
        save_animation(image_grid_frames(found.frames, target), outdir / f"{name}-search.gif", fps=10)
        click.echo(f"{name}: pixel MSE {found.pixel_mse:.4g} (random samples: {found.random_pixel_mse:.4g}), "
                   f"loss {found.loss:.4g}")
    click.echo(f"wrote {len(targets)} projection(s) to {outdir}")


def image_grid_frames(frames: np.ndarray, target: np.ndarray) -> np.ndarray:
    """Each frame of the search beside the target, as uint8 pictures."""
    from kgan.viz import image_grid

    return np.stack([image_grid(np.stack([target, frame]), columns=2) for frame in frames])


def _read_targets(path: Path, shape: tuple):
    """(name, image in [-1, 1]) for each image of ``path``, refused unless it has the generator's ``shape``.
    Read by kgan's own readers (``kgan translate``'s for .npy, the data folders' for image files: truncated
    PNGs and 16-bit grey included), with no resizing: a projection targets the image as it is."""
    from kgan.cli.translate_command import read_npy
    from kgan.data.dataset import uint8_to_float
    from kgan.data.folder import SIXTEEN_BIT_MODES, open_image, read_image

    if not path.is_file():
        raise KganError(f"{path} is not a file")
    suffix = path.suffix.lower()
    if suffix == ".npy":
        images = read_npy(path, shape)
        return [(path.stem if len(images) == 1 else f"{path.stem}-{i}", image) for i, image in enumerate(images)]
    if suffix not in IMAGE_SUFFIXES:
        raise KganError(f"{path}: give PNG/JPEG images or .npy arrays")
    if shape[0] != shape[1]:
        raise KganError(f"{path}: image files are read as squares; this generator makes {shape[0]}x{shape[1]} "
                        f"images (give the target as .npy)")
    with open_image(path) as image:
        mode, size = image.mode, image.size
    channels = 1 if mode in ("1", "L", *SIXTEEN_BIT_MODES) else 3
    if size != (shape[1], shape[0]) or channels != shape[-1]:
        raise KganError(f"{path} is {size[0]}x{size[1]} with {channels} channel(s); the generator makes "
                        f"{shape[1]}x{shape[0]} with {shape[-1]}: resize or convert it first")
    pixels = read_image(path, "L" if shape[-1] == 1 else "RGB", shape[0])
    return [(path.stem, uint8_to_float(pixels.reshape(1, *shape))[0])]


def _save_arrays(path: Path, arrays) -> None:
    from kgan.atomic import atomic_path

    with atomic_path(path) as tmp:
        with open(tmp, "wb") as f:
            if isinstance(arrays, dict):
                np.savez(f, **arrays)
            else:
                np.save(f, arrays)
