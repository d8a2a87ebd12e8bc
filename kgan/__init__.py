"""kgan: Generative Adversarial Networks written once in Keras 3, trained on JAX, TensorFlow or PyTorch.

The backend is whatever ``KERAS_BACKEND`` selects. Importing ``kgan`` itself is cheap (Keras loads
on first use), so ``kgan list`` and friends stay fast:

    import kgan
    run = kgan.train("dcgan", data="fashion_mnist", epochs=5)   # kgan.api.train
    images = kgan.load(run.path).sample(16)                    # kgan.api.load
"""

__version__ = "0.2.0"

_API = ("train", "load", "Run")


def __getattr__(name):
    if name in _API:
        from kgan import api

        return getattr(api, name)
    raise AttributeError(f"module 'kgan' has no attribute {name!r}")
