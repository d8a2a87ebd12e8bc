"""The image sizes a fully convolutional network declares (``kgan.networks.SizeRule``), and that the
translators' declarations hold: every side they allow comes back at the same size."""

from __future__ import annotations

import os
import types

import numpy as np
import pytest

from kgan.errors import KganError
from kgan.networks import SizeRule


def test_a_rule_with_a_remainder_lists_fits_and_rounds_its_sides():
    rule = SizeRule(multiple=32, remainder=28, minimum=28)
    assert [side for side in range(100) if rule.fits(side)] == [28, 60, 92]
    assert (rule.nearest(1), rule.nearest(43), rule.nearest(44), rule.nearest(100)) == (28, 28, 60, 92)
    assert rule.describe() == "28 + a multiple of 32 (28, 60, 92, ...)"
    assert SizeRule.from_json(rule.to_json()) == rule


def test_a_side_the_rule_refuses_gets_one_line_naming_the_sides_it_takes():
    SizeRule(256).check(256, 512)
    with pytest.raises(KganError, match=r"^a 100x300 image does not fit this network: its height and width must "
                                        r"be multiples of 256 \(256, 512, 768, \.\.\.\); resize or crop it, e\.g\. "
                                        r"to 256x256$"):
        SizeRule(256).check(100, 300)


@pytest.mark.parametrize("bad", [dict(multiple=0), dict(multiple=4, remainder=4), dict(multiple=4, remainder=-1)])
def test_an_impossible_rule_is_refused(bad):
    with pytest.raises(ValueError, match="SizeRule needs"):
        SizeRule(**bad)


# Output sizes follow Keras' own padding and stride rules, the same on every backend; building a U-Net
# under JAX takes about 30 s here (it compiles a random-normal draw per kernel shape), so once, in torch.
@pytest.mark.skipif(os.environ.get("KERAS_BACKEND") != "torch", reason="shape arithmetic: checked in the torch env")
@pytest.mark.parametrize("build", ["unet_generator", "resnet_generator", "encoder_decoder_generator"])
def test_each_translator_returns_every_size_its_rule_allows(build):
    """The smallest side, the training side and a non-square larger one, through the network's own layers."""
    from kgan.networks import any_size, size_rule
    from kgan.variants import translators

    generator = getattr(translators, build)(types.SimpleNamespace(variant="test", width=2, seed=0), (28, 28, 1))
    rule = size_rule(generator)
    view = any_size(generator)
    for shape in [(rule.smallest, rule.smallest), (28, 28), (28 + rule.multiple, 28 + 2 * rule.multiple)]:
        source = np.zeros((1, *shape, 1), np.float32)
        assert view.predict(source, verbose=0).shape == source.shape  # compiled once per size: fast on JAX too
