"""Sampling speed: the exported ONNX generator in onnxruntime vs the Keras generator, side by side.

Batch-1 latency (median of many calls) and batch-1024 throughput, for the DCGAN generator
(28x28x1, width 64) on the active Keras backend. Without --run, a run is made from one training
step on random images (speed does not depend on what the weights learned).

    KERAS_BACKEND=torch python benchmarks/sampling.py [--run runs/<run>]
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np


def median_seconds(fn, repeats):
    fn()  # warm-up: compilation, allocation
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def make_run(scratch: Path) -> Path:
    from kgan.training import assembly, run_loop

    data = scratch / "random.npz"
    np.savez(data, x=np.random.default_rng(0).integers(0, 256, (256, 28, 28, 1), dtype=np.uint8))
    config = assembly.resolve_config("dcgan", data=f"npz:{data}", steps=1, log_every=1)
    return run_loop.train(config, scratch / "run", progress=False).path


def main():
    import keras
    import onnxruntime as ort

    from kgan.export.onnx_export import export_onnx
    from kgan.export.onnx_sampler import OnnxSampler
    from kgan.sampling import Sampler

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--run", help="a run directory or checkpoint (default: a fresh one-step DCGAN)")
    parser.add_argument("--repeats", type=int, default=200)
    parser.add_argument("--big-batch", type=int, default=1024)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        run = Path(args.run) if args.run else make_run(Path(scratch))
        onnx_sampler = OnnxSampler(export_onnx(run, Path(scratch) / "g.onnx"))
        generator = Sampler.load(run).generator
        z1, zbig = (onnx_sampler.draw(n).inputs["z"] for n in (1, args.big_batch))
        rows = {
            "onnxruntime": (lambda: onnx_sampler.run(z1), lambda: onnx_sampler.run(zbig)),
            "Keras predict": (lambda: generator.predict(z1, verbose=0),
                              lambda: generator.predict(zbig, batch_size=args.big_batch, verbose=0)),
            "Keras call": (lambda: keras.ops.convert_to_numpy(generator(z1, training=False)),
                           lambda: keras.ops.convert_to_numpy(generator(zbig, training=False))),
        }
        print(f"keras {keras.__version__} backend {keras.backend.backend()}; onnxruntime {ort.__version__} "
              f"{onnx_sampler.providers[0]}; {os.cpu_count()} CPUs; DCGAN generator 28x28x1")
        print(f"| path | batch-1 latency (ms) | batch-{args.big_batch} images/s |")
        print("| --- | --- | --- |")
        latencies = {}
        for name, (one, big) in rows.items():
            latencies[name] = median_seconds(one, args.repeats)
            throughput = args.big_batch / median_seconds(big, max(3, args.repeats // 50))
            print(f"| {name} | {latencies[name] * 1e3:.2f} | {throughput:,.0f} |", flush=True)
        print(f"batch 1: onnxruntime is {latencies['Keras predict'] / latencies['onnxruntime']:.1f}x faster than "
              f"Keras predict, {latencies['Keras call'] / latencies['onnxruntime']:.1f}x faster than a Keras call")


if __name__ == "__main__":
    main()
