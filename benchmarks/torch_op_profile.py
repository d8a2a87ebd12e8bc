"""Where a torch-backend step spends its time: torch.profiler's self CPU time per op, kgan's step
beside native PyTorch's (the nets of benchmarks/train_step.py), and the wall time outside the aten ops.

    KERAS_BACKEND=torch python benchmarks/torch_op_profile.py --model mlp --batch 256 --top 40
"""

from __future__ import annotations

import argparse
import os
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")  # as kgan sets it, before torch loads OpenMP
import numpy as np
import torch
from torch.profiler import profile
from train_step import SAMPLE_SHAPES, kgan_step_fn, torch_step_fn


def profiled(step, steps: int, shapes: bool = False):
    """(wall ms per step, {op: (self CPU ms per step, calls per step)}) over ``steps`` steps; with ``shapes``
    each op is keyed by its input shapes too."""
    for _ in range(5):
        step()
    start = time.perf_counter()
    with profile(record_shapes=shapes) as prof:
        for _ in range(steps - 1):
            step()
        step(sync=True)
    wall = (time.perf_counter() - start) / steps * 1e3
    events = prof.key_averages(group_by_input_shape=shapes)
    return wall, {(f"{e.key} {e.input_shapes}" if shapes else e.key): (e.self_cpu_time_total / steps / 1e3,
                                                                        e.count / steps) for e in events}


def main():
    import keras

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", choices=tuple(SAMPLE_SHAPES), default="mlp")
    parser.add_argument("--batch", type=int, default=256)
    parser.add_argument("--steps", type=int, default=10)
    parser.add_argument("--top", type=int, default=12)
    parser.add_argument("--shapes", action="store_true", help="one row per op and input shapes")
    args = parser.parse_args()
    if keras.backend.backend() != "torch":
        raise SystemExit("this profiles kgan's torch step: run it with KERAS_BACKEND=torch")
    sides = {"kgan": kgan_step_fn(args.model, args.batch, np.random.default_rng(0)),
             "native": torch_step_fn(args.model, args.batch, np.random.default_rng(0), "cpu")}
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads; {args.model}, batch {args.batch}; "
          f"per step, under torch.profiler (which adds its own overhead to both)")
    for name, step in sides.items():
        wall, ops = profiled(step, args.steps, args.shapes)
        # aten ops only: torch.optim's Optimizer.step ranges hold native's Python Adam loop, and the
        # autograd records their C++ bookkeeping; both belong with the time outside the ops.
        in_aten = sum(ms for op, (ms, _) in ops.items() if op.startswith("aten::"))
        print(f"\n{name}: {wall:.1f} ms wall, {in_aten:.1f} ms self CPU in aten ops, {wall - in_aten:.1f} ms "
              f"outside them (Python, optimizer and autograd bookkeeping, thread wake-ups)")
        print("| op | self CPU ms | calls |\n| --- | --- | --- |")
        for op, (ms, calls) in sorted(ops.items(), key=lambda item: -item[1][0])[:args.top]:
            print(f"| {op} | {ms:.2f} | {calls:.0f} |")


if __name__ == "__main__":
    main()
