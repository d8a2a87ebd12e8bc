"""kgan list: the registered variants."""

import click

from kgan.cli import main


@main.command("list")
def list_variants():
    """Show every variant with a one-line description and its reference."""
    from kgan.variants import list_variants

    for variant in list_variants():
        click.echo(f"{variant.name:10s} {variant.description}")
        click.echo(f"{'':10s} {variant.reference}")
