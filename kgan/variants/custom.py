"""custom: the user's own Keras generator and discriminator, saved with the run (the Python API).

``kgan.train(generator=G, discriminator=D, ...)`` saves both models as ``generator.keras`` and
``discriminator.keras`` in the run's ``networks/`` folder and records that folder as
``config.networks``; these builders load fresh copies from there, so the run samples, resumes and
exports like any other. kgan redraws every weight from the initializer each layer declares
(``kgan.numpy_init``), as for its own variants.
"""

from __future__ import annotations

from pathlib import Path

import keras

from kgan.errors import KganError
from kgan.options import Option
from kgan.training.adversarial import GAN_OPTIONS, two_player
from kgan.variants.registry import Variant, register

NETWORKS = Option("networks", "str", None, "The folder holding generator.keras and discriminator.keras "
                  "(kgan.train(generator=..., discriminator=...) saves them in the run).")


def _loader(role: str):
    def build(config, sample_shape):
        if not config.networks:
            raise KganError("the custom variant trains your own networks: use kgan.train(generator=..., "
                            "discriminator=...) from Python")
        path = Path(config.networks) / f"{role}.keras"
        if not path.is_file():
            raise KganError(f"{path} is missing: the custom run's {role} cannot be rebuilt")
        return keras.saving.load_model(path, compile=False)
    return build


CUSTOM = register(
    Variant(
        name="custom",
        description="your own Keras generator and discriminator (kgan.train(generator=..., discriminator=...))",
        reference="-",
        roles=two_player(_loader("generator"), _loader("discriminator")),
        options=(*GAN_OPTIONS, NETWORKS),
    )
)
