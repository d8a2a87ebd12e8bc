"""--init-from RUN: a run starts from another run's weights (fine-tuning), not its optimizers or step."""

import json
import shutil

import numpy as np
import pytest
from helpers import invoke, one_line_error, tiny_config, values

from kgan.errors import KganError
from kgan.training import assembly, run_loop
from kgan.training.checkpoint import read_checkpoint


@pytest.fixture(scope="module")
def source(tmp_path_factory, mnist_npz):
    config = tiny_config(data=f"npz:{mnist_npz}", steps=2)
    return run_loop.train(config, tmp_path_factory.mktemp("init") / "source", progress=False).path


def test_the_named_roles_start_from_the_run_s_weights(source, mnist_npz):
    config = tiny_config(data=f"npz:{mnist_npz}", steps=1, init_from=str(source), init_roles=["generator"], seed=5)
    step = assembly.prepare(config)[2]
    trained = read_checkpoint(source / "checkpoint.npz")
    assert all(np.array_equal(a, b) for a, b in zip(values(step.networks["generator"].variables),
                                                    trained.group("generator")))
    assert not all(np.array_equal(a, b) for a, b in zip(values(step.networks["discriminator"].variables),
                                                        trained.group("discriminator")))


def test_fine_tuning_from_the_command_line_is_recorded_and_resumes_without_the_source(source, mnist_npz, tmp_path):
    copy = shutil.copytree(source, tmp_path / "source")
    out = tmp_path / "tuned"
    result = invoke("train", "dcgan", "--data", f"npz:{mnist_npz}", "--width", 4, "--latent-dim", 8, "--batch-size",
                    16, "--steps", 1, "--grid-size", 4, "--init-from", copy, "--no-progress", "--out", out)
    assert result.exit_code == 0, result.output
    assert json.loads((out / "config.json").read_text())["config"]["init_from"] == str(copy)
    shutil.rmtree(copy)  # a resume takes its weights from its own checkpoint
    assert invoke("train", "--resume", out, "--steps", 2, "--no-progress").exit_code == 0


def test_networks_that_differ_are_refused_naming_the_first_difference(source, mnist_npz, tmp_path):
    one_line_error(invoke("train", "dcgan", "--data", f"npz:{mnist_npz}", "--width", 8, "--latent-dim", 8,
                          "--init-from", source, "--out", tmp_path / "run"), "generator's networks differ first at")
    assert not (tmp_path / "run").exists()
    with pytest.raises(KganError, match="this run has no network 'g_ab'"):
        assembly.prepare(tiny_config(data=f"npz:{mnist_npz}", init_from=str(source), init_roles=["g_ab"]))
