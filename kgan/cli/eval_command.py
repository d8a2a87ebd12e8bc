"""kgan eval: quality metrics of a trained run (or of real data, for the baseline), as a table and JSON."""

import click

from kgan.cli import main
from kgan.errors import KganError


def format_values(values: dict) -> list[str]:
    """One line per metric; a mean and its std share a line."""
    lines = []
    for name, value in values.items():
        if name.endswith("_std"):
            continue
        std = values.get(f"{name}_std")
        shown = f"{value:.4g}" if isinstance(value, float) else str(value)
        lines.append(f"  {name:16s}{shown}" + (f" +- {std:.2g}" if std is not None else ""))
    return lines


@main.command("eval")
@click.argument("run", type=click.Path(), required=False)
@click.option("--real", "real_data",
              help="Score held-out real samples of this data spec instead of a run (the baseline).")
@click.option("--metrics",
              help="Comma-separated: fid,kid,is,pr,coverage (images) or modes (ring8, grid25); default all.")
@click.option("-n", "count", type=int, help="Samples, and real reference samples (default 5000; 2500 for toy sets).")
@click.option("--seed", type=click.IntRange(min=0), default=0, show_default=True, help="Seed for z and the reference.")
@click.option("--features", help="Pinned feature network (kgan metrics list); default: the run's data name.")
@click.option("--inception-weights", type=click.Path(),
              help="Use Inception-v3 features from this .h5 file (fid,kid,pr).")
@click.option("--json", "json_path", type=click.Path(), help="Also write the result to this JSON file.")
def eval_command(run, real_data, metrics, count, seed, features, inception_weights, json_path):
    """Score RUN (a run directory or checkpoint file) against real samples of its training data."""
    from kgan.atomic import write_json
    from kgan.metrics.evaluate import evaluate_real, evaluate_run

    if bool(run) == bool(real_data):
        raise KganError("give a run directory or checkpoint, or --real DATA (one of them)")
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
