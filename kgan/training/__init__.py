"""The training wing: a step written once for every variant, and the run around it.

- ``phases``: roles (a variant's networks by name) and phases (which roles update, how often).
- ``terms``: loss terms as data, and the maths of the extra ones; ``losses``: the adversarial losses.
- ``adversarial``: the GAN schedule of the built-in GANs (D's phase, then G's) and its settings.
- ``translation``: what the image-to-image variants share (jitter, CycleGAN's image history, settings).
- ``step``: ``TrainingStep``, the step over phases; ``step_inputs``: its host-drawn random inputs;
  ``batch_sources``: the kinds of training data, each drawing and gathering a step's real rows
  (``super_resolution``: the SR variants' kind, HR crops and their bicubic LR inputs; ``captions``: the text
  variants', images with their captions and mismatched ones).
- ``packing`` (PacGAN's packed inputs), ``schedules`` (learning-rate decay), ``loss_scale`` (fp16),
  ``devices`` (data-parallel runs): what the step uses.
- ``assembly``: config resolved, data loaded, step built (``init_from``: weights from another run;
  ``network_checks``: a user's own networks and callbacks checked before anything is written);
  ``run_loop``: the loop, logs, callbacks; around it
  ``host_draws`` (the run's stream of host draws, a call ahead), ``interrupts`` (Ctrl-C, SIGTERM) and
  ``sample_grids`` (the per-epoch pictures).
- ``checkpoint``: the training state on disk; ``monitor`` and ``tensorboard``: what a run reports.
"""
