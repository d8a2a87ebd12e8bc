"""A stand-alone application sampling a kgan generator with onnxruntime alone (no kgan, no Keras).

    python examples/onnx_app.py runs/<run>/generator.onnx grid.png --count 16 --seed 0
"""

import argparse

import numpy as np
import onnxruntime as ort
from PIL import Image

parser = argparse.ArgumentParser()
parser.add_argument("model")
parser.add_argument("output")
parser.add_argument("--count", type=int, default=16)
parser.add_argument("--seed", type=int, default=0)
args = parser.parse_args()

# CUDA when onnxruntime-gpu offers it, else CPU.
providers = [p for p in ("CUDAExecutionProvider", "CPUExecutionProvider") if p in ort.get_available_providers()]
session = ort.InferenceSession(args.model, providers=providers)
meta = session.get_modelmeta().custom_metadata_map
latent_dim, height, width = int(meta["latent_dim"]), *map(int, meta["image_shape"].split(",")[:2])

rng = np.random.default_rng(args.seed)
z = rng.standard_normal((args.count, latent_dim), dtype=np.float32) if meta["z_dist"] == "normal" \
    else rng.uniform(-1, 1, (args.count, latent_dim)).astype(np.float32)
images = session.run(["image"], {"z": z})[0]  # NHWC
if meta["output_dtype"] == "float32":  # [-1, 1] -> [0, 255]
    images = np.clip(np.rint((images + 1) * 127.5), 0, 255).astype(np.uint8)

columns = int(np.ceil(np.sqrt(args.count)))
rows = int(np.ceil(args.count / columns))
grid = np.zeros((rows * height, columns * width, images.shape[-1]), np.uint8)
for i, image in enumerate(images):
    r, c = divmod(i, columns)
    grid[r * height:(r + 1) * height, c * width:(c + 1) * width] = image
Image.fromarray(grid.squeeze(-1) if grid.shape[-1] == 1 else grid).save(args.output)
print(f"{args.count} samples from a {meta['variant']} trained {meta['training_steps']} steps -> {args.output}")
