"""How fast float32 runs on different backends drift apart: tables from `kgan repro --json` reports.

    for n in 20 100 300 1000; do
      kgan repro dcgan --steps $n --data fashion_mnist --width 8 --latent-dim 16 \
          --batch-size 32 --precision fp32 --json dcgan_$n.json
    done
    python benchmarks/divergence.py dcgan_*.json
"""

from __future__ import annotations

import json
import sys

MARKS = (1, 5, 10, 20, 50, 100, 200, 300, 500, 1000)


def main(paths):
    reports = sorted((json.load(open(p)) for p in paths), key=lambda r: r["config"]["steps"])
    longest = reports[-1]
    print(f"per-step loss difference, relative, max over d_loss and g_loss "
          f"(from the {longest['config']['steps']}-step run):")
    others = [b for b, e in longest["backends"].items() if "loss_rel_diff_per_step" in e]
    print("| step | " + " | ".join(f"{b} vs {longest['reference']}" for b in others) + " |")
    print("| --- |" + " --- |" * len(others))
    for mark in MARKS:
        if mark <= longest["config"]["steps"]:
            cells = [f"{longest['backends'][b]['loss_rel_diff_per_step'][mark - 1]:.1e}" for b in others]
            print(f"| {mark} | " + " | ".join(cells) + " |")
    print("\nafter N steps, max abs difference of the generator weights / of samples from the same z:")
    print("| N | " + " | ".join(f"{b}: weights | {b}: samples" for b in others) + " |")
    print("| --- |" + " --- | --- |" * len(others))
    for report in reports:
        cells = [f"{report['backends'][b]['generator_max_abs_diff']:.1e} | "
                 f"{report['backends'][b]['samples_max_abs_diff']:.1e}"
                 for b in others]
        print(f"| {report['config']['steps']} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main(sys.argv[1:])
