"""kgan data: make data sets kgan trains on (a captioned set for text-to-image)."""

from pathlib import Path

import click

from kgan.cli import main


@main.group("data")
def data():
    """Make training data: a captioned image set for text-to-image."""


@data.command("captions")
@click.option("--from", "source", type=click.Choice(["mnist", "fashion_mnist"]), required=True,
              help="the images to colour, place and caption: MNIST's test split shipped with kgan, or Fashion-MNIST "
                   "(apt-get install dataset-fashion-mnist)")
@click.option("-o", "--output", type=click.Path(path_type=Path), required=True,
              help="a new (or empty) directory for images/, captions.jsonl and held_out.json")
@click.option("--count", type=int, default=None, help="how many images, drawn from the source's (default: all)")
@click.option("--seed", type=int, default=0, show_default=True, help="the seed of every draw: same seed, same set")
def captions(source, output, count, seed):
    """Colour, place and caption digits or garments on a 64x64 canvas (alignDRAW's "MNIST with captions").

    Each image gets a colour, a background, a position and a size, and several captions naming them
    ("a small red sandal at the top left on black"). The class x colour pairs listed in held_out.json
    appear only in the test split. Train on it with --data captions:DIR.
    """
    from kgan.data.captioned_digits import make_captioned_set

    made = make_captioned_set(source, output, count, seed)
    pairs = ", ".join(f"{pair['colour']} {pair['class']}" for pair in made["held_out"])
    click.echo(f"wrote {made['count']:,} captioned {source} images to {output}: {made['train']:,} train, "
               f"{made['test']:,} test (held out of training: {pairs})")
