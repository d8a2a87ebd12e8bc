"""kgan metrics: the pinned feature networks behind kgan eval (train one, list them)."""

import click

from kgan.cli import main


@main.group("metrics")
def metrics():
    """The pinned feature networks that kgan eval measures with."""


@metrics.command("train-classifier")
@click.option("--data", required=True, help="Labelled 28x28 images: mnist, fashion_mnist or idx:DIR / npz:FILE.")
@click.option("--name", help="Name to pin it under (default: the data name).")
@click.option("--epochs", type=click.IntRange(min=1), default=5, show_default=True)
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--out", "directory", type=click.Path(file_okay=False),
              help="Directory for the weights and pinned.json (default: $KGAN_HOME/feature_nets, "
                   "or ~/.local/share/kgan/feature_nets).")
def train_classifier_command(data, name, epochs, seed, directory):
    """Train a feature network on real labelled images and pin it (weights, sha256, held-out accuracy)."""
    from pathlib import Path

    from kgan.metrics.train_classifier import default_name, train_classifier

    train_classifier(data, name or default_name(data), epochs, seed, Path(directory) if directory else None,
                     log=click.echo)


@metrics.command("list")
def list_command():
    """The pinned networks, their training data and held-out accuracy."""
    from kgan.metrics.feature_nets import read_registry

    for name, record in sorted(read_registry().items()):
        click.echo(f"{name:15s} {record['held_out_accuracy']:.2%} held-out accuracy on {record['held_out_images']} "
                   f"{record['data']} images, trained on {record['train_images']}; sha256 {record['sha256'][:16]}...")
