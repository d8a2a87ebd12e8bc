"""Steps/s and images/s of a whole adversarial step: kgan on the active Keras backend vs native PyTorch.

Both sides train the same nets with the same algorithm (one D update on a real batch and a detached
fake batch, then one G update on fresh z; Adam 2e-4/0.5), the training set on the accelerator and
batches gathered there; timings wait for the device. Native PyTorch runs eagerly and under
torch.compile, in the same process; ``--rounds R`` measures each row R times with the sides alternating,
so a change in the machine's load falls on both, and reports medians.

- ``--model dcgan``: DCGAN for 28x28x1 (G 100 -> 7x7x256 -> 14x14x128 -> 28x28x64 -> 28x28x1, D 64-128
  strided 5x5 convs, batch norm).
- ``--model mlp``: the MLP GAN on 2-D points (kgan's ``gan`` at width 256, as on ring8: G 100-256-512-
  1024-2, D 2-1024-512-256-1 with LeakyReLU(0.2) and dropout 0.3).

    KERAS_BACKEND=jax python benchmarks/train_step.py --model dcgan --batches 64,256,1024 --seconds 20
"""

from __future__ import annotations

import argparse
import os
import time
from concurrent.futures import ThreadPoolExecutor

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
# kgan sets this when imported (kgan/__init__.py); torch loads first here, so native PyTorch gets it too.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
import torch  # before keras: TensorFlow and torch in one process need torch first

import numpy as np

LATENT, DATA_SIZE = 100, 8192
DRAWER = ThreadPoolExecutor(1, thread_name_prefix="kgan-draws")  # one thread for every row's kgan draws


def timed(step, batch, seconds, warmup, min_steps=3):
    """Images/s over at least ``min_steps`` timed steps and about ``seconds`` of work."""
    for _ in range(warmup):
        step()
    done, start = 0, time.perf_counter()
    while done < min_steps or time.perf_counter() - start < seconds:
        step()
        done += 1
    step(sync=True)
    return (done + 1) * batch / (time.perf_counter() - start)


SAMPLE_SHAPES = {"dcgan": (28, 28, 1), "mlp": (2,)}


def kgan_step_fn(model, batch, rng, steps_per_call=1, **settings):
    """kgan's step, or ``steps_per_call`` steps in one call as ``--steps-per-call`` runs them;
    ``settings``: TrainConfig fields such as precision, devices or xla."""
    import keras

    from kgan import backend
    from kgan.config import PRECISIONS, TrainConfig
    from kgan.training.assembly import build_step
    from kgan.training.devices import resolve_devices
    from kgan.training.step_inputs import StepInputs

    shape = SAMPLE_SHAPES[model]
    config = TrainConfig(variant="dcgan", batch_size=batch, **settings) if model == "dcgan" else \
        TrainConfig(variant="gan", batch_size=batch, width=256, **settings)
    config = resolve_devices(config)
    backend.set_precision(PRECISIONS[config.precision])
    training_step = build_step(config, shape)
    data = training_step.to_device(rng.uniform(-1, 1, (DATA_SIZE, *shape)).astype(np.float32))
    inputs = StepInputs(config, training_step, 1)

    draw_rng = np.random.default_rng(1)  # its own: a draw left pending must not touch the caller's rng

    def draw():
        draws = [inputs.draw(draw_rng, {"indices": draw_rng.integers(0, DATA_SIZE, (1, batch))}, 0)
                 for _ in range(steps_per_call)]
        return draws[0] if steps_per_call == 1 else training_step.stack_steps(draws)

    # The host draws (z, targets, dropout masks) are part of every kgan step, so they are timed too,
    # drawn one call ahead in a thread as `kgan train` draws them (kgan.training.run_loop).
    pending = [DRAWER.submit(draw)]

    def step(sync=False):
        draws = pending[0].result()
        pending[0] = DRAWER.submit(draw)
        if steps_per_call == 1:
            stats = training_step.train_step(data, draws)
        else:
            stats = training_step.train_steps(data, draws)
        if sync:
            keras.ops.convert_to_numpy(stats["g_loss"])

    return step


class TorchGenerator(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.project = torch.nn.Linear(LATENT, 7 * 7 * 256, bias=False)
        self.net = torch.nn.Sequential(
            torch.nn.BatchNorm2d(256), torch.nn.ReLU(),
            torch.nn.ConvTranspose2d(256, 128, 5, 2, 2, output_padding=1, bias=False),
            torch.nn.BatchNorm2d(128), torch.nn.ReLU(),
            torch.nn.ConvTranspose2d(128, 64, 5, 2, 2, output_padding=1, bias=False),
            torch.nn.BatchNorm2d(64), torch.nn.ReLU(),
            torch.nn.ConvTranspose2d(64, 1, 5, 1, 2), torch.nn.Tanh(),
        )

    def forward(self, z):
        return self.net(self.project(z).view(-1, 256, 7, 7))


def torch_discriminator():
    return torch.nn.Sequential(
        torch.nn.Conv2d(1, 64, 5, 2, 2), torch.nn.LeakyReLU(0.2),
        torch.nn.Conv2d(64, 128, 5, 2, 2, bias=False), torch.nn.BatchNorm2d(128), torch.nn.LeakyReLU(0.2),
        torch.nn.Flatten(), torch.nn.Linear(7 * 7 * 128, 1),
    )


def torch_mlp_generator():
    return torch.nn.Sequential(
        torch.nn.Linear(LATENT, 256), torch.nn.LeakyReLU(0.2), torch.nn.Linear(256, 512), torch.nn.LeakyReLU(0.2),
        torch.nn.Linear(512, 1024), torch.nn.LeakyReLU(0.2), torch.nn.Linear(1024, 2),
    )


def torch_mlp_discriminator():
    layers, width = [], 2
    for units in (1024, 512, 256):
        layers += [torch.nn.Linear(width, units), torch.nn.LeakyReLU(0.2), torch.nn.Dropout(0.3)]
        width = units
    return torch.nn.Sequential(*layers, torch.nn.Linear(width, 1))


def torch_step_fn(model, batch, rng, device, compiled=False):
    softplus = torch.nn.functional.softplus
    if model == "dcgan":
        generator, discriminator = TorchGenerator().to(device), torch_discriminator().to(device)
        data_shape = (DATA_SIZE, 1, 28, 28)
    else:
        generator, discriminator = torch_mlp_generator().to(device), torch_mlp_discriminator().to(device)
        data_shape = (DATA_SIZE, 2)
    g_opt = torch.optim.Adam(generator.parameters(), 2e-4, betas=(0.5, 0.999))
    d_opt = torch.optim.Adam(discriminator.parameters(), 2e-4, betas=(0.5, 0.999))
    data = torch.as_tensor(rng.uniform(-1, 1, data_shape).astype(np.float32), device=device)
    if compiled:
        generator, discriminator = torch.compile(generator), torch.compile(discriminator)

    def step(sync=False):
        real = data[torch.randint(0, DATA_SIZE, (batch,), device=device)]
        fake = generator(torch.randn(batch, LATENT, device=device)).detach()
        d_loss = softplus(-discriminator(real)).mean() + softplus(discriminator(fake)).mean()
        d_opt.zero_grad(set_to_none=True)
        d_loss.backward()
        d_opt.step()
        g_loss = softplus(-discriminator(generator(torch.randn(batch, LATENT, device=device)))).mean()
        g_opt.zero_grad(set_to_none=True)
        g_loss.backward()
        g_opt.step()
        if sync:
            g_loss.item()

    return step


def main():
    import keras

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", choices=tuple(SAMPLE_SHAPES), default="dcgan")
    parser.add_argument("--batches", default="64,256,1024")
    parser.add_argument("--precisions", default="fp32", help="kgan's --precision values, e.g. fp32,bf16")
    parser.add_argument("--devices", type=int, default=1,
                        help="kgan's --devices (JAX on CPU: XLA_FLAGS=--xla_force_host_platform_device_count=N)")
    parser.add_argument("--steps-per-call", default="1",
                        help="kgan's --steps-per-call values, e.g. 1,8 (JAX: K steps in one lax.scan)")
    parser.add_argument("--no-compile", action="store_true", help="leave out native torch.compile")
    parser.add_argument("--seconds", type=float, default=10.0, help="timed work per measurement")
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=1,
                        help="measure each row this many times, the sides alternating; report the medians")
    args = parser.parse_args()
    device = "cuda" if torch.cuda.is_available() else "cpu"
    rng = np.random.default_rng(0)
    backend = keras.backend.backend()
    print(f"keras {keras.__version__} backend {backend}; torch {torch.__version__} on {device}; "
          f"{os.cpu_count()} CPUs, torch threads {torch.get_num_threads()}; {args.model}, whole adversarial "
          f"step, images/s (steps/s)")
    print(f"| batch | kgan precision | kgan devices | kgan steps/call | kgan ({backend}) | native PyTorch eager (fp32) "
          f"| native torch.compile (fp32) | kgan / eager | kgan / compiled |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- |")

    def shown(images_per_sec):
        return f"{images_per_sec:,.0f} ({images_per_sec / batch:,.1f})"

    for batch in [int(b) for b in args.batches.split(",")]:
        native_step = torch_step_fn(args.model, batch, rng, device)
        compiled_step = None if args.no_compile else torch_step_fn(args.model, batch, rng, device, compiled=True)
        for precision, per_call in [(p, int(k)) for p in args.precisions.split(",")
                                    for k in args.steps_per_call.split(",")]:
            ours_step = kgan_step_fn(args.model, batch, rng, per_call, precision=precision, devices=args.devices)
            # Rounds alternate the sides, so a change in the machine's load falls on both; each ratio
            # is the median of the rounds' own ratios.
            rounds = [(timed(native_step, batch, args.seconds, args.warmup),
                       timed(compiled_step, batch, args.seconds, args.warmup) if compiled_step else None,
                       timed(ours_step, batch * per_call, args.seconds, args.warmup)) for _ in range(args.rounds)]
            native, compiled, ours = (np.median([r[i] for r in rounds]) if rounds[0][i] else None for i in range(3))
            to_eager = np.median([r[2] / r[0] for r in rounds])
            to_compiled = np.median([r[2] / r[1] for r in rounds]) if compiled else None
            print(f"| {batch} | {precision} | {args.devices} | {per_call} | {shown(ours)} | {shown(native)} | "
                  f"{shown(compiled) if compiled else 'not run'} | {to_eager:.2f} | "
                  f"{f'{to_compiled:.2f}' if compiled else ''} |", flush=True)


if __name__ == "__main__":
    main()
