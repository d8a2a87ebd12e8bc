"""kgan viz: pictures of a run: its losses, its training as a GIF, walks through its latent space."""

from pathlib import Path

import click

from kgan.cli import main, output_file
from kgan.errors import KganError
from kgan.latent.walks import ARITHMETIC_NOISE_STD, MODES


@main.group("viz")
def viz():
    """Pictures of a run: loss curves, a training GIF, interpolations, vector arithmetic, code traversals."""


def _run_dir(path: str):
    from kgan.rundir import RunDir

    if not Path(path).exists():
        raise KganError(f"{path} does not exist")
    return RunDir.open(path)


def _image_sampler(source: str, command: str):
    """The run's generator; the walks lay out image grids, which 2-D points have no use for."""
    from kgan.sampling import Sampler

    sampler = Sampler.load(source)
    if sampler.image_inputs:
        raise KganError(f"kgan viz {command} walks the latent space of a generator from noise; "
                        f"{sampler.config.variant} translates images (use kgan translate)")
    if len(sampler.sample_shape) != 3:
        raise KganError(f"kgan viz {command} draws image grids; this run generates points of shape "
                        f"{tuple(sampler.sample_shape)} (use kgan sample for a scatter plot)")
    return sampler


def _write_grid(sampler, inputs, output: Path, what: str) -> None:
    from kgan.viz import save_samples

    samples = sampler.generate_from(inputs.inputs)
    save_samples(samples, output, columns=inputs.columns)
    click.echo(f"wrote {what}: {_count(len(samples) // inputs.columns, 'row')} of {inputs.columns} to {output}")


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'s' * (n != 1)}"


_RUN = click.argument("run", type=click.Path())
_OUTPUT = click.option("-o", "--output", type=click.Path(), required=True, help="The file to write.")
_SEED = click.option("--seed", type=click.IntRange(min=0), default=0, show_default=True, help="Seed for z (and codes).")
_ROWS = click.option("--rows", type=click.IntRange(min=1), default=8, show_default=True, help="Rows of the grid.")
_STEPS = click.option("--steps", type=click.IntRange(min=2), default=10, show_default=True, help="Columns of each row.")


@viz.command("losses")
@_RUN
@_OUTPUT
def losses(run, output):
    """Plot RUN's losses and D's outputs against the step.

    A PNG from RUN's metrics.jsonl: D and G loss (and the extra terms that were on) above, D's
    mean output on real and on fake images below. D's outputs are probabilities for the
    cross-entropy losses and raw scores for lsgan, wasserstein and hinge.
    """
    from kgan.training.monitor import logged_stats
    from kgan.viz import save_loss_plot

    output = output_file(output, ".png")
    run_dir = _run_dir(run)
    try:
        records = run_dir.read_metrics()
    except ValueError as e:  # a line that is not JSON
        raise KganError(f"unreadable {run_dir.metrics_path}: {e}") from None
    save_loss_plot(records, output, logged_stats(run_dir))
    click.echo(f"wrote the losses of {_count(len(records), 'logged step')} to {output}")


@viz.command("gif")
@_RUN
@_OUTPUT
@click.option("--duration-ms", type=click.IntRange(min=1), default=300, show_default=True, help="Time per frame.")
def gif(run, output, duration_ms):
    """RUN's sample grids, one per epoch, as a GIF.

    The fixed-noise grids of samples/*.png in the order they were written; the GIF loops forever.
    """
    from kgan.viz import save_training_gif

    output = output_file(output, ".gif")
    run_dir = _run_dir(run)
    save_training_gif(run_dir.samples_dir, output, duration_ms)
    click.echo(f"wrote {_count(len(list(run_dir.samples_dir.glob('*.png'))), 'grid')} to {output}")


@viz.command("interpolate")
@_RUN
@_OUTPUT
@click.option("--mode", type=click.Choice(MODES), default="linear", show_default=True,
              help="Straight lines, or great circles (slerp), which keep the norm of Gaussian z.")
@_ROWS
@_STEPS
@_SEED
@click.option("--label", type=click.IntRange(min=0),
              help="Class of every row (cgan, acgan); default: row i is class i % classes.")
@click.option("--text", "texts", multiple=True,
              help="text2image: give two, --text A --text B, to walk from sentence A to B (z fixed per row).")
def interpolate(run, output, mode, rows, steps, seed, label, texts):
    """Walks between random z, one per row; or, for text2image, between two sentences.

    RUN is a run directory or checkpoint; the grid is a PNG. Row i starts at the z of sample i of
    `kgan sample RUN --seed SEED`. InfoGAN codes are random per row and held fixed along it. With
    --text A --text B, row i keeps that z while the text embedding goes from A's to B's in a straight line
    (Reed et al. 2016's figure).
    """
    from kgan.latent.walks import interpolation_inputs
    from kgan.networks import takes_text
    from kgan.viz import save_samples

    output = output_file(output, ".png")
    sampler = _image_sampler(run, "interpolate")
    if texts or takes_text(sampler.generator):
        if len(texts) != 2:
            raise KganError(f"{sampler.config.variant} interpolates between two sentences: give --text A --text B"
                            if takes_text(sampler.generator) else "--text is for text2image runs")
        save_samples(sampler.interpolate_text(*texts, rows=rows, steps=steps, seed=seed), output, columns=steps)
        click.echo(f"wrote interpolations from {texts[0]!r} to {texts[1]!r}: {_count(rows, 'row')} of {steps} "
                   f"to {output}")
        return
    inputs = interpolation_inputs(sampler.latent_spec, rows, steps, seed, mode, label)
    _write_grid(sampler, inputs, output, f"{mode} interpolations")


@viz.command("arithmetic")
@_RUN
@_OUTPUT
@click.option("--a", "group_a", required=True, help="Sample indices of group A, e.g. 3,7,12.")
@click.option("--b", "group_b", required=True, help="Sample indices of group B (subtracted).")
@click.option("--c", "group_c", required=True, help="Sample indices of group C (added).")
@click.option("--count", type=click.IntRange(min=1), default=8, show_default=True,
              help="Results to draw: the arithmetic z, then the same plus noise.")
@click.option("-n", "num_samples", type=int, default=64, show_default=True, help="The -n of the kgan sample grid.")
@_SEED
@click.option("--label", type=click.IntRange(min=0), help="The --label of the kgan sample grid, if it had one.")
@click.option("--code", help="The --code of the kgan sample grid, if it had one.")
def arithmetic(run, output, group_a, group_b, group_c, count, num_samples, seed, label, code):
    """Vector arithmetic: mean(A) - mean(B) + mean(C).

    On z, as in DCGAN (Radford et al., sec. 6.3); the output is a PNG strip. The indices count (in
    row order) the samples of `kgan sample RUN -n N --seed SEED` (with the
    same --label/--code if it had them), so you pick them from that grid. The strip shows the
    images of mean(A), mean(B) and mean(C), then COUNT results: the arithmetic z, and COUNT - 1
    more with N(0, 0.25^2) noise added to each coordinate, to show whether the result holds
    around that point of z.

    Conditional and InfoGAN runs: z does not carry the class or codes, so each mean image uses
    the label (codes) of its group's first index, and every result those of A's first index:
    what the arithmetic changes is the rest of the image (style, pose), within A's class.
    """
    from kgan.latent import SamplingInputs
    from kgan.latent.walks import arithmetic_strip

    output = output_file(output, ".png")
    sampler = _image_sampler(run, "arithmetic")
    drawn = sampler.draw(num_samples, seed, label, code).inputs
    available = len(drawn["z"])
    groups = [_indices(name, text, available, num_samples, seed)
              for name, text in (("--a", group_a), ("--b", group_b), ("--c", group_c))]
    z = arithmetic_strip([drawn["z"][group] for group in groups], count, seed, ARITHMETIC_NOISE_STD)
    firsts = [group[0] for group in groups]
    rows = firsts + [firsts[0]] * count  # whose label / codes each image of the strip takes
    inputs = {"z": z, **{name: value[rows] for name, value in drawn.items() if name != "z"}}
    _write_grid(sampler, SamplingInputs(inputs, columns=len(z)), output, "mean(A), mean(B), mean(C), A - B + C")


def _indices(option: str, text: str, available: int, num_samples: int, seed: int) -> list[int]:
    try:
        indices = [int(item) for item in text.split(",")]
    except ValueError:
        raise KganError(f"{option} takes comma-separated sample indices, e.g. 3,7,12; got {text!r}") from None
    for index in indices:
        if not 0 <= index < available:
            raise KganError(f"{option} index {index} is outside 0..{available - 1}, the samples of "
                            f"kgan sample -n {num_samples} --seed {seed}")
    return indices


@viz.command("traversal")
@_RUN
@_OUTPUT
@click.option("--code", "code_index", type=click.IntRange(min=0), required=True,
              help="Which InfoGAN code to vary (0-based, in the order of the run's codes).")
@_STEPS
@_ROWS
@click.option("--range", "value_range", default="-2,2", show_default=True,
              help="LOW,HIGH of a continuous code (trained on -1..1).")
@_SEED
def traversal(run, output, code_index, steps, rows, value_range, seed):
    """InfoGAN: vary one code across the columns.

    z and the other codes stay fixed along each row (random per row). A categorical code shows
    each of its categories (one column each, whatever --steps says); a continuous one STEPS values
    evenly over --range.
    """
    from kgan.latent.walks import code_traversal_inputs

    output = output_file(output, ".png")
    bounds = _bounds(value_range)
    sampler = _image_sampler(run, "traversal")
    inputs = code_traversal_inputs(sampler.latent_spec, code_index, steps, rows, seed, bounds)
    _write_grid(sampler, inputs, output, f"a traversal of code {code_index}")


def _bounds(text: str) -> tuple[float, float]:
    try:
        low, high = (float(item) for item in text.split(","))
    except ValueError:  # not numbers, or not two of them
        raise KganError(f"--range takes two numbers LOW,HIGH, e.g. -2,2; got {text!r}") from None
    return low, high


@viz.command("walk")
@_RUN
@click.option("-o", "--output", type=click.Path(), required=True, help="walk.mp4 (needs kgan[video]) or walk.gif.")
@click.option("--seeds", "seed_list", default="0-3", show_default=True,
              help="The keyframes: seeds and ranges, in order, as for kgan sample --seeds.")
@click.option("--frames", type=click.IntRange(min=2), default=60, show_default=True,
              help="Frames per leg from one seed to the next (both ends).")
@click.option("--fps", type=click.IntRange(min=1, max=120), default=30, show_default=True, help="Frames per second.")
@click.option("--label", help="Class of every frame (conditional generators), by index or name.")
@click.option("--code", help="InfoGAN codes held along the walk, e.g. 3,*,0.5 (default: the first seed's).")
@click.option("--truncation", type=float, default=1.0, show_default=True, help="Truncation psi of every keyframe.")
def walk(run, output, seed_list, frames, fps, label, code, truncation):
    """A video of a walk through the z of --seeds: slerp for Gaussian z, straight lines for uniform z.

    Keyframe k is the image of `kgan sample RUN --seeds k`; RUN is a run directory or checkpoint.
    """
    from kgan.latent.seeds import parse_seeds
    from kgan.viz import save_animation

    output = output_file(output, ".mp4", ".gif")
    seeds = parse_seeds(seed_list)
    images = _image_sampler(run, "walk").walk_frames(seeds, frames, label, code, truncation)
    save_animation(images, output, fps)
    click.echo(f"wrote {len(images)} frames through seeds {seed_list} to {output}")
