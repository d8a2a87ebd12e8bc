"""Input a hostile or careless user can reach gets a one-line refusal before any work, never a
traceback, and never a silently wrong run."""

import numpy as np
import onnx
import pytest
from helpers import invoke, one_line_error, tiny_config
from PIL import Image

from kgan import data
from kgan.errors import KganError
from kgan.latent.codes import code_spec, parse_code_values
from kgan.training import assembly, run_loop


@pytest.mark.parametrize("option, value, expected", [
    ("--latent-dim", 100000000, "latent_dim must be at most 16,384"),
    ("--width", 100000, "width must be at most 4,096"),
    ("--grid-size", 100000, "grid_size must be at most 1,024"),  # 0.1.0 crashed in the GIF, after training
])
def test_absurd_sizes_are_refused_before_any_work(tmp_path, mnist_npz, option, value, expected):
    one_line_error(invoke("train", "dcgan", "--data", f"npz:{mnist_npz}", option, value, "--out", tmp_path / "run"),
                   expected)
    assert not (tmp_path / "run").exists()


def test_a_stray_label_does_not_make_a_class_of_its_own(tmp_path, mnist_npz):
    with np.load(mnist_npz) as npz:
        x, y = npz["x"], npz["y"].copy()
    y[5] = 200  # one bad label among the digits
    np.savez(tmp_path / "stray.npz", x=x, y=y)
    spec = f"npz:{tmp_path / 'stray.npz'}"
    one_line_error(invoke("train", "cgan", "--data", spec, "--dry-run"), "run to 200 but only 11 distinct values")
    config = assembly.prepare(tiny_config(variant="cgan", data=spec, num_classes=201))[0]
    assert config.num_classes == 201  # asked for, so given


def test_a_code_that_is_not_a_number_is_refused():
    with pytest.raises(KganError, match="'nan' is not a finite number"):
        parse_code_values("3,5,nan", code_spec([10], 2))


def test_points_of_absurd_scale_are_refused(tmp_path):
    np.savez(tmp_path / "points.npz", x=np.full((100, 2), 1e30))
    with pytest.raises(data.DataError, match="reach 1e.30; .*standardise them"):
        data.load(f"npz:{tmp_path / 'points.npz'}")


def test_16_bit_pngs_are_scaled_not_clipped_to_white(tmp_path):
    folder = tmp_path / "faces"
    folder.mkdir()
    for i, level in enumerate((0, 32768, 65535)):
        Image.fromarray(np.full((8, 8), level, np.uint16)).save(folder / f"{i}.png")
    assert Image.open(folder / "1.png").mode.startswith("I")
    x = data.load(f"folder:{folder}", image_size=8).x
    assert x.shape == (3, 8, 8, 1)
    assert x[:, 0, 0, 0] == pytest.approx([-1.0, 0.0, 1.0], abs=0.01)  # 0.1.0: [-1, 1, 1]


@pytest.fixture(scope="module")
def exported(tmp_path_factory, mnist_npz):
    from kgan.export.onnx_export import export_onnx

    run = run_loop.train(tiny_config(data=f"npz:{mnist_npz}", steps=1), tmp_path_factory.mktemp("onnx") / "run",
                    progress=False)
    return export_onnx(run.path)


def rewritten(exported, tmp_path, **metadata):
    model = onnx.load(exported)
    for entry in model.metadata_props:
        if entry.key in metadata:
            entry.value = metadata[entry.key]
    path = tmp_path / "changed.onnx"
    onnx.save(model, path)
    return path


@pytest.mark.parametrize("metadata, expected", [
    ({"latent_dim": "eight"}, "damaged kgan metadata"),
    ({"code_spec": "[{]"}, "damaged kgan metadata"),
    ({"image_shape": "2"}, "its metadata says images of shape (2,)"),  # 0.1.0 drew a scatter plot
    ({"image_shape": "32,32,3"}, "its graph outputs"),
])
def test_onnx_metadata_that_lies_is_refused(exported, tmp_path, metadata, expected):
    path = rewritten(exported, tmp_path, **metadata)
    one_line_error(invoke("sample", "--onnx", path, "-n", 4, "-o", tmp_path / "x.png"), expected)


def test_onnx_sampling_runs_in_batches_and_refuses_absurd_counts(exported, tmp_path):
    result = invoke("sample", "--onnx", exported, "-n", 2500, "-o", tmp_path / "many.npy")
    assert result.exit_code == 0, result.stderr
    assert np.load(tmp_path / "many.npy").shape == (2500, 28, 28, 1)
    one_line_error(invoke("sample", "--onnx", exported, "-n", 10000000, "-o", tmp_path / "x.npy"),
                   "more than the 1,000,000 samples")
    one_line_error(invoke("sample", "--onnx", exported, "-n", 20000, "-o", tmp_path / "x.png"),
                   "more than the 10,000 samples")
