"""A tiny two-way translator variant for the tests of translating, exporting and scoring: two
one-layer-deep conv generators (``g_ab``, ``g_ba``) and two conv critics, least-squares losses.

The real image-to-image variants (pix2pix, cyclegan, discogan) are tested in test_image_to_image.py;
this one is smaller still, so the tests of what surrounds a translator stay fast on every backend.
"""

from __future__ import annotations

import contextlib


def translator(config, sample_shape, dropout: float = 0.0):
    import keras
    from keras import layers

    from kgan.layers import HostDropout

    image = keras.Input(sample_shape, name="source")
    h = layers.Conv2D(config.width, 3, padding="same", activation="relu", name="t_conv")(image)
    if dropout:
        h = HostDropout(dropout, seed=config.seed, name="t_dropout")(h)
    out = layers.Conv2D(sample_shape[-1], 3, padding="same", activation="tanh", name="t_out")(h)
    return keras.Model(image, out, name="translator")


def critic(config, sample_shape):
    import keras
    from keras import layers

    sample = keras.Input(sample_shape, name="sample")
    h = layers.LeakyReLU(0.2, name="c_lrelu")(layers.Conv2D(config.width, 3, strides=2, name="c_conv")(sample))
    return keras.Model(sample, layers.Dense(1, name="c_logits")(layers.Flatten(name="c_flat")(h)), name="critic")


def squared(judged, target):
    from keras import ops

    return ops.mean(ops.square(judged["logits"] - target))


def discriminators_forward(passes, a, b):
    """Both critics on real images and on fakes that carry no gradient into the generators."""
    from keras import ops

    fake_b = ops.stop_gradient(passes("g_ab", {"source": a}))
    fake_a = ops.stop_gradient(passes("g_ba", {"source": b}))
    return {"real_a": passes.judge("d_a", {"sample": a}), "fake_a": passes.judge("d_a", {"sample": fake_a}),
            "real_b": passes.judge("d_b", {"sample": b}), "fake_b": passes.judge("d_b", {"sample": fake_b})}


def judge_term():
    from kgan.training.terms import Term

    return Term("least_squares_discriminators", lambda v: 0.5 * (
        squared(v["real_a"], 1.0) + squared(v["fake_a"], 0.0) + squared(v["real_b"], 1.0) + squared(v["fake_b"], 0.0)))


def fool_term():
    from kgan.training.terms import Term

    return Term("least_squares_generators",
                lambda v: squared(v["judged_b"], 1.0) + squared(v["judged_a"], 1.0))


def phases(config, sample_shape):
    """D's phase, then G's: each generator fools the other domain's critic."""
    from kgan.training.phases import Phase
    from kgan.training.terms import Stat

    def generators_forward(passes, batch, draws):
        return {"judged_b": passes.judge("d_b", {"sample": passes("g_ab", {"source": batch["x"]})}),
                "judged_a": passes.judge("d_a", {"sample": passes("g_ba", {"source": batch["b"]})})}

    return [
        Phase("discriminators", updates=("d_a", "d_b"),
              forward=lambda passes, batch, draws: discriminators_forward(passes, batch["x"], batch["b"]),
              terms=(judge_term(),), loss_stat=Stat("d_loss", "D loss"),
              calls={"g_ab": 1, "g_ba": 1, "d_a": 2, "d_b": 2}, reads_data=True),
        Phase("generators", updates=("g_ab", "g_ba"), forward=generators_forward, terms=(fool_term(),),
              loss_stat=Stat("g_loss", "G loss"), calls={"g_ab": 1, "g_ba": 1, "d_a": 1, "d_b": 1}, reads_data=True),
    ]


def roles(build_translator=translator):
    from kgan.training.phases import Role

    return (Role("g_ab", build_translator, generates=True), Role("g_ba", build_translator, generates=True),
            Role("d_a", critic), Role("d_b", critic))


@contextlib.contextmanager
def registered(name: str, data):
    """The tiny translator registered as ``name``, training on ``data`` (a batch source: ``PAIRED``, ``UNPAIRED``)."""
    from kgan.variants import Variant, register, unregister

    register(Variant(name, "two-way translator (test only)", "-", phases=phases, roles=roles(),
                     directions={"a2b": "g_ab", "b2a": "g_ba"}, data=data))
    try:
        yield
    finally:
        unregister(name)
