"""Images/s of a whole adversarial step: kgan on the active Keras backend vs native PyTorch.

Both sides train the same DCGAN for 28x28x1 (G 100 -> 7x7x256 -> 14x14x128 -> 28x28x64 -> 28x28x1,
D 64-128 strided convs; batch norm, Adam 2e-4/0.5) with the same algorithm: one D update on a
real batch and a detached fake batch, then one G update on fresh z. The training set sits on the
accelerator on both sides and batches are gathered there. Timings wait for the device.

    KERAS_BACKEND=jax python benchmarks/train_step.py --batches 64,256,1024 --seconds 20
"""

from __future__ import annotations

import argparse
import os
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
import torch  # before keras: TensorFlow and torch in one process need torch first

import numpy as np

LATENT, DATA_SIZE = 100, 8192


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


def kgan_step_fn(batch, rng):
    import keras

    from kgan.config import TrainConfig
    from kgan.training.assembly import build_step
    from kgan.training.step_inputs import StepInputs

    config = TrainConfig(variant="dcgan", batch_size=batch)
    training_step = build_step(config, (28, 28, 1))
    data = training_step.to_device(rng.uniform(-1, 1, (DATA_SIZE, 28, 28, 1)).astype(np.float32))
    inputs = StepInputs(config, training_step, 1)

    def step(sync=False):
        # The host draws (z, targets) are part of every kgan step, so they are timed too.
        stats = training_step.train_step(data, inputs.draw(rng, rng.integers(0, DATA_SIZE, (1, batch)), 0))
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


def torch_step_fn(batch, rng, device):
    softplus = torch.nn.functional.softplus
    generator, discriminator = TorchGenerator().to(device), torch_discriminator().to(device)
    g_opt = torch.optim.Adam(generator.parameters(), 2e-4, betas=(0.5, 0.999))
    d_opt = torch.optim.Adam(discriminator.parameters(), 2e-4, betas=(0.5, 0.999))
    data = torch.as_tensor(rng.uniform(-1, 1, (DATA_SIZE, 1, 28, 28)).astype(np.float32), device=device)

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
    parser.add_argument("--batches", default="64,256,1024")
    parser.add_argument("--seconds", type=float, default=10.0, help="timed work per measurement")
    parser.add_argument("--warmup", type=int, default=2)
    args = parser.parse_args()
    device = "cuda" if torch.cuda.is_available() else "cpu"
    rng = np.random.default_rng(0)
    backend = keras.backend.backend()
    print(f"keras {keras.__version__} backend {backend}; torch {torch.__version__} on {device}; "
          f"{os.cpu_count()} CPUs; whole adversarial step, images/s")
    print(f"| batch | kgan ({backend}) | native PyTorch | kgan / native |")
    print("| --- | --- | --- | --- |")
    for batch in [int(b) for b in args.batches.split(",")]:
        ours = timed(kgan_step_fn(batch, rng), batch, args.seconds, args.warmup)
        native = timed(torch_step_fn(batch, rng, device), batch, args.seconds, args.warmup)
        print(f"| {batch} | {ours:,.0f} | {native:,.0f} | {ours / native:.2f} |", flush=True)


if __name__ == "__main__":
    main()
