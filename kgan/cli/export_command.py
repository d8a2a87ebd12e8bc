"""kgan export: a trained generator to ONNX, for applications without Keras."""

import click

from kgan.cli import main
from kgan.cli.overwrite import OVERWRITE
from kgan.errors import KganError
from kgan.export.metadata import DEFAULT_OPSET


@main.command("export")
@click.argument("source", type=click.Path())
@click.option("--onnx", "as_onnx", is_flag=True, help="Export to ONNX (the one format so far).")
@click.option("-o", "--output", type=click.Path(),
              help="FILE.onnx (default: generator.onnx in the run directory; generator-a2b.onnx, generator-b2a.onnx "
                   "for a translator's directions).")
@OVERWRITE
@click.option("--opset", type=int, default=DEFAULT_OPSET, show_default=True, help="ONNX opset version.")
@click.option("--uint8", is_flag=True, help="Output uint8 pixels in [0, 255] instead of float32 in [-1, 1].")
@click.option("--role", help="Which generator of a variant with several (default: the one it samples from).")
@click.option("--direction", type=click.Choice(["a2b", "b2a"]),
              help="An image-to-image run's generator by what it translates (instead of --role).")
@click.option("--rgba", is_flag=True, help="Output H x W x 4 uint8 RGBA pixels, ready for a canvas's ImageData.")
@click.option("--fp16", is_flag=True,
              help="float16 weights and computation, float32 inputs and outputs (refused where it overflows).")
@click.option("--web", "site", type=click.Path(),
              help="Write a web page into this new folder: the ONNX file, run in the browser by onnxruntime-web.")
@click.option("--ort-dir", type=click.Path(),
              help="With --web: copy onnxruntime-web from this local dist folder (npm install onnxruntime-web) "
                   "instead of loading it from a CDN.")
def export(source, as_onnx, output, opset, uint8, role, direction, rgba, fp16, site, ort_dir, overwrite):
    """Export the generator of SOURCE (a run directory or checkpoint) under the active backend.

    The file takes any batch size; a translator's (pix2pix, cyclegan, discogan) also takes the other
    heights and widths its network divides evenly, named in its metadata as size_rule, when exported
    under torch or tensorflow (under jax it keeps the training size).
    """
    from kgan.export.onnx_export import export_onnx

    if site:
        from kgan.export.web import export_web

        if as_onnx or output:
            raise KganError("--web writes its own generator.onnx into the folder; leave --onnx and -o out")
        export_web(source, site, ort_dir, opset=opset, uint8=uint8, role=role, direction=direction, rgba=rgba,
                   fp16=fp16)
        click.echo(f"wrote {site}/index.html (serve the folder over HTTP, e.g. python3 -m http.server -d {site})")
        return
    if ort_dir:
        raise KganError("--ort-dir goes with --web")
    if not as_onnx:
        raise KganError("choose a format: --onnx or --web DIR")
    if role and direction:
        raise KganError("give --role or --direction, not both")
    path = export_onnx(source, output, opset=opset, uint8=uint8, role=role, direction=direction, rgba=rgba, fp16=fp16,
                       overwrite=overwrite)
    click.echo(f"wrote {path} (and its metadata as {path.name}.json)")
    if fp16:
        import json

        difference = json.loads(path.with_name(path.name + ".json").read_text())["fp16_max_abs_diff"]
        click.echo(f"fp16: largest difference from the fp32 graph on a fixed batch: {difference}")
