"""kgan from Python, the way Keras users work: arrays in, callbacks, a run object out.

    KERAS_BACKEND=torch python examples/python_api.py runs/python-api

Trains kgan's DCGAN on 512 MNIST digits held as a numpy array, stops it early with a Keras
callback, then trains your own tiny Keras generator and discriminator, and samples, saves and
exports both. The settings are tiny so that it runs in seconds; raise steps and width for real use.
"""

import sys
from pathlib import Path

import keras
import numpy as np

import kgan
from kgan.data import load

out = Path(sys.argv[1] if len(sys.argv) > 1 else "runs/python-api")
digits = load("mnist")  # the full MNIST where it is installed, else the 10,000 test digits kgan ships
images = np.round((digits.x[:512] + 1) * 127.5).astype("uint8")  # any uint8 or [-1, 1] float array works


class StopWhenDFooled(keras.callbacks.Callback):
    """Stops training once D rates fakes as real half the time (an arbitrary rule, for show)."""

    def on_train_batch_end(self, batch, logs=None):
        if logs["d_fake"] > 0.5 and batch >= 10:
            print(f"step {batch}: D(G(z)) = {logs['d_fake']:.3f}; stopping")
            self.model.stop_training = True


run = kgan.train("dcgan", data=images, labels=digits.labels[:512], steps=40, width=8, latent_dim=16,
                 batch_size=32, log_every=5, out=out / "dcgan", callbacks=[StopWhenDFooled()], progress=False)
print(run, "trained", run.history[-1]["step"], "steps; last g_loss", round(run.history[-1]["g_loss"], 3))
print("samples:", run.sample(8, seed=0).shape)
run.generator.save(out / "dcgan-generator.keras")  # a plain Keras model, for your own code

# Your own networks: the generator takes an input named "z", the discriminator one named "sample".
z = keras.Input((16,), name="z")
h = keras.layers.Dense(128, activation="relu")(z)
generator = keras.Model(z, keras.layers.Reshape((28, 28, 1))(keras.layers.Dense(784, activation="tanh")(h)))
sample = keras.Input((28, 28, 1), name="sample")
h = keras.layers.LeakyReLU(0.2)(keras.layers.Dense(128)(keras.layers.Flatten()(sample)))
discriminator = keras.Model(sample, keras.layers.Dense(1)(h))
mine = kgan.train(generator=generator, discriminator=discriminator, data=images, steps=20, batch_size=32,
                  latent_dim=16, out=out / "mine", progress=False)
print(mine, "exported to", mine.export_onnx())
print("reloaded:", kgan.load(out / "mine").sample(4).shape)
