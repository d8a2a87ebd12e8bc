"""Building blocks shared by variants."""

from kgan.layers.host_noise import HostDropout, host_noise

__all__ = ["HostDropout", "host_noise"]
