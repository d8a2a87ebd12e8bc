"""Conditional training on the user's own labelled folders: class subfolders or a dataset.json."""

import json

import numpy as np
import pytest
from helpers import MNIST_DIR, invoke, one_line_error, requires_mnist
from PIL import Image

from kgan import data
from kgan.errors import KganError

CLASSES = ("bag", "sandal", "shirt")


@pytest.fixture(scope="module")
def class_folders(tmp_path_factory):
    """Real MNIST digits 0, 1 and 2 as three class folders, named like Fashion-MNIST classes, 8 images each."""
    if not MNIST_DIR.is_dir():
        pytest.skip(f"real MNIST not found at {MNIST_DIR}")
    digits = data.load(f"idx:{MNIST_DIR}")
    root = tmp_path_factory.mktemp("folders") / "clothes"
    for label, name in enumerate(CLASSES):
        (root / name).mkdir(parents=True)
        for i, image in enumerate(digits.x[digits.labels == label][:8]):
            Image.fromarray(np.round((image[..., 0] + 1) * 127.5).astype(np.uint8)).save(root / name / f"{i}.png")
    return root


@requires_mnist
def test_class_folders_label_the_images_with_their_names(class_folders):
    dataset = data.load(f"folder:{class_folders}", 28)
    assert dataset.class_names == CLASSES and dataset.num_classes == 3
    assert np.bincount(dataset.labels).tolist() == [8, 8, 8]


@requires_mnist
def test_a_labels_file_in_dataset_json_form(class_folders, tmp_path):
    pairs = [[f"{name}/{i}.png", label] for label, name in enumerate(CLASSES) for i in range(8)]
    (tmp_path / "dataset.json").write_text(json.dumps({"labels": pairs}))
    dataset = data.load(f"folder:{class_folders}", 28, tmp_path / "dataset.json")
    assert dataset.class_names == ("0", "1", "2") and np.bincount(dataset.labels).tolist() == [8, 8, 8]
    (tmp_path / "named.json").write_text(json.dumps({f: CLASSES[label] for f, label in pairs[:-1]}))
    with pytest.raises(KganError, match=r"1 image\(s\) in no class of --labels .*shirt/7.png"):
        data.load(f"folder:{class_folders}", 28, tmp_path / "named.json")


@requires_mnist
def test_folder_problems_get_one_line_each(class_folders, tmp_path):
    (tmp_path / "empty" / "cats").mkdir(parents=True)
    (tmp_path / "empty" / "dogs").mkdir()
    Image.new("L", (28, 28)).save(tmp_path / "empty" / "dogs" / "a.png")
    with pytest.raises(KganError, match="class folder cats has no .png"):
        data.load(f"folder:{tmp_path / 'empty'}", 28)
    Image.new("L", (28, 28)).save(tmp_path / "empty" / "stray.png")
    with pytest.raises(KganError, match=r"1 image\(s\) in no class, e.g. .*stray.png, beside the class folders"):
        data.load(f"folder:{tmp_path / 'empty'}", 28)
    with pytest.raises(KganError, match="--labels labels the images of folder:DIR data"):
        data.load("ring8", None, tmp_path / "x.json")


@requires_mnist
def test_a_conditional_run_on_class_folders_samples_a_class_by_name(class_folders, tmp_path):
    run = tmp_path / "run"
    result = invoke("train", "cgan", "--data", f"folder:{class_folders}", "--image-size", 28, "--width", 4,
                    "--latent-dim", 8, "--batch-size", 8, "--steps", 1, "--grid-size", 4, "--no-progress", "--out", run)
    assert result.exit_code == 0, result.output
    assert json.loads((run / "config.json").read_text())["data"]["class_names"] == list(CLASSES)
    by_name = invoke("sample", run, "--label", "sandal", "-n", 4, "-o", tmp_path / "sandals.npy")
    by_index = invoke("sample", run, "--label", 1, "-n", 4, "-o", tmp_path / "ones.npy")
    assert by_name.exit_code == 0 and by_index.exit_code == 0, by_name.output + by_index.output
    assert np.array_equal(np.load(tmp_path / "sandals.npy"), np.load(tmp_path / "ones.npy"))
    one_line_error(invoke("sample", run, "--label", "boot", "-n", 4, "-o", tmp_path / "boots.npy"),
                   "--label 'boot' is not a class of this generator; its classes: bag, sandal, shirt")
    assert not (tmp_path / "boots.npy").exists()
    assert invoke("sample", run, "-n", 6, "-o", tmp_path / "classes.png").exit_code == 0
    grid = np.asarray(Image.open(tmp_path / "classes.png"))
    unnamed = 2 * (2 * (28 + 2) + 2)  # two columns of 28-pixel images, padded, scaled 2x
    assert grid.shape[1] > unnamed and grid[:, : grid.shape[1] - unnamed].min() < 100  # the names, in dark text
    from kgan.export.onnx_export import export_onnx
    from kgan.export.onnx_sampler import OnnxSampler

    onnx = OnnxSampler(export_onnx(run, tmp_path / "g.onnx"))
    assert onnx.class_names == list(CLASSES)
    assert np.array_equal(onnx.sample(4, label="sandal"), onnx.sample(4, label=1))
