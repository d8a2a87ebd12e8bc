"""The run's pictures: what the per-epoch grids show, drawn the same way every time."""

from __future__ import annotations

from pathlib import Path

from kgan.latent import sampling_inputs
from kgan.networks import generate, image_inputs
from kgan.training.translation import translation_grid
from kgan.viz import save_samples

POINTS_PER_PLOT = 1000
TRANSLATIONS_PER_ROW = 8  # images per row of an image-to-image run's picture


def fixed_inputs(step, config, dataset):
    """The inputs of the per-epoch grids: the same latent draws every time (``grid_size`` of them for images,
    ``POINTS_PER_PLOT`` for points), and as many of the first training samples (the batch source's
    ``preview``) for a generator that takes images; None for a variant that draws its own picture."""
    from kgan.variants import get_variant

    if get_variant(config.variant).picture:  # it draws its own picture, from the run's seed
        return None
    count = config.grid_size if dataset.kind == "image" else POINTS_PER_PLOT
    fixed = sampling_inputs(config.latent_spec(), count, seed=config.seed)
    for name in image_inputs(step.sampling_generator):
        fixed.inputs[name] = step.source.preview(dataset, len(fixed.inputs["z"]))["x"]
    return fixed


def save_grid(path: str | Path, step, variant, config, dataset, fixed) -> None:
    """The run's picture now, to ``path``: an image-to-image model's translations of the first training
    images (``translation_grid`` of the batch source's ``preview``), else ``step``'s samples of the ``fixed``
    inputs (2-D points over the real ones); or the variant's own (``Variant.picture``)."""
    if variant.picture:
        images, columns, row_names = variant.picture(step, config, dataset)
        save_samples(images, path, columns=columns, row_names=row_names)
    elif variant.directions:
        n = min(config.grid_size, TRANSLATIONS_PER_ROW)
        generators = {direction: step.ema.get(role, step.networks[role])
                      for direction, role in variant.directions.items()}
        preview = step.source.preview(dataset, n)
        save_samples(translation_grid(generators, preview["x"], preview.get("b")), path, columns=len(preview["x"]))
    else:
        samples = generate(step.sampling_generator, fixed.inputs)
        reference = step.source.preview(dataset, POINTS_PER_PLOT)["x"] if samples.ndim == 2 else None
        save_samples(samples, path, reference, columns=fixed.columns)
