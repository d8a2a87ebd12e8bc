"""`kgan repro` for every variant, as one markdown table (docs/reproducibility.md).

    python benchmarks/repro_family.py --data npz:FIRST_256_DIGITS.npz --steps 100 --precision fp64
    python benchmarks/repro_family.py --data npz:FIRST_256_DIGITS.npz --steps 100 --precision fp32

The nets are the tests' tiny ones (width 4, z of 8, batch 16), with the options that reach each
variant's less common code; gan trains on ring8. Needs jax, tensorflow and torch installed.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

FAMILY = [
    ("gan", []), ("dcgan", ["--ema", "0.9", "--label-flip", "0.1"]), ("wgan", []), ("wgan_gp", []), ("lsgan", []),
    ("acgan", ["--ema", "0.9"]), ("cgan", ["--conditioning", "projection"]),
    # infogan with the networks and z of the docs/reproducibility.md row (the defaults then)
    ("infogan", ["--instance-noise", "0.1", "--label-smoothing", "0.9", "--infogan-nets", "dcgan",
                 "--z-dist", "normal"]),
    ("sngan", ["--g-dropout", "0.2"]),
]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", required=True, help="image data for every variant but gan (ring8)")
    parser.add_argument("--steps", type=int, default=100)
    parser.add_argument("--precision", default="fp64")
    args = parser.parse_args()
    print(f"| variant | options | step-1 loss rel diff | G weights abs diff after {args.steps} steps | verdict |")
    print("| --- | --- | --- | --- | --- |")
    with tempfile.TemporaryDirectory() as tmp:
        for variant, extra in FAMILY:
            report_path = Path(tmp) / f"{variant}.json"
            data = "ring8" if variant == "gan" else args.data
            subprocess.run([sys.executable, "-m", "kgan", "repro", variant, "--steps", str(args.steps), "--data", data,
                            "--width", "4", "--latent-dim", "8", "--batch-size", "16", "--precision", args.precision,
                            *extra, "--json", str(report_path)], capture_output=True, text=True)
            if not report_path.exists():
                print(f"| {variant} | {' '.join(extra)} | failed | | |")
                continue
            report = json.loads(report_path.read_text())
            compared = {b: e for b, e in report["backends"].items() if "passed" in e}
            step1 = ", ".join(f"{b} {e['step1_loss_rel_diff']:.1e}" for b, e in compared.items())
            weights = ", ".join(f"{b} {e['generator_max_abs_diff']:.1e}" for b, e in compared.items())
            print(f"| {variant} | {' '.join(extra)} | {step1} | {weights} | {'pass' if report['passed'] else 'FAIL'} |",
                  flush=True)
    print(f"\n(reference: {report['reference']}; {args.precision})")


if __name__ == "__main__":
    main()
