"""The network contract: what kgan feeds a network, how it calls one, and what it reads back.

Training, sampling and export all go through this module, so they agree on it:

- **Inputs by name.** A network declares its inputs as named ``keras.Input``s and kgan feeds each the
  value of that name: ``z`` (float, ``[latent_dim]``), ``label`` (int32 class, ``[]``) and ``code``
  (float InfoGAN codes) are *latent* inputs that kgan draws on the host; ``sample`` is what a
  discriminator judges; any other name (e.g. ``image``) is an image the caller supplies, as an
  image-to-image generator takes.
- **Output heads.** A network returns one tensor (its ``logits`` head) or a dict of named heads,
  e.g. ``{"logits", "class_logits"}`` (ACGAN) or ``{"logits", "code"}`` (InfoGAN's Q head).
- **Conditional** means "takes a class ``label``"; ``is_conditional`` is the one test of it.
- ``generate`` runs a generator on its inputs in inference mode, in batches, as numpy.
"""

from __future__ import annotations

import numpy as np

from kgan.errors import KganError

LATENT_INPUTS = ("z", "label", "code")  # drawn by kgan (kgan.latent), in this order
SAMPLE_INPUT = "sample"  # the batch a discriminator judges
# What an image-to-image generator translates (its one image input), and what pix2pix's D is conditioned on.
SOURCE_INPUT = "source"


def input_names(model) -> list[str]:
    """The names of ``model``'s inputs, in the order the model takes them."""
    return [t.name for t in model.inputs]


def latent_inputs(model) -> list[str]:
    """The inputs of ``model`` kgan draws itself (z, label, code), in ``LATENT_INPUTS`` order."""
    names = input_names(model)
    return [name for name in LATENT_INPUTS if name in names]


def image_inputs(model) -> list[str]:
    """The inputs of a generator that the caller supplies as images (anything not latent)."""
    return [name for name in input_names(model) if name not in LATENT_INPUTS]


def is_conditional(model) -> bool:
    """Whether ``model`` takes a class label (input ``label``)."""
    return "label" in input_names(model)


def call_by_name(model, available: dict, training: bool):
    """``model`` called on the entries of ``available`` its inputs are named after.

    Example:
        images = call_by_name(generator, {"z": z, "label": labels}, training=False)
    """
    args = [available[name] for name in input_names(model)]
    return model(args[0] if len(args) == 1 else args, training=training)


def heads(output) -> dict:
    """A network's output as named heads: a single tensor is the ``logits`` head."""
    return output if isinstance(output, dict) else {"logits": output}


def head_names(model) -> set[str]:
    """The heads ``model`` returns (see ``heads``)."""
    return set(model.output) if isinstance(model.output, dict) else {"logits"}


def all_layers(model) -> list:
    """Every layer of ``model``, those of the models nested in it included: depth first, each model's
    layers in its own order (what the step's checks and host-noise search walk)."""
    import keras

    found = []
    for layer in model.layers:
        found.append(layer)
        if isinstance(layer, keras.Model):
            found += all_layers(layer)
    return found


def input_signature(model) -> dict[str, tuple[str, tuple]]:
    """name -> (dtype, per-sample shape) of each input of ``model``, as declared by its ``keras.Input``s.

    Labels are int32 whatever the model declared, as kgan feeds them.
    """
    return {t.name: ("int32" if t.name == "label" else "float32", tuple(t.shape[1:])) for t in model.inputs}


def generate(generator, inputs: dict | np.ndarray, batch_size: int = 256) -> np.ndarray:
    """``generator(inputs)`` in inference mode, in batches, as numpy; ``inputs`` is z or a dict by input name."""
    from keras import ops

    from kgan.precision import in_floatx

    inputs = inputs if isinstance(inputs, dict) else {"z": inputs}
    missing = [name for name in input_names(generator) if name not in inputs]
    if missing:
        raise KganError(f"the generator also takes {', '.join(missing)}, which was not given "
                        f"(images to translate come from the caller)")
    inputs = {name: inputs[name] for name in input_names(generator)}
    n = len(next(iter(inputs.values())))
    # in_floatx: a mixed-precision network's half-precision output comes back as float32.
    chunks = [ops.convert_to_numpy(in_floatx(call_by_name(
        generator, {name: ops.convert_to_tensor(value[i:i + batch_size]) for name, value in inputs.items()},
        training=False)))
        for i in range(0, n, batch_size)]
    return np.concatenate(chunks, axis=0)
