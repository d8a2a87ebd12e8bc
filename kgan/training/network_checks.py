"""Your own networks and callbacks (``kgan.train(generator=..., discriminator=..., callbacks=...)``),
checked before anything is written: each network is called once on the run's shapes, so one that does
not fit the data is refused in one line naming what does not fit, not by a Keras or torch traceback at
the first step with the run directory already made.
"""

from __future__ import annotations

import numpy as np

from kgan.errors import KganError
from kgan.networks import SAMPLE_INPUT, call_by_name, heads, input_names

PROBE_BATCH = 2


def check_callbacks(callbacks) -> None:
    """``callbacks``: None or a list of ``keras.callbacks.Callback`` objects."""
    import keras

    if callbacks is None:
        return
    if not isinstance(callbacks, (list, tuple)):
        raise KganError(f"callbacks must be a list of keras.callbacks.Callback objects, got {type(callbacks).__name__}")
    for i, callback in enumerate(callbacks):
        if not isinstance(callback, keras.callbacks.Callback):
            raise KganError(f"callbacks[{i}] is {callback!r:.40} ({type(callback).__name__}), not a "
                            f"keras.callbacks.Callback")


def sample_shape_of(config, data) -> tuple:
    """The shape of one training sample, as ``kgan.data`` will read ``data`` (a spec or an array)."""
    from kgan import data as data_module

    if isinstance(data, str):
        return data_module.load(data, config.image_size).sample_shape
    shape = tuple(np.shape(data)[1:])
    if len(shape) == 2:  # grayscale (N, H, W) gains its channel
        shape = (*shape, 1)
    return (config.image_size, config.image_size, shape[-1]) if config.image_size and len(shape) == 3 else shape


def check_networks(generator, discriminator, config, sample_shape: tuple) -> None:
    """``generator`` must turn the run's latent inputs into samples of ``sample_shape``, and
    ``discriminator`` must judge such samples with one logit each."""
    import keras

    from kgan.latent import sampling_inputs

    for role, model in (("generator", generator), ("discriminator", discriminator)):
        if not isinstance(model, keras.Model):
            raise KganError(f"{role} must be a keras.Model, got {type(model).__name__}")
    latent = sampling_inputs(config.latent_spec(), PROBE_BATCH).inputs
    names = input_names(generator)
    if sorted(names) != sorted(latent):
        raise KganError(f"the generator takes inputs {names}; a {config.variant} run feeds it {sorted(latent)} "
                        f"(name its keras.Input 'z')")
    z_shape = tuple(generator.inputs[names.index("z")].shape[1:])
    if z_shape != (config.latent_dim,):
        raise KganError(f"the generator's z has shape {z_shape}; the run draws z of size {config.latent_dim} "
                        f"(set latent_dim={z_shape[-1] if z_shape else '...'} or change the network)")
    fake = _called("generator", generator, latent)
    got = tuple(fake.shape[1:]) if hasattr(fake, "shape") else type(fake).__name__
    if got != tuple(sample_shape):
        raise KganError(f"the generator's output is {got} per sample; the data's samples are {tuple(sample_shape)}")
    if SAMPLE_INPUT not in input_names(discriminator):
        raise KganError(f"the discriminator takes inputs {input_names(discriminator)}; name its keras.Input 'sample'")
    samples = np.zeros((PROBE_BATCH, *sample_shape), np.float32)
    logits = heads(_called("discriminator", discriminator, {**latent, SAMPLE_INPUT: samples})).get("logits")
    shape = tuple(logits.shape[1:]) if logits is not None else None
    if shape is None or (shape and shape[-1] != 1):
        raise KganError(f"the discriminator must return one logit per sample (shape (N, 1)); it returns "
                        f"{'no logits head' if shape is None else f'shape {shape} per sample'}")


def _called(role: str, model, inputs: dict):
    try:
        return call_by_name(model, inputs, training=False)
    except KeyError as e:
        raise KganError(f"the {role} takes an input {e} the run does not feed") from None
    except Exception as e:  # Keras and every backend raise their own kinds for a shape that does not fit
        raise KganError(f"the {role} fails on the run's shapes: {str(e).splitlines()[0][:200]}") from None
