"""What generators take besides images: z, class labels and InfoGAN codes, drawn on the host with numpy.

``noise`` draws z, ``codes`` lays out and draws InfoGAN codes, ``spec`` says what one generator takes
and draws the inputs every sampler uses, and ``walks`` builds interpolations, code traversals and
latent arithmetic from them.
"""

from kgan.latent.spec import LatentSpec, SamplingInputs, check_label, sampling_inputs

__all__ = ["LatentSpec", "SamplingInputs", "check_label", "sampling_inputs"]
