"""Quality equivalence across backends: does every backend train an equally good model?

Runs on different backends drift apart in float32 (see ``kgan.repro``), so the question users ask
is statistical. For each backend and each of K seeds, ``kgan repro --quality`` trains the
configuration as a user would (its own process, the user's precision) and scores the generator's
FID on a pinned feature network. A permutation test on the one-way ANOVA F statistic (the spread
of the backends' mean FIDs against the seed-to-seed spread within each backend) then says whether
the backends differ by more than the seeds make runs differ.

    python -m kgan.repro_quality CONFIG_JSON OUT_DIR    # the worker one (backend, seed) runs
"""

from __future__ import annotations

import importlib.util
import json
import sys
import tempfile
from pathlib import Path

import numpy as np

from kgan.config import TrainConfig
from kgan.repro import last_error_line, run_in_backend

SIGNIFICANCE = 0.05
PERMUTATIONS = 10_000


def f_statistic(groups: list[np.ndarray]) -> float:
    """One-way ANOVA F: between-group mean square over within-group mean square."""
    values = np.concatenate(groups)
    between = sum(len(g) * (g.mean() - values.mean()) ** 2 for g in groups) / (len(groups) - 1)
    within = sum(((g - g.mean()) ** 2).sum() for g in groups) / (len(values) - len(groups))
    return float(between / within) if within > 0 else float("inf") if between > 0 else 0.0


def permutation_test(groups: dict[str, list[float]], permutations: int = PERMUTATIONS, seed: int = 0) -> dict:
    """F of the groups, and the share of random relabellings of the same values whose F is as large.

    Exact in its assumptions (the labels are exchangeable when the backends do not matter), with no
    normality assumption, which a few seeds per backend could not check.
    """
    arrays = [np.asarray(v, np.float64) for v in groups.values()]
    sizes = np.cumsum([len(a) for a in arrays])[:-1]
    observed = f_statistic(arrays)
    values, rng = np.concatenate(arrays), np.random.default_rng(seed)
    as_large = sum(f_statistic(np.split(rng.permutation(values), sizes)) >= observed for _ in range(permutations))
    return {"f": observed, "p": (as_large + 1) / (permutations + 1), "permutations": permutations}


def run_quality(backend: str, config: TrainConfig, workdir: Path) -> dict:
    """Train and score ``config`` under ``backend``: {"status", "fid"} or the reason it did not run."""
    if importlib.util.find_spec(backend) is None:
        return {"status": "skipped", "reason": f"{backend} is not installed"}
    out = workdir / f"{backend}-seed{config.seed}"
    result = run_in_backend(backend, "kgan.repro_quality", json.dumps(config.to_dict()), str(out))
    if result.returncode != 0:
        return {"status": "failed", "reason": last_error_line(result)}
    return {"status": "ran", **json.loads((out / "score.json").read_text())}


def compare_quality(config: TrainConfig, backends, seeds: int) -> dict:
    """FID of ``seeds`` runs per backend (seeds config.seed, config.seed + 1, ...) and the permutation test."""
    with tempfile.TemporaryDirectory(prefix="kgan-quality-") as workdir:
        runs = {b: [run_quality(b, config.replace(seed=config.seed + i), Path(workdir)) for i in range(seeds)]
                for b in backends}
    report = {"config": config.to_dict(), "seeds": list(range(config.seed, config.seed + seeds)), "backends": {}}
    for backend, results in runs.items():
        fids = [r["fid"] for r in results if r["status"] == "ran"]
        failed = [r for r in results if r["status"] != "ran"]
        entry = {"status": failed[0]["status"] if failed else "ran", "reason": failed[0]["reason"] if failed else ""}
        if not failed:
            entry.update(fid=fids, mean=float(np.mean(fids)), std=float(np.std(fids, ddof=1)) if seeds > 1 else 0.0,
                         features=results[0]["features"], samples=results[0]["samples"])
        report["backends"][backend] = entry
    ran = {b: e["fid"] for b, e in report["backends"].items() if e["status"] == "ran"}
    if len(ran) >= 2 and seeds >= 2:
        report["test"] = permutation_test(ran)
        report["equivalent"] = report["test"]["p"] >= SIGNIFICANCE
    report["passed"] = (all(e["status"] != "failed" for e in report["backends"].values())
                        and report.get("equivalent", True))
    return report


def worker(config_json: str, out: str) -> None:
    from kgan.atomic import write_json
    from kgan.metrics.evaluate import evaluate_run
    from kgan.training import run_loop

    config = TrainConfig.from_dict(json.loads(config_json))
    run = run_loop.train(config, Path(out) / "run", progress=False)
    result = evaluate_run(run.path, ["fid"], config.eval_samples, seed=0, features=config.eval_features)
    write_json(Path(out) / "score.json", {"fid": result["values"]["fid"], "features": result["features"],
                                          "samples": result["samples"]})


if __name__ == "__main__":
    worker(*sys.argv[1:])
