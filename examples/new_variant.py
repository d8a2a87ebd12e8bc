"""A new variant with a loss term, a setting and a kind of data of its own: DCGAN plus two tricks of
progressive GANs, the drift penalty and mirrored real images.

    KERAS_BACKEND=torch python examples/new_variant.py runs/dcgan-drift

The drift penalty, eps * E[D(x)^2] on the real logits (Karras et al. 2018, sec. A.1), keeps a
critic's outputs from wandering far from 0. It is one Term added to D's phase of the GAN schedule,
weighted by a setting the variant declares (``--drift-weight``, in ``kgan train dcgan_drift --help``).
Its data is a batch source of its own: each real image is mirrored left-right with probability 1/2,
as the paper's CelebA-HQ runs (and StyleGAN's ``--mirror``) do; the flips are host draws, so runs
stay identical across backends and resume exactly. The networks are DCGAN's. Saved as
kgan/variants/dcgan_drift.py (and imported in kgan/variants/__init__.py) the same code makes
`kgan train dcgan_drift` work; here it registers in this process and trains a few steps on the
MNIST digits kgan ships. docs/architecture.md walks through it.
"""

import dataclasses
import sys

import numpy as np
from keras import ops

import kgan
from kgan.options import Option, at_least
from kgan.training.adversarial import GAN_OPTIONS, adversarial_phases, two_player
from kgan.training.batch_sources import Samples
from kgan.training.terms import Stat, Term
from kgan.variants import Variant, dcgan, register

# The variant's own setting: kgan train offers it as --drift-weight, TrainConfig checks it, config.json records it.
DRIFT_WEIGHT = Option("drift_weight", "float", 0.001, "Drift penalty epsilon (the paper's 0.001).", check=at_least(0))


def drift_penalty(views):
    """E[D(x)^2] over the real batch: ``views`` holds what D's phase computed (see adversarial.py)."""
    return ops.mean(ops.square(views["real_out"]["logits"]))


@dataclasses.dataclass(frozen=True)
class MirroredSamples(Samples):
    """Images, each real one mirrored left-right with probability 1/2 every time it is read."""

    def draw_augmentation(self, rng, shape):
        """Host draws from the run's noise stream, after every other draw of the step: a 0/1 per row."""
        return {"mirror": (rng.random(shape) < 0.5).astype(np.float32)}

    def gather(self, data, draws):
        batch = super().gather(data, draws)  # the rows, as Samples gathers them
        mirror = ops.reshape(draws.pop("mirror"), (-1, 1, 1, 1))
        batch["x"] = mirror * ops.flip(batch["x"], axis=2) + (1 - mirror) * batch["x"]
        return batch


def phases(config, sample_shape):
    """The GAN schedule, with the drift term appended to D's phase."""
    drift = Term("drift", drift_penalty, weight=config.drift_weight, stat="drift",
                 stats=(Stat("drift", "drift penalty", line="--"),))
    d_phase, g_phase = adversarial_phases(config, sample_shape)
    return [dataclasses.replace(d_phase, terms=d_phase.terms + (drift,)), g_phase]


register(Variant(
    name="dcgan_drift",
    description="DCGAN with the WGAN loss, a drift penalty on the critic's real outputs and mirrored images",
    reference="Karras et al. 2018, Progressive Growing of GANs, arXiv:1710.10196, sec. A.1",
    roles=two_player(dcgan.build_generator, dcgan.build_discriminator),
    phases=phases,
    options=(*GAN_OPTIONS, DRIFT_WEIGHT),
    data=MirroredSamples(),
    defaults={"loss": "wasserstein", "gp_weight": 10.0, "d_norm": "layer", "n_critic": 1},
))

if __name__ == "__main__":
    out = sys.argv[1] if len(sys.argv) > 1 else "runs/dcgan-drift"
    run = kgan.train("dcgan_drift", data="mnist", steps=3, width=8, batch_size=16, log_every=1, out=out,
                     progress=False)
    print(run.history[-1])  # d_loss, g_loss, d_real, d_fake, gp and drift
