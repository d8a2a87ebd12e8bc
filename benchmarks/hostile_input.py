"""Issue 32's hostile-but-realistic inputs, thrown at kgan as a user would (torch backend, tiny runs, a
temporary directory), one line per case: what kgan said (its last line), the exit code, the files left.

    KERAS_BACKEND=torch python benchmarks/hostile_input.py [--keep DIR]

Every case runs in a process of its own (``python -m kgan ...`` or a ``python -c`` snippet of the API), so
a traceback, a hang (killed after --timeout seconds, exit 124) or a clobbered file shows as it would to a
user. Data is random uint8 images, so nothing needs downloading.
"""

from __future__ import annotations

import argparse
import json
import os
import struct
import subprocess
import sys
import tempfile
import zlib
from pathlib import Path

import numpy as np

KGAN_ERRORS = ("kgan.errors.KganError", "kgan.data.dataset.DataError", "kgan.errors.TrainingDiverged")
TINY = ["--steps", "1", "--width", "4", "--batch-size", "2", "--grid-size", "2", "--no-progress"]


def files_under(root: Path) -> set[str]:
    return {str(p.relative_to(root)) for p in root.rglob("*") if p.is_file() or p.is_fifo()}


class Bench:
    """Runs the cases in ``root`` and prints a line for each."""

    def __init__(self, root: Path, timeout: float):
        self.root, self.timeout, self.results = root, timeout, []
        self.env = {**os.environ, "KERAS_BACKEND": os.environ.get("KERAS_BACKEND", "torch"),
                    "TF_CPP_MIN_LOG_LEVEL": "2"}

    def _run(self, name: str, argv: list[str]) -> int:
        before = files_under(self.root)
        try:
            done = subprocess.run(argv, cwd=self.root, env=self.env, capture_output=True, text=True,
                                  timeout=self.timeout)
            # What a user reads last: the result on stdout when it worked (or a warning), else the error on stderr.
            code = done.returncode
            warnings = "\n".join(line for line in done.stderr.splitlines() if line.startswith("warning:"))
            worked = (warnings or done.stdout.strip()) if code == 0 else ""
            text = worked or done.stderr.strip() or done.stdout.strip()
        except subprocess.TimeoutExpired:
            code, text = 124, f"(no answer in {self.timeout:g} s)"
        lines = [line for line in text.splitlines() if line.strip() and "Warning" not in line]
        said = lines[-1].strip() if lines else ""
        new = sorted(files_under(self.root) - before)
        left = ", ".join(new[:3]) + (f" +{len(new) - 3}" if len(new) > 3 else "") if new else "-"
        # A Python caller sees kgan's own errors as exceptions: a traceback ending in one is the answer.
        traceback = "Traceback" in text and not said.startswith(KGAN_ERRORS)
        self.results.append({"case": name, "exit": code, "said": said, "left": left, "traceback": traceback})
        print(f"{name:<34} exit {code:<3} {'TRACEBACK ' if traceback else ''}{said[:120]}  [left: {left[:80]}]",
              flush=True)
        return code

    def kgan(self, name: str, *args) -> int:
        return self._run(name, [sys.executable, "-m", "kgan", *map(str, args)])

    def python(self, name: str, code: str) -> int:
        return self._run(name, [sys.executable, "-c", "import kgan, numpy as np, keras\n" + code])


def short_png(path: Path, side: int = 10000) -> None:
    """A grey PNG whose header says side x side, holding two rows."""
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    rows = 2 * (b"\x00" + b"\x80" * side)
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", side, side, 8, 0, 0, 0, 0))
                     + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keep", help="Work in this (new) directory and keep it, instead of a temporary one.")
    parser.add_argument("--timeout", type=float, default=60, help="Seconds before a case counts as hung.")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        root = Path(args.keep or scratch)
        root.mkdir(parents=True, exist_ok=True)
        run_cases(Bench(root, args.timeout), root)


def run_cases(b: Bench, root: Path) -> None:
    from PIL import Image

    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, (8, 28, 28, 1), dtype=np.uint8)
    np.savez(root / "pairs.npz", a=images, b=255 - images)
    np.savez(root / "rgba.npz", a=rng.integers(0, 256, (4, 16, 16, 4), dtype=np.uint8),
             b=rng.integers(0, 256, (4, 16, 16, 4), dtype=np.uint8))
    for i, image in enumerate(images[:2]):
        Image.fromarray(image[..., 0]).save(root / f"digit{i}.png")
    np.save(root / "x01.npy", images[:2].astype(np.float32) / 255)

    # 1, 2: odd sides and half precision
    b.kgan("1 pix2pix --image-size 17", "train", "pix2pix", "--data", "paired:pairs.npz", "--image-size", 17, *TINY,
           "--out", "odd17")
    b.kgan("1 discogan --image-size 33", "train", "discogan", "--data", "unpaired:pairs.npz", "--image-size", 33,
           *TINY, "--out", "odd33")
    for variant in ("pix2pix", "cyclegan", "discogan"):
        data = "paired:pairs.npz" if variant == "pix2pix" else "unpaired:pairs.npz"
        b.kgan(f"2 {variant} --precision fp16", "train", variant, "--data", data, "--precision", "fp16", *TINY,
               "--out", f"fp16-{variant}")
    # 3, 4, 6: settings (the lead's part of the issue, checked here too)
    (root / "bad.json").write_text(json.dumps({"lr_g": "0.001"}))
    b.kgan("3 --config lr_g '0.001'", "train", "gan", "--data", "ring8", "--config", "bad.json", *TINY, "--out", "c3")
    b.kgan("4 --seed 2147483647", "train", "gan", "--data", "ring8", "--seed", 2147483647, *TINY, "--out", "seed")
    b.kgan("4 --seed 99999999999999999999", "train", "gan", "--data", "ring8", "--seed", "99999999999999999999",
           *TINY, "--out", "seed2")
    (root / "bools.json").write_text(json.dumps({"steps": True}))
    b.kgan("6 --config steps true", "train", "gan", "--data", "ring8", "--config", "bools.json", "--out", "c6")
    # 5: the Python API
    x = "x = np.zeros((8, 28, 28), np.uint8)\n"
    b.python("5 kgan.train(lr=0.1)", "kgan.train('gan', data='ring8', lr=0.1, out='api-lr')")
    b.python("5 G output (14,14,1)", x + "z = keras.Input((8,), name='z')\n"
             "s = keras.Input((28, 28, 1), name='sample')\n"
             "g = keras.Model(z, keras.layers.Reshape((14, 14, 1))(keras.layers.Dense(196)(z)))\n"
             "d = keras.Model(s, keras.layers.Dense(1)(keras.layers.Flatten()(s)))\n"
             "kgan.train(generator=g, discriminator=d, data=x, latent_dim=8, steps=1, out='api-g')")
    b.python("5 callbacks=[1]", "kgan.train('gan', data='ring8', callbacks=[1], steps=1, out='api-cb')")
    # a run for the readers below
    b.kgan("   (a pix2pix run, width 4)", "train", "pix2pix", "--data", "paired:pairs.npz", *TINY, "--out", "p2p")
    b.kgan("   (a pix2pix run, width 8)", "train", "pix2pix", "--data", "paired:pairs.npz", *TINY[:2], "--width", 8,
           *TINY[4:], "--out", "p2p8")
    b.kgan("   (a cyclegan run)", "train", "cyclegan", "--data", "unpaired:pairs.npz", *TINY, "--out", "cg")
    # 7: a checkpoint from another run
    import shutil
    shutil.copytree(root / "p2p", root / "mixed")
    shutil.copy(root / "p2p8" / "checkpoint.npz", root / "mixed" / "checkpoint.npz")
    b.kgan("7 translate a foreign checkpoint", "translate", "mixed", "digit0.png", "-o", "t7.png")
    b.kgan("7 export a foreign checkpoint", "export", "mixed", "--onnx", "-o", "t7.onnx")
    b.kgan("7 eval a foreign checkpoint", "eval", "mixed", "--data", "paired:pairs.npz", "-n", 2)
    # 8: image files that lie
    short_png(root / "short.png")
    b.kgan("8 PNG 10000x10000 of two rows", "translate", "p2p", "short.png", "-o", "t8.png")
    for domain, size in (("A", (56, 28)), ("B", (28, 28))):
        (root / domain).mkdir()
        Image.new("L", size).save(root / domain / "0.png")
        Image.new("L", (28, 28)).save(root / domain / "1.png")
    b.kgan("8 pairs of different aspect ratios", "train", "pix2pix", "--data", "paired:A,B", "--image-size", 16, *TINY,
           "--out", "t8run")
    # 9: four channels
    b.kgan("   (a 4-channel pix2pix run)", "train", "pix2pix", "--data", "paired:rgba.npz", *TINY, "--out", "rgba")
    Image.fromarray(rng.integers(0, 256, (16, 16, 4), dtype=np.uint8), "RGBA").save(root / "rgba.png")
    b.kgan("9 translate an RGBA image", "translate", "rgba", "rgba.png", "-o", "t9.npy")
    # 10: one convention for [0, 1] arrays
    b.kgan("10 translate x01.npy (auto)", "translate", "p2p", "x01.npy", "-o", "t10.npy")
    b.python("10 CLI vs run.translate(value_range)", "x = np.load('x01.npy')\n"
             "d = np.abs(np.load('t10.npy') - kgan.load('p2p').translate(x, value_range=(0, 1))).max()\n"
             "print(f'largest difference {d:.2g}')")
    # 11, 12: files clobbered
    b.kgan("11 translate -o onto an input", "translate", "p2p", "digit0.png", "-o", "digit1.png")
    (root / "old.npy").write_bytes(b"keep me")
    b.kgan("11 translate -o existing.npy", "translate", "p2p", "digit0.png", "-o", "old.npy")
    b.kgan("11 sample -o existing.npy", "sample", "p2p", "-o", "old.npy")
    b.kgan("11 translate --overwrite", "translate", "p2p", "digit0.png", "-o", "old.npy", "--overwrite")
    b.kgan("12 export --direction a2b", "export", "cg", "--onnx", "--direction", "a2b")
    b.kgan("12 export --direction b2a", "export", "cg", "--onnx", "--direction", "b2a")
    b.kgan("12 export --direction b2a again", "export", "cg", "--onnx", "--direction", "b2a")
    # 13: a named pipe
    os.mkfifo(root / "pipe.png")
    b.kgan("13 translate a FIFO pipe.png", "translate", "p2p", "pipe.png", "-o", "t13.png")
    # 14: a translator's ONNX file
    b.kgan("14 sample --onnx translator.onnx", "sample", "--onnx", "cg/generator-a2b.onnx", "-o", "t14.png")
    b.kgan("14 translate with translator.onnx", "translate", "cg/generator-b2a.onnx", "digit0.png", "-o", "t14.npy")
    # 15: messages
    b.kgan("15 viz interpolate on a translator", "viz", "interpolate", "p2p", "-o", "t15.png")
    b.kgan("15 pix2pix --image-size 3", "train", "pix2pix", "--data", "paired:pairs.npz", "--image-size", 3, *TINY,
           "--out", "side3")
    b.python("15 run.sample('3')", "kgan.load('seed').sample('3')")
    b.python("15 run.sample(2.5)", "kgan.load('seed').sample(2.5)")
    b.python("15 OnnxSampler(providers=str)", "from kgan.export.onnx_sampler import OnnxSampler\n"
             "print(OnnxSampler('cg/generator-a2b.onnx', providers='CPUExecutionProvider').providers)")
    b.python("15 train cyclegan data=dict", "d = np.load('pairs.npz')\n"
             "print(len(kgan.train('cyclegan', data={'a': d['a'], 'b': d['b']}, steps=1, width=4, batch_size=2, "
             "grid_size=2, progress=False, out='dict').history), 'step')")
    b.kgan("15 eval --json nodir/x.json", "eval", "p2p", "--data", "paired:pairs.npz", "-n", 2, "--json",
           "nodir/x.json")
    tracebacks = [r["case"] for r in b.results if r["traceback"]]
    hung = [r["case"] for r in b.results if r["exit"] == 124]
    print(f"\n{len(b.results)} cases; tracebacks: {', '.join(tracebacks) or 'none'}; "
          f"hangs: {', '.join(hung) or 'none'}")


if __name__ == "__main__":
    main()
