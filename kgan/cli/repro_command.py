"""kgan repro: train the same configuration under every installed backend and compare."""

from pathlib import Path

import click

from kgan.cli import main
from kgan.cli.train_command import config_options
from kgan.errors import KganError
from kgan.repro import GENERATOR_ATOL, STEP1_LOSS_RTOL


@main.command("repro")
@click.argument("variant")
@click.option("--steps", type=int, default=20, show_default=True, help="Generator updates per backend.")
@click.option("--backends", default="jax,tensorflow,torch", show_default=True, help="Comma-separated backends.")
@click.option("--json", "json_path", type=click.Path(), help="Also write the full comparison (per-step curves) here.")
@click.option("--loss-rtol", type=float, default=STEP1_LOSS_RTOL, show_default=True, help="Tolerance: step-1 losses, relative.")
@click.option("--weight-atol", type=float, default=GENERATOR_ATOL, show_default=True, help="Tolerance: final G weights, absolute.")
@config_options
def repro(variant, steps, backends, json_path, loss_rtol, weight_atol, **options):
    """Train VARIANT for --steps under each backend (own process, portable mode) and compare.

    Exits 1 when a backend fails or a comparison is outside the tolerances; a backend that is
    not installed is reported as skipped.
    """
    from kgan import data, fit, repro as reproducibility
    from kgan.atomic import write_json

    if json_path and not Path(json_path).resolve().parent.is_dir():
        raise KganError(f"directory {Path(json_path).parent} does not exist")
    names = [b.strip() for b in backends.split(",") if b.strip()]
    unknown = [b for b in names if b not in reproducibility.BACKENDS]
    if unknown or not names or len(set(names)) != len(names):
        raise KganError(f"--backends takes distinct names among {', '.join(reproducibility.BACKENDS)}; got {backends!r}")
    options.pop("portable", None)
    config = fit.resolve_config(variant, steps=steps, **options)
    data.load(config.data, config.image_size)  # bad data fails here, once, not in every backend
    report = reproducibility.reproduce(config, names, loss_rtol, weight_atol)
    click.echo(f"{variant}, {steps} steps, reference: {report['reference'] or 'none ran'}")
    click.echo(f"{'backend':11s} {'status':8s} {'step-1 loss':>12s} {'max loss':>10s} {'G weights':>10s} {'samples':>10s}  verdict")
    click.echo(f"{'':11s} {'':8s} {'rel diff':>12s} {'rel diff':>10s} {'abs diff':>10s} {'abs diff':>10s}")
    for backend, entry in report["backends"].items():
        if "passed" in entry:
            click.echo(f"{backend:11s} {entry['status']:8s} {entry['step1_loss_rel_diff']:12.2e} "
                       f"{entry['max_loss_rel_diff']:10.2e} {entry['generator_max_abs_diff']:10.2e} "
                       f"{entry['samples_max_abs_diff']:10.2e}  {'pass' if entry['passed'] else 'FAIL'}")
        else:
            role = "reference" if backend == report["reference"] else entry["reason"]
            click.echo(f"{backend:11s} {entry['status']:8s} {role}")
    if json_path:
        write_json(json_path, report)
    click.echo(f"tolerances: step-1 losses {loss_rtol:g} relative, G weights {weight_atol:g} absolute: "
               f"{'passed' if report['passed'] else 'FAILED'}")
    if not report["passed"]:
        raise SystemExit(1)
