"""Packing (PacGAN, Lin et al. 2018): the discriminator judges ``pack`` samples at once.

With ``pack`` M, D's input is M samples concatenated on their last axis: features for points, so a
2-D point becomes a 2M-vector; channels for images, so 28x28x1 becomes 28x28xM. D then says whether
the M samples, all real or all fake, came from the data; a generator that drops modes shows it in the
joint law of M samples more plainly than in one. G itself is unchanged: it makes single samples, and
sampling and ONNX export use it as always.

What a batch is (as in PacGAN's released code, whose batch of 100 is 100 packed inputs):
``batch_size`` counts D's inputs. So one D update reads ``batch_size * M`` real rows (the next ones of
the epoch's shuffled order, on the host, as an unpacked run with a batch of ``batch_size * M`` would)
and G makes ``batch_size * M`` samples; rows ``k*M .. k*M + M - 1`` form D's k-th input. Draws that
belong to D's inputs (real and fake targets, the gradient penalty's weights, instance noise, D's
dropout) are one per packed input. An epoch is ``len(data) // (batch_size * M * n_critic)`` steps.

``pack=1`` is an ordinary GAN: nothing is reshaped, and runs are bit-identical to those without packing.
"""

from __future__ import annotations

from keras import ops


def packed_shape(sample_shape, pack: int) -> tuple:
    """The shape of one input of a discriminator that judges ``pack`` samples of ``sample_shape``."""
    sample_shape = tuple(sample_shape)
    return sample_shape[:-1] + (sample_shape[-1] * pack,)


def pack_samples(samples, pack: int):
    """(batch * pack, *shape) samples -> (batch, *shape[:-1], shape[-1] * pack): each run of ``pack``
    consecutive samples concatenated on the last axis, in order."""
    if pack == 1:
        return samples
    shape = tuple(samples.shape[1:])
    grouped = ops.reshape(samples, (-1, pack) + shape)  # (batch, pack, *shape)
    # The pack axis next to the last one, so that the reshape concatenates the samples' last axes.
    order = (0,) + tuple(range(2, len(shape) + 1)) + (1, len(shape) + 1)
    return ops.reshape(ops.transpose(grouped, order), (-1,) + packed_shape(shape, pack))
