"""kgan: Generative Adversarial Networks written once in Keras 3, trained on JAX, TensorFlow or PyTorch.

The backend is whatever ``KERAS_BACKEND`` selects. Importing ``kgan`` itself is cheap; the
training API lives in submodules so that ``kgan list`` and friends stay fast:

    from kgan.config import TrainConfig
    from kgan.fit import train
"""

__version__ = "0.1.0"
