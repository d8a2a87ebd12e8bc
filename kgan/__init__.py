"""kgan: Generative Adversarial Networks written once in Keras 3, trained on JAX, TensorFlow or PyTorch.

The backend is whatever ``KERAS_BACKEND`` selects. Importing ``kgan`` itself is cheap (Keras loads
on first use), so ``kgan list`` and friends stay fast:

    import kgan
    run = kgan.train("dcgan", data="fashion_mnist", epochs=5)   # kgan.api.train
    images = kgan.load(run.path).sample(16)                    # kgan.api.load
"""

import os

__version__ = "0.3.0"

# PyTorch's CPU threads (OpenMP) spin while they wait for work by default, so on a machine busy with
# other processes they fight them for cores: the ring8 MLP step fell from 9 to 2.4 steps/s on 2 busy
# cores, DCGAN's from 0.8 to 0.4 (docs/benchmarks.md). Sleeping threads change no result. It must be
# set before torch loads OpenMP, hence here; a value the user set wins.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

_API = ("train", "load", "Run")


def __getattr__(name):
    if name in _API:
        from kgan import api

        return getattr(api, name)
    raise AttributeError(f"module 'kgan' has no attribute {name!r}")
