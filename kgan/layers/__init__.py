"""Building blocks shared by variants."""

from kgan.layers.host_noise import HostDropout, host_noise
from kgan.layers.maxout import LinearMaxout
from kgan.layers.spectral_norm import SpectralConv2D, SpectralDense

__all__ = ["HostDropout", "host_noise", "LinearMaxout", "SpectralConv2D", "SpectralDense"]
