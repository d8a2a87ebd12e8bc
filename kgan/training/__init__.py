"""The training wing: a step written once for every variant, and the run around it.

- ``phases``: roles (a variant's networks by name) and phases (which roles update, how often).
- ``terms``: loss terms as data, and the maths of the extra ones; ``losses``: the adversarial losses.
- ``adversarial``: the GAN schedule of the built-in variants (D's phase, then G's).
- ``step``: ``TrainingStep``, the step over phases; ``step_inputs``: its host-drawn random inputs.
- ``assembly``: config resolved, data loaded, step built; ``run_loop``: the loop, logs, Ctrl-C.
- ``checkpoint``: the training state on disk; ``monitor`` and ``tensorboard``: what a run reports.
"""
