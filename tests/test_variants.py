import numpy as np
import pytest
from helpers import tiny_config
from keras import ops

from kgan.errors import KganError
from kgan.variants import Variant, get_variant, list_variants, register


def build(name, shape, **overrides):
    config = tiny_config(variant=name, **overrides)
    variant = get_variant(name)
    return config, variant.build("generator", config, shape), variant.build("discriminator", config, shape)


@pytest.mark.parametrize("shape", [(28, 28, 1), (32, 32, 3), (64, 64, 3)])
def test_dcgan_is_sized_from_the_data(shape):
    config, generator, discriminator = build("dcgan", shape)
    images = ops.convert_to_numpy(generator(np.random.default_rng(0).standard_normal((2, 8)).astype("float32")))
    assert images.shape == (2, *shape)
    assert images.min() >= -1 and images.max() <= 1  # tanh output
    assert tuple(discriminator(images).shape) == (2, 1)


def test_dcgan_follows_the_guidelines():
    _, generator, discriminator = build("dcgan", (28, 28, 1), width=64)
    deconvs = [layer for layer in generator.layers if "deconv" in layer.name]
    assert [layer.strides for layer in deconvs] == [(2, 2), (2, 2)]
    assert [tuple(layer.output.shape[1:]) for layer in deconvs] == [(14, 14, 128), (28, 28, 64)]
    kinds = {type(layer).__name__ for layer in discriminator.layers}
    assert "MaxPooling2D" not in kinds and "BatchNormalization" in kinds and "LeakyReLU" in kinds


@pytest.mark.parametrize("shape", [(30, 20, 1), (7, 7, 1), (2,), (28, 28)])
def test_dcgan_rejects_data_it_cannot_model(shape):
    with pytest.raises(KganError, match="dcgan"):
        build("dcgan", shape)


def test_gan_models_points_with_a_linear_output():
    _, generator, discriminator = build("gan", (2,), width=8)
    points = ops.convert_to_numpy(generator(np.full((3, 8), 50.0, "float32")))
    assert points.shape == (3, 2) and np.abs(points).max() > 1  # not squashed by tanh
    assert tuple(discriminator(points).shape) == (3, 1)


def test_gan_models_images_with_tanh():
    _, generator, _ = build("gan", (28, 28, 1), width=8)
    images = ops.convert_to_numpy(generator(np.full((2, 8), 50.0, "float32")))
    assert images.shape == (2, 28, 28, 1) and np.abs(images).max() <= 1


def test_registry_lists_and_looks_up_variants():
    assert {"gan", "dcgan"} <= {v.name for v in list_variants()}
    assert all(v.description and v.reference for v in list_variants())
    with pytest.raises(KganError, match="dcgan"):
        get_variant("dcgann")
    with pytest.raises(ValueError, match="already registered"):
        register(Variant("gan", "", "", roles=()))


def test_the_variant_docstring_describes_every_field():
    import dataclasses

    from kgan.variants.registry import Variant

    assert [f.name for f in dataclasses.fields(Variant) if f"        {f.name}: " not in Variant.__doc__] == []


@pytest.mark.parametrize("changes, message", [
    ({"data": "paired"}, "trains on data 'paired'; give a batch source"),
    ({"directions": {"a2b": "translator"}}, r"directions name roles it lacks: a2b -> translator"),
])
def test_a_variant_with_an_unknown_data_kind_or_direction_is_refused_when_it_registers(changes, message):
    import dataclasses

    from kgan.variants import unregister

    try:
        with pytest.raises(ValueError, match=message):
            register(dataclasses.replace(get_variant("pix2pix"), name="misdeclared_test", **changes))
    finally:
        unregister("misdeclared_test")
