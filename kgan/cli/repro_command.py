"""kgan repro: train the same configuration under every installed backend and compare."""

from pathlib import Path

import click

from kgan.cli import main
from kgan.cli.train_command import SettingsCommand
from kgan.errors import KganError
from kgan.repro_quality import SIGNIFICANCE, compare_quality

CURVE_MARKS = (1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000)


@main.command("repro", cls=SettingsCommand)
@click.argument("variant")
@click.option("--steps", type=int, default=20, show_default=True, help="Generator updates per backend.")
@click.option("--backends", default="jax,tensorflow,torch", show_default=True, help="Comma-separated backends.")
@click.option("--json", "json_path", type=click.Path(), help="Also write the full comparison (per-step curves) here.")
@click.option("--loss-rtol", type=float,
              help="Tolerance: step-1 losses, relative (default 1e-10 in fp64, 1e-5 in fp32).")
@click.option("--weight-atol", type=float,
              help="Tolerance: final G weights, absolute "
                   "(default 1e-9 in fp64; in fp32 reported, judged only if given).")
@click.option("--quality", is_flag=True,
              help="Compare quality instead: FID of --seeds runs per backend, and whether the backends differ.")
@click.option("--seeds", type=click.IntRange(min=2), default=3, show_default=True,
              help="With --quality: runs per backend.")
def repro(variant, steps, backends, json_path, loss_rtol, weight_atol, quality, seeds, **options):
    """Train VARIANT for --steps under each backend (own process, portable mode) and compare.

    In fp64 (the default) the backends must agree to float64 rounding after every step; in fp32
    (--precision fp32) the first step is the verdict and the drift after it is reported, with
    the variables that diverge first and why. Exits 1 when a backend fails or a comparison is
    outside the tolerances; a backend that is not installed is reported as skipped.

    With --quality, each backend trains --seeds runs as `kgan train` would (fp32 unless
    --precision says otherwise), each is scored by FID on the data's pinned feature network, and a
    permutation test says whether the backends' mean FIDs differ by more than the seeds make them
    differ; exits 1 when they do at the 5% level (which equivalent backends also do 1 time in 20).
    """
    from kgan import data
    from kgan import repro as reproducibility
    from kgan.atomic import write_json
    from kgan.training import assembly

    if json_path and not Path(json_path).resolve().parent.is_dir():
        raise KganError(f"directory {Path(json_path).parent} does not exist")
    names = [b.strip() for b in backends.split(",") if b.strip()]
    unknown = [b for b in names if b not in reproducibility.BACKENDS]
    if unknown or not names or len(set(names)) != len(names):
        raise KganError(f"--backends takes distinct names among {', '.join(reproducibility.BACKENDS)}; "
                        f"got {backends!r}")
    if quality:
        config = assembly.resolve_config(variant, steps=steps, **options)
        _check_quality_settings(config)
        report = compare_quality(config, names, seeds)
        _print_quality(variant, steps, report)
    else:
        options.pop("portable", None)
        options["precision"] = options["precision"] or reproducibility.DEFAULT_PRECISION
        config = assembly.resolve_config(variant, steps=steps, **options)
        data.load(config.data, config.image_size, config.labels)  # bad data fails here, once, not in every backend
        report = reproducibility.reproduce(config, names, loss_rtol, weight_atol)
        _print_report(variant, steps, report)
    if json_path:
        write_json(json_path, report)
    if not report["passed"]:
        raise SystemExit(1)


def _print_report(variant, steps, report):
    compared = {b: e for b, e in report["backends"].items() if "passed" in e}
    click.echo(f"{variant}, {steps} steps, {report['precision']}, reference: {report['reference'] or 'none ran'}")
    click.echo(f"{'backend':11s} {'status':8s} {'step-1 loss':>12s} {'max loss':>10s} {'G weights':>10s} "
               f"{'samples':>10s}  verdict")
    click.echo(f"{'':11s} {'':8s} {'rel diff':>12s} {'rel diff':>10s} {'abs diff':>10s} {'abs diff':>10s}")
    for backend, entry in report["backends"].items():
        if backend in compared:
            click.echo(f"{backend:11s} {entry['status']:8s} {entry['step1_loss_rel_diff']:12.2e} "
                       f"{entry['max_loss_rel_diff']:10.2e} {entry['generator_max_abs_diff']:10.2e} "
                       f"{entry['samples_max_abs_diff']:10.2e}  {'pass' if entry['passed'] else 'FAIL'}")
        else:
            role = "reference" if backend == report["reference"] else entry["reason"]
            click.echo(f"{backend:11s} {entry['status']:8s} {role}")
    if compared:
        marks = [m for m in CURVE_MARKS if m <= steps]
        click.echo("\nloss difference by step (relative, the larger of d_loss and g_loss):")
        click.echo(f"{'step':11s} " + " ".join(f"{m:>8d}" for m in marks))
        for backend, entry in compared.items():
            click.echo(f"{backend:11s} " + " ".join(f"{entry['loss_rel_diff_per_step'][m - 1]:8.1e}" for m in marks))
        click.echo("\nfirst to diverge (generator weights after step 1, in units of lr_g):")
        for backend, entry in compared.items():
            firsts = ", ".join(f"{d['variable']} {d['in_lr']:.2g}" for d in entry.get("first_diverging", [])) or "none"
            click.echo(f"{backend:11s} {firsts}")
            if entry.get("causes"):
                click.echo(f"{'':11s} cause: Adam's first update moves a weight by about lr whatever the size of its "
                           f"gradient, and these weights have gradients at float32 rounding level:")
            for cause in entry.get("causes", []):
                click.echo(f"{'':13s} {cause['text']}")
    tolerances = report["tolerances"]
    judged = f"step-1 losses {tolerances['step1_loss_rtol']:g} relative"
    if tolerances["generator_atol"] is None:
        judged += " (G weights reported, not judged, in fp32: give --weight-atol to judge them)"
    else:
        judged += f", G weights {tolerances['generator_atol']:g} absolute"
    click.echo(f"\ntolerances: {judged}: {'passed' if report['passed'] else 'FAILED'}")


def _check_quality_settings(config):
    """Bad data, an image-less data set or a missing feature network fail here, once, not in every run."""
    from kgan import data
    from kgan.metrics.evaluate import Evaluator

    dataset = data.load(config.data, config.image_size, config.labels)
    if dataset.kind != "image":
        raise KganError("--quality scores FID, which needs images; for ring8/grid25 use kgan eval's mode metrics")
    Evaluator(dataset, config.data, ["fid"], config.eval_samples, features=config.eval_features)


def _print_quality(variant, steps, report):
    runs = {b: e for b, e in report["backends"].items() if e["status"] == "ran"}
    config = report["config"]
    first = next(iter(runs.values()), {})
    click.echo(f"{variant}, {steps} steps, {config['precision']}, seeds {', '.join(map(str, report['seeds']))}; "
               f"FID of {first.get('samples', '?')} samples on the pinned {first.get('features', '?')} features")
    click.echo(f"{'backend':11s} {'status':8s} {'FID per seed':30s} {'mean':>8s} {'std':>8s}")
    for backend, entry in report["backends"].items():
        if backend in runs:
            per_seed = ", ".join(f"{f:.3g}" for f in entry["fid"])
            click.echo(f"{backend:11s} {'ran':8s} {per_seed:30s} {entry['mean']:8.3g} {entry['std']:8.2g}")
        else:
            click.echo(f"{backend:11s} {entry['status']:8s} {entry['reason']}")
    if "test" in report:
        test = report["test"]
        finding = ("the backends' means differ by no more than the seed-to-seed spread" if report["equivalent"]
                   else "the backends' means differ by more than the seed-to-seed spread")
        click.echo(f"\npermutation test of the one-way ANOVA F over {test['permutations']:,} relabellings: "
                   f"F = {test['f']:.3g}, p = {test['p']:.3g}: {finding} (at the {SIGNIFICANCE:.0%} level)")
