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
- **Image sizes.** A network is built for its training images' size; a fully convolutional one (a
  translator, a super-resolution network) may declare the other heights and widths it takes
  (``declare_sizes`` with a ``SizeRule``), which its ONNX export then takes too.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

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

    Labels are int32 whatever the model declared, as kgan feeds them; so is any input declared as integers
    (a text encoder's character ids); every other input is float32.
    """
    return {t.name: ("int32" if t.name == "label" or "int" in str(t.dtype) else "float32", tuple(t.shape[1:]))
            for t in model.inputs}


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


@dataclass(frozen=True)
class SizeRule:
    """The image heights and widths a fully convolutional network takes, each side on its own: ``minimum``
    or more, and ``remainder`` more than a multiple of ``multiple``.

    The multiple is what the network's strided layers divide by (a U-Net of depth d: 2^d; a ResNet
    generator with two stride-2 convs: 4). A network that mirror-pads its training side up to a power
    of two (a U-Net trained at 28 px pads 2 + 2 up to 32) adds the same padding to any side, so the
    sides it takes are 28, 60, 92, ...: multiple 32, remainder 28.

    Args:
        multiple: each side, plus the network's own padding, must be a multiple of this.
        remainder: ``side % multiple`` of every side taken (0 for a network that pads nothing).
        minimum: the smallest side taken.

    Example:
        declare_sizes(unet, SizeRule(multiple=256))   # 256, 512, 768, ... on each side
    """

    multiple: int
    remainder: int = 0
    minimum: int = 0

    def __post_init__(self):
        if not (isinstance(self.multiple, int) and self.multiple >= 1 and 0 <= self.remainder < self.multiple):
            raise ValueError(f"a SizeRule needs multiple >= 1 and 0 <= remainder < multiple, got {self}")

    @property
    def smallest(self) -> int:
        """The smallest side taken."""
        return self.nearest(max(self.minimum, 1), up=True)

    def fits(self, side: int) -> bool:
        return side >= self.smallest and side % self.multiple == self.remainder

    def nearest(self, side: int, up: bool = False) -> int:
        """The side taken closest to ``side`` (ties and ``up``: the larger), never below the smallest."""
        below = side - (side - self.remainder) % self.multiple
        above = below if below == side else below + self.multiple
        low = max(self.minimum, 1)
        if below < low:
            return above if above >= low else self.nearest(low, up=True)
        return above if up or above - side <= side - below else below

    def describe(self) -> str:
        """e.g. "multiples of 256 (256, 512, 768, ...)" or "28 + a multiple of 32 (28, 60, 92, ...)"."""
        first = self.smallest
        examples = ", ".join(str(first + i * self.multiple) for i in range(3))
        if self.remainder == 0:
            return f"multiples of {self.multiple} ({examples}, ...)"
        return f"{self.remainder} + a multiple of {self.multiple} ({examples}, ...)"

    def check(self, height: int, width: int) -> None:
        """A one-line ``KganError`` unless both sides are taken."""
        if not (self.fits(height) and self.fits(width)):
            raise KganError(f"a {height}x{width} image does not fit this network: its height and width must be "
                            f"{self.describe()}; resize or crop it, e.g. to "
                            f"{self.nearest(height)}x{self.nearest(width)}")

    def to_json(self) -> str:
        return json.dumps({"multiple": self.multiple, "remainder": self.remainder, "minimum": self.smallest})

    @classmethod
    def from_json(cls, text: str) -> SizeRule:
        values = json.loads(text)
        return cls(int(values["multiple"]), int(values.get("remainder", 0)), int(values.get("minimum", 0)))


def declare_sizes(model, rule: SizeRule):
    """Mark ``model`` (a network whose image inputs and output are NHWC) as taking every image size
    ``rule`` allows, not only the size it was built for; returns ``model``. A role's build function calls
    it on the network it returns, and ``kgan export`` then writes a graph with dynamic height and width."""
    model.kgan_size_rule = rule
    return model


def size_rule(model) -> SizeRule | None:
    """The sizes ``model`` declared it takes (``declare_sizes``); None: only the size it was built for."""
    return getattr(model, "kgan_size_rule", None)


def any_size(model):
    """``model``'s own layers and weights on inputs whose image height and width are unknown (None), so it
    can be called on, and exported for, every size its ``SizeRule`` allows: Keras checks a functional
    model's inputs against the shapes it was built with."""
    import keras

    inputs = [keras.Input((None, None, *t.shape[3:]) if t.name in image_inputs(model) else t.shape[1:],
                          name=t.name, dtype=t.dtype) for t in model.inputs]
    view = keras.models.clone_model(model, input_tensors=inputs if len(inputs) > 1 else inputs[0],
                                    clone_function=lambda layer: layer)  # the same layers: nothing copied
    return declare_sizes(view, size_rule(model))
