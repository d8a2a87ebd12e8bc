"""Projecting a real image into a generator: the z (and label or codes) whose image matches it.

Adam on the generator's inputs from several random starts, written once in ``keras.ops`` and run
through the backend seam (``kgan.backend``: ``CompiledStep`` and ``minimize``), so it runs on every
backend. The loss is the pixel mean squared error plus, where a pinned feature network fits the
images (``kgan.metrics.feature_nets``: 28x28 grey), the squared distance of the network's features,
relative to the target's. A conditional generator is tried with every class (or the one given), an
InfoGAN generator with every value of its first categorical code; continuous codes are optimised with z.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from kgan.errors import KganError
from kgan.latent.codes import code_slices
from kgan.latent.noise import sample_z


@dataclass
class Projection:
    """What ``project`` found for one target image.

    Args:
        inputs: the generator inputs of the best start, by name (``z``, and ``label`` or ``code``), each (1, ...).
        image: the generator's image for them, (H, W, C) in [-1, 1].
        loss: its loss; ``pixel_mse`` its pixel mean squared error alone.
        frames: the best start's image every ``frame_every`` steps, (T, H, W, C) in [-1, 1].
        random_pixel_mse: the mean pixel MSE of the random starts' images: what no search gives.
    """

    inputs: dict
    image: np.ndarray
    loss: float
    pixel_mse: float
    frames: np.ndarray
    random_pixel_mse: float


def feature_network_for(sample_shape: tuple, data_name: str = ""):
    """The pinned feature network for images of ``sample_shape``: the one named like the run's data where
    there is one (``fashion_mnist``), else the first pinned one taking that shape; None where none does."""
    from kgan.metrics.feature_nets import load_feature_net, read_registry

    fitting = [name for name, record in sorted(read_registry().items())
               if tuple(record["sample_shape"]) == tuple(sample_shape)]
    return load_feature_net(data_name if data_name in fitting else fitting[0]) if fitting else None


def _candidates(spec, starts: int, seed: int, label: int | None) -> dict:
    """The starting inputs: ``starts`` z per class (conditional), per first-category value (InfoGAN), or in all."""
    rng = np.random.default_rng([seed, 7])
    classes = ([label] if label is not None else list(range(spec.num_classes))) if spec.num_classes else [None]
    categorical = next((i for i, c in enumerate(spec.code_spec) if c["kind"] == "categorical"), None)
    values = range(spec.code_spec[categorical]["size"]) if categorical is not None else [None]
    kinds = [(c, v) for c in classes for v in values]
    n = starts * len(kinds)
    inputs = {"z": sample_z(rng, (n, spec.latent_dim), spec.z_dist)}
    if spec.num_classes:
        inputs["label"] = np.repeat(np.array([c for c, _ in kinds], np.int32), starts)
    if spec.code_spec:
        from kgan.latent.codes import fixed_codes

        firsts = np.repeat(np.array([v for _, v in kinds]), starts)
        given = [firsts if i == categorical else None for i in range(len(spec.code_spec))]
        inputs["code"] = fixed_codes(rng, n, spec.code_spec, given)
    return inputs


def _continuous_mask(spec) -> np.ndarray:
    """1 where the code vector holds a continuous code (optimised), 0 on categorical one-hot slots (fixed)."""
    mask = np.zeros(sum(c["size"] for c in spec.code_spec), np.float32)
    for kind, start, stop in code_slices(spec.code_spec):
        if kind != "categorical":
            mask[start:stop] = 1.0
    return mask


def project(generator, spec, target: np.ndarray, steps: int = 300, starts: int = 4, learning_rate: float = 0.05,
            features=None, feature_weight: float = 1.0, label: int | None = None, seed: int = 0,
            frame_every: int = 10, progress=None) -> Projection:
    """Find the inputs of ``generator`` whose image is closest to ``target``.

    Args:
        generator: a generator from noise (a ``keras.Model`` taking ``z``, maybe ``label`` or ``code``).
        spec: its ``kgan.latent.LatentSpec``.
        target: one image (H, W, C) in [-1, 1], of the generator's image shape.
        steps: Adam steps.
        starts: random starts per class (or first-category value).
        learning_rate: Adam's rate on the inputs.
        features: a pinned ``FeatureNet`` taking the images (``feature_network_for``), or None: pixels only.
        feature_weight: weight of the feature distance, relative to the target's features' mean square.
        label: a conditional generator's class, if known (otherwise every class is tried).
        seed: seeds the starts.
        frame_every: keep the best start's image every this many steps, for a video of the search.
        progress: called with (step, best loss) after each step, e.g. to move a progress bar.

    Returns:
        the ``Projection`` of the best start.
    """
    import keras
    from keras import ops

    from kgan import backend
    from kgan.networks import call_by_name, generate

    if not isinstance(steps, int) or steps < 1 or not isinstance(starts, int) or starts < 1:
        raise KganError(f"steps and starts must be positive integers, got {steps} and {starts}")
    candidates = _candidates(spec, starts, seed, label)
    n = len(candidates["z"])
    features = features if feature_weight else None
    targets = ops.convert_to_tensor(np.repeat(target[None].astype(np.float32), n, axis=0))
    target_features = None if features is None else features.model(targets, training=False)["features"]
    scale = None if features is None else ops.maximum(ops.mean(ops.square(target_features)), 1e-8)
    z = keras.Variable(candidates["z"], name="projected_z")
    free = [z]
    if spec.code_spec:
        code = keras.Variable(candidates["code"], name="projected_code")
        fixed, mask = ops.convert_to_tensor(candidates["code"]), ops.convert_to_tensor(_continuous_mask(spec))
        free.append(code)
    optimizer = keras.optimizers.Adam(learning_rate)
    optimizer.build(free)

    def current_inputs():
        inputs = {"z": z.value}
        if spec.num_classes:
            inputs["label"] = ops.convert_to_tensor(candidates["label"])
        if spec.code_spec:  # continuous codes move, within their [-1, 1]; categorical slots stay
            inputs["code"] = fixed * (1.0 - mask) + ops.clip(code.value, -1.0, 1.0) * mask
        return inputs

    def per_sample_loss(targets):
        images = ops.cast(call_by_name(generator, current_inputs(), training=False), "float32")
        loss = ops.mean(ops.square(images - targets), axis=(1, 2, 3))
        pixel = loss
        if features is not None:
            distance = ops.mean(ops.square(features.model(images, training=False)["features"] - target_features),
                                axis=1)
            loss = loss + feature_weight * distance / scale
        return loss, pixel

    def step(targets):
        def loss_fn():
            loss, pixel = per_sample_loss(targets)
            return ops.sum(loss), {"loss": loss, "pixel": pixel}
        _, values = backend.current().minimize([(optimizer, free)], loss_fn)
        return {**values, **current_inputs()}

    compiled = backend.current().CompiledStep(step, [*free, *optimizer.variables])
    frames, best_loss = [], None
    for i in range(steps):
        # Copies: torch hands back the variables' own storage, which the next step changes in place.
        out = {name: np.array(ops.convert_to_numpy(value)) for name, value in compiled(targets).items()}
        best = int(np.argmin(out["loss"]))  # the losses are those of the inputs before this step's update
        best_loss = float(out["loss"][best])
        if i % frame_every == 0 or i == steps - 1:
            frames.append({name: out[name][best:best + 1] for name in current_names(spec)})
        if progress:
            progress(i + 1, best_loss)
    final = {name: out[name] for name in current_names(spec)}
    images = generate(generator, final)
    losses = ops.convert_to_numpy(_loss_of_images(images, target, features, feature_weight))
    best = int(np.argmin(losses))
    inputs = {name: value[best:best + 1] for name, value in final.items()}
    frames = np.concatenate([generate(generator, frame) for frame in frames] + [images[best:best + 1]])
    starting = generate(generator, candidates)  # what the search started from: random samples
    return Projection(inputs, images[best], float(losses[best]), float(np.mean(np.square(images[best] - target))),
                      frames, float(np.mean(np.square(starting - target[None]))))


def current_names(spec) -> list[str]:
    return ["z"] + (["label"] if spec.num_classes else []) + (["code"] if spec.code_spec else [])


def _loss_of_images(images: np.ndarray, target: np.ndarray, features, feature_weight: float) -> np.ndarray:
    """The projection loss of finished images (numpy), to choose the best start after the last update."""
    loss = np.mean(np.square(images - target[None]), axis=(1, 2, 3))
    if features is not None:
        found, wanted = features.extract(images)[0], features.extract(target[None])[0]
        loss = loss + feature_weight * np.mean(np.square(found - wanted), axis=1) / max(np.mean(wanted ** 2), 1e-8)
    return loss
