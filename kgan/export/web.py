"""A static web page that runs an exported generator in the visitor's browser (``kgan export RUN --web DIR``).

The page (``index.html`` and ``kgan-web.js``, shipped in ``kgan/export/web/``) loads ``generator.onnx`` and
its metadata with onnxruntime-web (WebAssembly) and builds the controls the model needs: a seed and new
samples, a class picker, a control per InfoGAN code, a sentence for text2image (encoded with the file's
vocabulary), an interpolation between two seeds; for a translator, an image the visitor picks, translated at
its own size (at most 512 px on its longer side) rounded to the nearest sides the file takes where its height and
width are dynamic (its ``size_rule``), else resized to the file's one size; for an upscaler (srresnet, srgan), an
image upscaled at its own size (at most 128 px on its longer side). onnxruntime-web comes from a public CDN at a
pinned version, or from a local ``onnxruntime-web/dist`` copied into the site (``ort_dir``) for offline hosting.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from kgan.errors import KganError

ORT_WEB_VERSION = "1.31.1"  # the onnxruntime-web release the page was tested with (tests/test_web_page.py)
CDN = f"https://cdn.jsdelivr.net/npm/onnxruntime-web@{ORT_WEB_VERSION}/dist/"
# The WebAssembly build alone: its script, and the module and binary it loads.
ORT_FILES = ("ort.wasm.min.js", "ort-wasm-simd-threaded.mjs", "ort-wasm-simd-threaded.wasm")
ASSETS = Path(__file__).with_name("web")


def export_web(source: str | Path, site: str | Path, ort_dir: str | Path | None = None, **export_options) -> Path:
    """Write the web page of the run (or checkpoint) ``source`` into the new folder ``site``.

    Args:
        source: a run directory or checkpoint.
        site: the folder to write (it must not exist, or be empty).
        ort_dir: a local ``onnxruntime-web/dist`` (``npm install onnxruntime-web``) whose WebAssembly
            build is copied into ``site/ort/``; None: the page loads it from the CDN.
        **export_options: passed to ``kgan.export.onnx_export.export_onnx`` (``uint8``, ``role``, ...).

    Returns:
        ``site``.
    """
    from kgan.export.onnx_export import export_onnx

    site = Path(site)
    if site.exists() and (not site.is_dir() or any(site.iterdir())):
        raise KganError(f"--web {site} exists and is not an empty folder; choose another")
    if ort_dir is not None:
        missing = [name for name in ORT_FILES if not (Path(ort_dir) / name).is_file()]
        if missing:
            raise KganError(f"--ort-dir {ort_dir} lacks {', '.join(missing)}: give onnxruntime-web's dist folder "
                            f"(npm install onnxruntime-web@{ORT_WEB_VERSION})")
    created = not site.exists()
    site.mkdir(parents=True, exist_ok=True)
    try:
        export_onnx(source, site / "generator.onnx", **export_options)
        if ort_dir is not None:
            (site / "ort").mkdir()
            for name in ORT_FILES:
                shutil.copyfile(Path(ort_dir) / name, site / "ort" / name)
        where = "ort/" if ort_dir is not None else CDN
        page = (ASSETS / "index.html").read_text(encoding="utf-8")
        page = page.replace("ORT_SCRIPT", where + "ort.wasm.min.js").replace("ORT_WASM_PATHS", where)
        (site / "index.html").write_text(page, encoding="utf-8")
        shutil.copyfile(ASSETS / "kgan-web.js", site / "kgan-web.js")
    except BaseException:  # nothing half-written: what was written goes, and the folder if it was made here
        for path in site.iterdir():
            shutil.rmtree(path) if path.is_dir() else path.unlink()
        if created:
            site.rmdir()
        raise
    return site
