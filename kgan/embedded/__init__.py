"""Data shipped inside kgan, so the default commands work on a machine with no network.

``mnist-test/``: the MNIST test split (10,000 digits), the original IDX files byte for byte; see
its README for the source and license. ``kgan.data`` falls back to it, with a notice, when no full
MNIST is found locally and none can be downloaded.
"""

from pathlib import Path

MNIST_TEST = Path(__file__).parent / "mnist-test"
