"""Run directories written by the previous release (kgan 0.1.0) still sample, export and resume."""

import shutil
from pathlib import Path

import numpy as np

from kgan.sampling import Sampler
from kgan.training import run_loop
from kgan.training.checkpoint import LEGACY_GROUPS, read_checkpoint

FIXTURES = Path(__file__).parent / "fixtures" / "release-0.1.0"


def test_a_0_1_0_run_samples_and_resumes_where_the_old_release_would_have_gone(tmp_path):
    run = shutil.copytree(FIXTURES / "gan-ring8-3-steps", tmp_path / "run")
    samples = Sampler.load(run).sample(5, seed=0)
    assert samples.shape == (5, 2) and np.isfinite(samples).all()
    resumed = run_loop.resume(run, steps=6, progress=False)
    assert read_checkpoint(resumed.checkpoint_path).meta["config"]["precision"] == "fp32"
    new = read_checkpoint(resumed.checkpoint_path).arrays
    old = np.load(FIXTURES / "gan-ring8-6-steps-checkpoint.npz")
    weights = [k for k in old.files if k.startswith(("generator/", "discriminator/"))]
    # 0.1.0 named the optimizer groups g_optimizer and d_optimizer; they read as generator_optimizer, ...
    assert new.keys() == {LEGACY_GROUPS.get(k.split("/")[0], k.split("/")[0]) + k[k.find("/"):] if "/" in k else k
                          for k in old.files} - {"meta"}
    # Trained under torch on an AMD EPYC: resumed on that CPU under torch it is the old release's own
    # straight run, bit for bit; on other CPUs or backends it agrees to float32 rounding (an Intel Xeon
    # differs by 1.5e-8, with kgan 0.1.0's code as with today's; docs/reproducibility.md).
    assert max(float(np.abs(new[k] - old[k]).max()) for k in weights) <= 1e-5


def test_a_0_1_0_run_exports_to_onnx(tmp_path):
    from kgan.export.onnx_export import export_onnx
    from kgan.export.onnx_sampler import OnnxSampler

    run = shutil.copytree(FIXTURES / "dcgan-mnist-2-steps", tmp_path / "run")
    path = export_onnx(run)
    inputs = Sampler.load(run).draw(4, seed=2).inputs
    images = Sampler.load(run).generate_from(inputs)
    assert images.shape == (4, 28, 28, 1) and np.abs(OnnxSampler(path).run(inputs["z"]) - images).max() <= 1e-5


RELEASE_0_2_0 = Path(__file__).parent / "fixtures" / "release-0.2.0"


def test_a_0_2_0_run_samples_the_same_points_and_resumes_where_it_would_have_gone(tmp_path):
    """kgan 0.2.0 recorded every variant's settings in config.json; they load, sample and resume."""
    run = shutil.copytree(RELEASE_0_2_0 / "gan-ring8-3-steps", tmp_path / "run")
    # Recorded under torch: the same points on every backend, to float32 rounding.
    assert np.abs(Sampler.load(run).sample(5, seed=0) - np.load(run / "samples.npy")).max() <= 1e-5
    resumed = run_loop.resume(run, steps=6, progress=False)
    new = read_checkpoint(resumed.checkpoint_path).arrays
    old = np.load(RELEASE_0_2_0 / "gan-ring8-6-steps-checkpoint.npz")
    assert new.keys() == set(old.files) - {"meta"}
    # Trained under torch on an AMD EPYC; other CPUs and backends agree to float32 rounding.
    assert max(float(np.abs(new[k] - old[k]).max()) for k in new) <= 1e-5


def test_a_0_2_0_translator_translates_exports_and_repeats_with_config(tmp_path):
    from helpers import invoke, write_translation_npz

    from kgan.export.onnx_export import export_onnx
    from kgan.export.onnx_sampler import OnnxSampler

    run = shutil.copytree(RELEASE_0_2_0 / "pix2pix-digits-2-steps", tmp_path / "run")
    sources = np.load(run / "sources.npy")
    translations = Sampler.load(run, direction="a2b").translate(sources)
    assert np.abs(translations - np.load(run / "translations.npy")).max() <= 1e-6
    assert np.abs(OnnxSampler(export_onnx(run)).translate(sources) - translations).max() <= 1e-5
    # The run's own config.json, with the settings pix2pix never read, repeats it (on data that exists here).
    pairs = write_translation_npz(tmp_path / "pairs.npz", 16, paired=True)
    result = invoke("train", "--config", run / "config.json", "--data", f"paired:{pairs}", "--dry-run")
    assert result.exit_code == 0, result.output
    assert '"l1_weight": 100.0' in result.output and '"latent_dim"' not in result.output
