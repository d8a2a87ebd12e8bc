"""kgan sample: draw samples from a trained run to a PNG grid or an NPY array."""

from pathlib import Path

import click
import numpy as np

from kgan.cli import main
from kgan.errors import KganError


@main.command("sample")
@click.argument("source", type=click.Path())
@click.option("-n", "count", type=int, default=64, show_default=True, help="Number of samples.")
@click.option("--seed", type=int, default=0, show_default=True, help="Seed for z.")
@click.option("-o", "--output", type=click.Path(), required=True, help="FILE.png (a grid) or FILE.npy (raw array).")
def sample(source, count, seed, output):
    """Sample from SOURCE, a run directory or a checkpoint file."""
    from kgan.atomic import atomic_path
    from kgan.sampling import Sampler
    from kgan.viz import save_samples

    output = Path(output)
    if output.suffix.lower() not in (".png", ".npy"):
        raise KganError(f"output must end in .png or .npy, got {output}")
    if not output.parent.is_dir():
        raise KganError(f"directory {output.parent} does not exist")
    samples = Sampler.load(source).sample(count, seed=seed)
    if output.suffix.lower() == ".npy":
        with atomic_path(output) as tmp:
            with open(tmp, "wb") as f:
                np.save(f, samples)
    else:
        save_samples(samples, output)
    click.echo(f"wrote {len(samples)} samples of shape {samples.shape[1:]} to {output}")
