"""kgan sample: draw samples from a trained run, or from an exported ONNX file, to PNG or NPY."""


from pathlib import Path

import click
import numpy as np

from kgan.cli import main, output_file
from kgan.cli.overwrite import OVERWRITE, check_new_output
from kgan.errors import KganError

# A grid past 10,000 images is no longer a picture; a .npy of a million 28x28 images is 3 GB.
MAX_SAMPLES = {".png": 10_000, ".npy": 1_000_000}


@main.command("sample")
@click.argument("source", type=click.Path(), required=False)
@click.option("--onnx", "onnx_file", type=click.Path(),
              help="Sample from this exported FILE.onnx with onnxruntime (no Keras).")
@click.option("--provider", multiple=True,
              help="onnxruntime execution provider(s) to use with --onnx: cuda, cpu or a full name (default: CUDA "
                   "if offered, else CPU; cuda falls back to CPU with a note where there is none).")
@click.option("-n", "count", type=int, default=64, show_default=True, help="Number of samples.")
@click.option("--seed", type=click.IntRange(min=0), default=0, show_default=True, help="Seed for z.")
@click.option("--label", help="Class of every sample (cgan, acgan), by index or name; default: a row per class.")
@click.option("--code",
              help="InfoGAN codes, one value per code, * for random: e.g. 3,*,0.5; default: a row per category.")
@click.option("--text", "texts", multiple=True,
              help="A sentence to draw (text2image); several --text give a row each.")
@click.option("--seeds", "seed_list",
              help="One sample per seed, each drawn alone (seed 42 is the same image whatever else is asked): "
                   "seeds and ranges, e.g. 0-99,500; instead of -n/--seed.")
@click.option("--truncation", type=float, default=1.0, show_default=True,
              help="Truncation psi in [0, 1]: z pulled toward its mean (1: none).")
@click.option("--truncation-sweep", help="With --seeds: a row per psi, e.g. 1,0.7,0.5 (columns: the seeds).")
@click.option("--z", "z_file", type=click.Path(),
              help="The generator's inputs from a file instead of a seed: z as FILE.npy (N, latent_dim), or "
                   "FILE.npz with every input by name, as kgan project writes it.")
@click.option("-o", "--output", type=click.Path(), help="FILE.png (a grid) or FILE.npy (raw array).")
@click.option("--outdir", type=click.Path(), help="With --seeds: one PNG per seed (seed0042.png) in this folder.")
@OVERWRITE
def sample(source, onnx_file, provider, count, seed, label, code, texts, seed_list, truncation, truncation_sweep,
           z_file, output, outdir, overwrite):
    """Sample from SOURCE (a run directory or checkpoint file), or from --onnx FILE.

    NPY output holds floats in [-1, 1] from a run, uint8 pixels from an ONNX file. Conditional
    and InfoGAN generators without --label/--code give one row per class (category) of
    ceil(N / classes) samples, in row order. With --seeds, a conditional generator needs --label.
    A text2image generator draws the sentence of --text (several: a row of ceil(N / texts) each).
    """
    from kgan.atomic import atomic_path
    from kgan.latent.seeds import check_truncation, parse_seeds, parse_truncations
    from kgan.viz import save_samples

    if bool(output) == bool(outdir):
        raise KganError("give -o FILE.png|FILE.npy or --outdir DIR (with --seeds), one of them")
    if outdir and not seed_list:
        raise KganError("--outdir writes one PNG per seed: give --seeds too")
    if truncation_sweep and not seed_list:
        raise KganError("--truncation-sweep draws a row per psi for the seeds: give --seeds too")
    seeds = parse_seeds(seed_list) if seed_list else None
    psis = parse_truncations(truncation_sweep) if truncation_sweep else [check_truncation(truncation)]
    targets = _seed_files(Path(outdir), seeds, psis) if outdir else None
    if output:
        output = output_file(output, ".png", ".npy")
        check_new_output(output, overwrite)
        limit = MAX_SAMPLES[output.suffix.lower()]
        count = len(seeds) * len(psis) if seeds else count
        if count > limit:
            raise KganError(f"{count:,} samples: more than the {limit:,} samples a {output.suffix.lower()} file "
                            f"takes here")
    if bool(source) == bool(onnx_file):
        raise KganError("give a run directory or checkpoint, or --onnx FILE (one of them)")
    if onnx_file:
        from kgan.export.onnx_sampler import OnnxSampler

        sampler = OnnxSampler(onnx_file, list(provider) or None)
        if sampler.note:
            click.echo(sampler.note, err=True)
    else:
        from kgan.sampling import Sampler

        sampler = Sampler.load(source)
    if getattr(sampler, "image_inputs", None):  # an image-to-image generator: it needs images, not noise
        raise KganError(f"{source or onnx_file} translates images; use kgan translate {source or onnx_file} "
                        f"IMAGES... -o OUT")
    text = (texts[0] if len(texts) == 1 else list(texts)) if texts else None
    if z_file:
        if seeds is not None or label is not None or code is not None or truncation != 1 or texts:
            raise KganError("--z FILE holds the inputs themselves; leave --seeds, --label, --code, --text and "
                            "--truncation out")
        samples, columns, names = sampler.generate_from(_inputs_file(Path(z_file), sampler.latent_spec)), None, None
    elif seeds is not None:
        if isinstance(text, list):
            raise KganError("--seeds draws one sentence: give one --text")
        rows = [sampler.sample_seeds(seeds, label, code, psi, text=text) for psi in psis]
        if targets:
            _write_images(np.concatenate(rows), targets)
            click.echo(f"wrote {len(targets)} images to {outdir}")
            return
        samples, columns = np.concatenate(rows), len(seeds) if len(psis) > 1 else None
        names = [f"psi {psi:g}" for psi in psis] if len(psis) > 1 else None
    else:
        drawn = sampler.draw(count, seed, label, code, psis[0], text=text)
        samples, columns = sampler.generate_from(drawn.inputs), drawn.columns
        # A row per class: named where the data named its classes.
        named = getattr(sampler, "class_names", None) and drawn.columns and label is None and code is None
        names = list(texts) if isinstance(text, list) else sampler.class_names if named else None
    if output.suffix.lower() == ".npy":
        with atomic_path(output) as tmp:
            with open(tmp, "wb") as f:
                np.save(f, samples)
    else:
        save_samples(samples, output, columns=columns, row_names=names)
    used = f" (onnxruntime: {sampler.providers[0]})" if onnx_file else ""
    click.echo(f"wrote {len(samples)} samples of shape {samples.shape[1:]} to {output}{used}")


def _seed_files(outdir: Path, seeds: list[int], psis: list[float]) -> list[Path]:
    """The PNG of each (psi, seed), refused before any work if one exists already: nothing is overwritten."""
    if outdir.exists() and not outdir.is_dir():
        raise KganError(f"--outdir {outdir} is a file, not a folder")
    names = [f"seed{seed:04d}.png" if len(psis) == 1 else f"seed{seed:04d}-psi{psi:g}.png"
             for psi in psis for seed in seeds]
    existing = [name for name in names if (outdir / name).exists()]
    if existing:
        raise KganError(f"{outdir / existing[0]} exists ({len(existing)} of the files to write do); "
                        f"choose another --outdir or remove them")
    return [outdir / name for name in names]


def _write_images(images: np.ndarray, paths: list[Path]) -> None:
    """Each image as a PNG of its own, at its own size."""
    from kgan.pixels import scale_to_uint8
    from kgan.viz import save_png

    if images.ndim != 4:
        raise KganError("--outdir writes one image per seed; this generator makes points: use -o FILE.png or .npy")
    paths[0].parent.mkdir(parents=True, exist_ok=True)
    for image, path in zip(images if images.dtype == np.uint8 else scale_to_uint8(images), paths):
        save_png(image, path)


def _inputs_file(path: Path, spec) -> dict:
    """Generator inputs from ``path``: z alone (.npy) or every input by name (.npz), checked against ``spec``."""
    from kgan.latent.spec import input_signature

    if not path.is_file() or path.suffix.lower() not in (".npy", ".npz"):
        raise KganError(f"--z {path}: give an existing FILE.npy (z) or FILE.npz (inputs by name)")
    try:
        loaded = np.load(path, allow_pickle=False)
        inputs = {"z": loaded} if isinstance(loaded, np.ndarray) else {name: loaded[name] for name in loaded.files}
    except (ValueError, OSError) as e:
        raise KganError(f"--z {path} is not a numpy file ({e})") from None
    signature = input_signature(spec)
    missing = sorted(set(signature) - set(inputs))
    if missing:
        raise KganError(f"--z {path} lacks the generator's input(s) {', '.join(missing)} (save them in an .npz)")
    count = len(inputs["z"]) if np.ndim(inputs["z"]) == 2 else 0
    for name, (dtype, shape) in signature.items():
        if np.shape(inputs[name]) != (count, *shape) or not count:
            raise KganError(f"--z {path}: {name} must have shape (N, {', '.join(map(str, shape))}) with N >= 1, "
                            f"got {np.shape(inputs[name])}")
    return {name: np.asarray(inputs[name], signature[name][0]) for name in signature}
