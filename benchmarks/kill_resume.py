"""Fault injection: kill -9 a training run again and again, resume it each time, and check that the
result is exactly the run that was never killed.

    KERAS_BACKEND=torch python benchmarks/kill_resume.py --kills 8 --steps 60

Each round starts `kgan train` (the first) or `kgan train --resume` (the rest) and sends SIGKILL
after a random delay, so kills land in start-up, mid-step and mid-write alike. Between rounds
`kgan status` must say the run stopped. At the end the run finishes unkilled; its checkpoint must
equal a straight run's bit for bit, and metrics.jsonl must hold each step once.
"""

from __future__ import annotations

import argparse
import json
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

TINY = ["gan", "--data", "ring8", "--width", "8", "--latent-dim", "4", "--batch-size", "64",
        "--log-every", "1", "--checkpoint-every", "1", "--no-progress"]


def kgan(*args, **popen):
    return subprocess.Popen([sys.executable, "-m", "kgan", *map(str, args)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, **popen)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kills", type=int, default=8)
    parser.add_argument("--steps", type=int, default=60)
    parser.add_argument("--max-delay", type=float, default=6.0, help="seconds; kills land uniformly in [0.5, this]")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    rng = np.random.default_rng(args.seed)
    work = Path(tempfile.mkdtemp(prefix="kgan-kill-"))
    run, straight = work / "killed", work / "straight"
    landed, reached = 0, []
    for kill in range(args.kills):
        command = (["train", *TINY[:1], "--steps", args.steps, "--out", run, *TINY[1:]] if kill == 0 or not
                   (run / "config.json").exists() else ["train", "--resume", run, "--no-progress"])
        if kill == 0 and run.exists():
            shutil.rmtree(run)
        process = kgan(*command)
        time.sleep(rng.uniform(0.5, args.max_delay))
        if process.poll() is None:
            process.send_signal(signal.SIGKILL)
            landed += 1
        process.wait()
        status = subprocess.run([sys.executable, "-m", "kgan", "status", run], capture_output=True, text=True).stdout
        step = json.loads((run / "status.json").read_text()).get("step") if (run / "status.json").exists() else None
        reached.append(step)
        print(f"kill {kill + 1}: {'killed' if process.returncode == -signal.SIGKILL else 'ended on its own'} "
              f"at step {step}; kgan status: {status.strip().splitlines()[0] if status else 'no run yet'}", flush=True)
    final = kgan("train", "--resume", run, "--no-progress") if (run / "config.json").exists() else \
        kgan("train", TINY[0], "--steps", args.steps, "--out", run, *TINY[1:])
    _, error = final.communicate()
    assert final.returncode == 0, error
    reference = kgan("train", TINY[0], "--steps", args.steps, "--out", straight, *TINY[1:])
    _, error = reference.communicate()
    assert reference.returncode == 0, error
    with np.load(run / "checkpoint.npz") as a, np.load(straight / "checkpoint.npz") as b:
        same = a.files == b.files and all(np.array_equal(a[k], b[k]) for k in a.files if k != "meta")
    steps = [json.loads(line)["step"] for line in (run / "metrics.jsonl").read_text().splitlines()]
    leftovers = [p.name for p in run.rglob("*.kgan-tmp")]
    print(f"\n{landed} of {args.kills} kills landed while kgan ran (the others found it finished or not yet started)")
    print(f"final weights and optimizer state equal to the unkilled run: {'yes, bit for bit' if same else 'NO'}")
    print(f"metrics.jsonl holds each of the {args.steps} steps once: "
          f"{'yes' if steps == list(range(1, args.steps + 1)) else steps}")
    print(f"temporary files left behind: {leftovers or 'none'}")
    shutil.rmtree(work)
    if not same or steps != list(range(1, args.steps + 1)) or leftovers:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
