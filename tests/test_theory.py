"""Theory as a test: Goodfellow et al. 2014, section 4, checked with kgan's own training step.

For a fixed generator whose samples have density p_g, the discriminator maximises

    V(D, G) = E_{x ~ p_data}[log D(x)] + E_{z ~ p_z}[log(1 - D(G(z)))]

and pointwise, a log y + b log(1 - y) peaks at y = a / (a + b), so (Proposition 1)

    D*_G(x) = p_data(x) / (p_data(x) + p_g(x)).

Putting D* back into V gives (Theorem 1)

    C(G) = V(D*_G, G) = -log 4 + 2 JSD(p_data || p_g),

whose minimum, reached only at p_g = p_data, is -log 4, where D* = 1/2 everywhere.

kgan's discriminator loss for the cross-entropy losses (minimax and nonsaturating alike) is
BCE(real, 1) + BCE(fake, 0) = -V estimated on a batch, so training D with kgan's step while G
stays fixed is gradient ascent on V, and the theory says where it must end. On a 1-D Gaussian
task every quantity has a closed form (D*) or a one-dimensional integral (C(G)):

1. p_data = N(0, 1) and a fixed G(z) = MU + SIGMA z with z ~ N(0, 1), so p_g = N(MU, SIGMA^2).
   An MLP discriminator trained by ``TrainingStep.train_step`` matches D* at points in the bulk of
   both densities, and V(D, G) estimated on fresh samples matches C(G).
2. G becomes the identity, so p_g = p_data. The same discriminator, retrained, falls to D = 1/2
   and V(D, G) to -log 4; kgan's reported d_loss (= -V) to log 4.

The generator stays fixed by giving it an SGD optimizer with learning rate 0: the training_step still
runs its generator update every step (there is no D-only step), and that update is then exactly
a no-op, which the tests check bit for bit.
"""

import math

import keras
import numpy as np
import pytest
from helpers import values
from keras import layers, ops

from kgan import numpy_init
from kgan.config import TrainConfig
from kgan.training.adversarial import adversarial_phases
from kgan.training.step import TrainingStep
from kgan.training.step_inputs import StepInputs

# p_g = N(1, 0.5^2) against p_data = N(0, 1). With equal variances log(p_data / p_g) is linear
# in x and D* a plain logistic curve, which a linear D gets right by accident; unequal variances
# make log(p_data / p_g) quadratic, so D* falls from 1, dips to ~0.2 near p_g's mean and climbs
# back towards 1 (on both sides the narrow p_g has no mass): only a D that really learns the
# density ratio fits it.
MU, SIGMA = 1.0, 0.5
# Where both densities have mass, so both players' samples pin D down there (at x = -1.5, p_g is
# 5 sigma out and D* is ~1; at x = 2, 2 sigma above p_g's mean). Outside it D is unconstrained by
# data and need not match D*.
TEST_POINTS = np.linspace(-1.5, 2.0, 8, dtype=np.float32)[:, None]

# Training: 1000 D updates (500 in part 2, where D* is flat) of a 2x32 tanh MLP on batches of
# 512, Adam with cosine decay to 5% of 1e-2 (a large rate to get near D* quickly, decayed so that
# minibatch noise averages out at the end). N_CRITIC D updates share a step's one (wasted, lr 0)
# G update, which cuts the cost of the fixed G. tanh rather than LeakyReLU: the target log-ratio
# is a smooth quadratic.
BATCH, N_CRITIC, STEPS, LR = 512, 5, 200, 1e-2
STEPS_AT_OPTIMUM = 100
DATA_SIZE = 1 << 16  # real samples; far more than D's ~1.1k weights can memorise
EVAL_SIZE = 200_000  # fresh samples for V: its standard error is ~1e-3

# Tolerances. Measured errors are 3-50x smaller (the docstrings of the tests say how much);
# an untrained D, or a D trained against the other G, misses each by MISS times the tolerance or
# more, which the tests assert too, so none of the checks can pass by accident.
D_TOL = 0.05  # max |D(x) - D*(x)| over TEST_POINTS
HALF_TOL = 0.025  # max |D(x) - 1/2| over TEST_POINTS at p_g = p_data, where D* is flat and easier
V_TOL = 0.01  # |V(D, G) - C(G)|
D_LOSS_TOL = 0.02  # |mean reported d_loss over the last steps - (-C(G))|: batch estimates, noisier
LAST_STEPS = 40  # steps averaged for the reported d_loss (40 x 512 samples)
MISS = 5  # how far (in tolerances) the untrained or mismatched D must miss


# --- closed forms --------------------------------------------------------------------------------

def log_normal_pdf(x, mu, sigma):
    return -0.5 * ((x - mu) / sigma) ** 2 - math.log(sigma * math.sqrt(2 * math.pi))


def optimal_d(x, mu=MU, sigma=SIGMA):
    """D*(x) = p_data / (p_data + p_g) = sigmoid(log p_data - log p_g), for p_data = N(0, 1)."""
    x = np.asarray(x, np.float64)
    return 1.0 / (1.0 + np.exp(log_normal_pdf(x, mu, sigma) - log_normal_pdf(x, 0.0, 1.0)))


def optimal_value(mu=MU, sigma=SIGMA):
    """C(G) = V(D*, G) = int p log(p / (p + q)) + q log(q / (p + q)) dx = -log 4 + 2 JSD(p || q)."""
    x = np.linspace(-15.0, 15.0, 300_001)  # a Riemann sum; the integrand is smooth and dies off
    log_p, log_q = log_normal_pdf(x, 0.0, 1.0), log_normal_pdf(x, mu, sigma)
    log_sum = np.logaddexp(log_p, log_q)
    integrand = np.exp(log_p) * (log_p - log_sum) + np.exp(log_q) * (log_q - log_sum)
    return float(np.sum(integrand) * (x[1] - x[0]))


# --- the networks and the run --------------------------------------------------------------------

def affine_generator(mu, sigma):
    """G(z) = mu + sigma * z with a 1-D z ~ N(0, 1): p_g = N(mu, sigma^2) exactly."""
    z = keras.Input((1,), name="z")
    model = keras.Model(z, layers.Dense(1, name="affine")(z), name="generator")
    model.get_layer("affine").set_weights([np.full((1, 1), sigma, np.float32), np.full((1,), mu, np.float32)])
    return model


def mlp_discriminator(seed=0):
    """sample -> 32 -> 32 -> 1 logit, tanh; weights drawn with numpy, so the same on every backend."""
    x = keras.Input((1,), name="sample")
    h = layers.Dense(32, activation="tanh", name="d_dense0")(x)
    h = layers.Dense(32, activation="tanh", name="d_dense1")(h)
    model = keras.Model(x, layers.Dense(1, name="d_logits")(h), name="discriminator")
    numpy_init.initialize(model, np.random.default_rng([seed, 3]))
    return model


def real_data():
    return np.random.default_rng([0, 1]).standard_normal((DATA_SIZE, 1), dtype=np.float32)


def train_discriminator(generator, discriminator, seed=0, steps=STEPS):
    """``steps`` kgan steps (N_CRITIC D updates each) against a generator that does not move.

    Returns the training_step (variables synced) and each step's reported statistics.
    """
    d_lr = keras.optimizers.schedules.CosineDecay(LR, decay_steps=steps * N_CRITIC, alpha=0.05)
    # The settings the phases and StepInputs read: the loss, z's size and law, and no target or input tricks.
    config = TrainConfig(variant="gan", loss="minimax", latent_dim=1, z_dist="normal", batch_size=BATCH,
                         n_critic=N_CRITIC, steps=steps)
    networks = {"generator": generator, "discriminator": discriminator}
    training_step = TrainingStep(networks, adversarial_phases(config, (1,)),
                                 {"generator": keras.optimizers.SGD(learning_rate=0.0),  # fixed G: a no-op update
                                  "discriminator": keras.optimizers.Adam(d_lr)})
    x = real_data()
    data = training_step.to_device(x)
    inputs = StepInputs(config, training_step, steps)
    rng = np.random.default_rng([seed, 0])
    stats = []
    for step in range(steps):
        # Real rows drawn with replacement (kgan.fit walks a shuffled permutation; the law is the same).
        indices = rng.integers(0, len(x), (N_CRITIC, BATCH))
        stats.append(training_step.train_step(data, inputs.draw(rng, {"indices": indices}, step)))
    training_step.sync_to_variables()
    return training_step, [{name: float(v) for name, v in s.items()} for s in stats]


def d_probability(discriminator, x):
    logits = ops.convert_to_numpy(discriminator(ops.convert_to_tensor(x), training=False))
    return 1.0 / (1.0 + np.exp(-np.asarray(logits, np.float64).ravel()))


def value(discriminator, generator, seed=7):
    """V(D, G) on EVAL_SIZE fresh real samples and fresh z, in float64 from D's logits."""
    rng = np.random.default_rng([seed, 2])
    real = rng.standard_normal((EVAL_SIZE, 1), dtype=np.float32)
    fake = generator(ops.convert_to_tensor(rng.standard_normal((EVAL_SIZE, 1), dtype=np.float32)), training=False)
    real_logits, fake_logits = (np.asarray(ops.convert_to_numpy(discriminator(x, training=False)), np.float64).ravel()
                                for x in (ops.convert_to_tensor(real), fake))
    # log D = -softplus(-t), log(1 - D) = -softplus(t)
    return float(np.mean(-np.logaddexp(0.0, -real_logits)) + np.mean(-np.logaddexp(0.0, fake_logits)))


@pytest.fixture(scope="module", autouse=True)
def one_torch_thread():
    """Eager torch on one intra-op thread for this module's tiny (512 x 32) matmuls.

    Thread start-up costs more than such a matmul saves, and on a busy 2-core machine two
    spinning threads slow each op ~50x (this module took 130 s instead of 20-27 s). Restored after.
    """
    if keras.backend.backend() != "torch":
        yield
        return
    import torch

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


# --- 1. the optimal discriminator against a fixed, shifted and narrower G -----------------------

@pytest.fixture(scope="module")
def shifted():
    generator, discriminator = affine_generator(MU, SIGMA), mlp_discriminator()
    g_before = values(generator.variables)
    untrained = {"d": d_probability(discriminator, TEST_POINTS), "v": value(discriminator, generator)}
    training_step, stats = train_discriminator(generator, discriminator)
    return training_step, stats, g_before, untrained


def test_the_generator_stays_fixed(shifted):
    training_step, _, g_before, _ = shifted
    # Its update ran every step (the training_step has no D-only step) and changed nothing, bit for bit.
    assert int(values([training_step.optimizers["generator"].iterations])[0]) == STEPS
    assert int(values([training_step.optimizers["discriminator"].iterations])[0]) == STEPS * N_CRITIC
    assert all(np.array_equal(b, a) for b, a in zip(g_before, values(training_step.generator.variables)))


def test_discriminator_learns_the_optimal_discriminator(shifted):
    """D(x) -> p_data / (p_data + p_g) (Proposition 1). Measured max error 0.015; untrained 0.46."""
    training_step, _, _, untrained = shifted
    target = optimal_d(TEST_POINTS.ravel())
    # D* is far from flat here (1.0 at x = -1.5, 0.21 at x = 1.5, back to 0.33 at x = 2): the test
    # asks for a curve.
    assert target.max() - target.min() > 0.5
    assert np.abs(untrained["d"] - target).max() > MISS * D_TOL
    error = np.abs(d_probability(training_step.networks["discriminator"], TEST_POINTS) - target)
    assert error.max() < D_TOL, f"max |D - D*| = {error.max():.4f} at x = {TEST_POINTS.ravel()[error.argmax()]}"


def test_value_at_the_optimal_discriminator_is_minus_log4_plus_2jsd(shifted):
    """V(D, G) -> C(G) = -log 4 + 2 JSD (Theorem 1), -0.938 here. Measured errors: V 2e-4, d_loss 2e-3."""
    training_step, stats, _, untrained = shifted
    c = optimal_value()
    assert c - (-math.log(4)) > 0.4  # p_g != p_data: C(G) is well above its minimum -log 4
    assert abs(untrained["v"] - c) > MISS * V_TOL
    v = value(training_step.networks["discriminator"], training_step.generator)
    assert abs(v - c) < V_TOL, f"V = {v:.4f}, C(G) = {c:.4f}"
    # kgan reports d_loss = -V on each batch.
    d_loss = np.mean([s["d_loss"] for s in stats[-LAST_STEPS:]])
    assert abs(d_loss + c) < D_LOSS_TOL, f"d_loss = {d_loss:.4f}, -C(G) = {-c:.4f}"


# --- 2. the global optimum: p_g = p_data ---------------------------------------------------------

def test_at_the_global_optimum_d_is_one_half_and_v_is_minus_log4(shifted):
    """G = identity, so p_g = p_data: D -> 1/2 and V -> -log 4. Measured errors 0.008 and 2e-4.

    D starts from the discriminator trained against the shifted G in part 1, as in the paper's
    algorithm where G catches up with p_data and D must follow (it starts 0.5 from 1/2, and V 1.6
    from -log 4). A freshly initialised D would not do: its small random weights already sit near
    1/2 (max |D - 1/2| 0.055, V within 0.004 of -log 4), so the V check would pass untrained.
    """
    generator = affine_generator(0.0, 1.0)
    discriminator = mlp_discriminator()
    discriminator.set_weights(shifted[0].networks["discriminator"].get_weights())
    assert np.abs(d_probability(discriminator, TEST_POINTS) - 0.5).max() > MISS * HALF_TOL
    assert abs(value(discriminator, generator) + math.log(4)) > MISS * V_TOL

    training_step, stats = train_discriminator(generator, discriminator, seed=1, steps=STEPS_AT_OPTIMUM)
    error = np.abs(d_probability(training_step.networks["discriminator"], TEST_POINTS) - 0.5)
    assert error.max() < HALF_TOL, f"max |D - 1/2| = {error.max():.4f}"
    v = value(training_step.networks["discriminator"], training_step.generator)
    assert abs(v + math.log(4)) < V_TOL, f"V = {v:.4f}, -log 4 = {-math.log(4):.4f}"
    # kgan's reported d_loss (-V on each batch) and mean D outputs.
    last = stats[-LAST_STEPS:]
    assert abs(np.mean([s["d_loss"] for s in last]) - math.log(4)) < V_TOL
    for name in ("d_real", "d_fake"):
        assert abs(np.mean([s[name] for s in last]) - 0.5) < HALF_TOL
