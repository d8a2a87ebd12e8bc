"""The image-to-image data specs (paired:, sidebyside:, unpaired:) on real PNG/JPEG and .npz files, and their
one-line refusals of bad input."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from helpers import invoke, one_line_error
from PIL import Image

from kgan import data
from kgan.data import DEFAULT_FOLDER_SIZE, DataError


def write_image(path: Path, value, size=(12, 12), mode="RGB") -> Path:
    """A one-colour image; its value tells the tests which file a row came from."""
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new(mode, size, value).save(path)
    return path


def write_domain(directory: Path, values, suffix=".png", mode="RGB", size=(12, 12)) -> Path:
    for i, value in enumerate(values):
        write_image(directory / f"img{i:02d}{suffix}", value, size, mode)
    return directory


def level(pixels: np.ndarray) -> float:
    """A [-1, 1] image's mean, back as a 0..255 pixel value."""
    return float((pixels.mean() + 1) * 127.5)


def refusal(spec: str, *names, image_size=None) -> str:
    """The DataError message `spec` gets: one line, naming each of `names`."""
    with pytest.raises(DataError) as caught:
        data.load(spec, image_size)
    message = str(caught.value)
    assert "\n" not in message
    for name in names:
        assert str(name) in message, (name, message)
    return message


# --- paired: -------------------------------------------------------------------------------------------------------


def test_paired_directories_match_files_by_name(tmp_path):
    grey_levels = [(30, 30, 30), (90, 90, 90), (150, 150, 150)]
    write_domain(tmp_path / "A", grey_levels, ".png", size=(20, 12))  # not square: center-cropped
    # B in JPEG, written in another order, and one B name differs from A's only by suffix
    for i in (2, 0, 1):
        write_image(tmp_path / "B" / f"img{i:02d}.jpg", (255 - 30 - 60 * i,) * 3, (16, 16))
    ds = data.load(f"paired:{tmp_path / 'A'},{tmp_path / 'B'}", image_size=8)
    assert ds.paired and ds.labels is None and ds.num_classes is None
    assert ds.x.shape == ds.b.shape == (3, 8, 8, 3)
    assert ds.x.dtype == ds.b.dtype == np.float32
    for i in range(3):  # row i of b is the counterpart of row i of x
        assert level(ds.x[i]) == pytest.approx(30 + 60 * i, abs=1)
        assert level(ds.b[i]) == pytest.approx(225 - 60 * i, abs=3)  # JPEG is lossy


def test_paired_directories_default_to_the_folder_size(tmp_path):
    write_domain(tmp_path / "A", [0, 255], mode="L")
    write_domain(tmp_path / "B", [255, 0], mode="L")
    ds = data.load(f"paired:{tmp_path / 'A'},{tmp_path / 'B'}")
    assert ds.x.shape == ds.b.shape == (2, DEFAULT_FOLDER_SIZE, DEFAULT_FOLDER_SIZE, 1)  # all grayscale: one channel
    assert ds.x[0].max() == -1.0 and ds.b[0].min() == 1.0


def test_paired_npz_scales_each_array_and_keeps_labels(tmp_path):
    rng = np.random.default_rng(0)
    a = rng.integers(0, 256, (6, 10, 10, 3), dtype=np.uint8)
    b = rng.uniform(0, 1, (6, 10, 10, 3))  # floats in [0, 1]
    np.savez(tmp_path / "pairs.npz", a=a, b=b, y=np.arange(6) % 3)
    ds = data.load(f"paired:{tmp_path / 'pairs.npz'}")
    assert ds.paired and ds.x.shape == ds.b.shape == (6, 10, 10, 3)
    np.testing.assert_allclose(ds.x, a / 127.5 - 1, atol=1e-6)
    np.testing.assert_allclose(ds.b, 2 * b - 1, atol=1e-6)
    assert ds.labels.tolist() == [0, 1, 2, 0, 1, 2] and ds.num_classes == 3
    resized = data.load(f"paired:{tmp_path / 'pairs.npz'}", image_size=4)
    assert resized.x.shape == resized.b.shape == (6, 4, 4, 3)


def test_paired_npz_of_grayscale_images_in_minus_one_to_one(tmp_path):
    a = np.linspace(-1, 1, 4 * 6 * 6).reshape(4, 6, 6)  # (N, H, W): one channel
    np.savez(tmp_path / "grey.npz", a=a, b=-a)
    ds = data.load(f"paired:{tmp_path / 'grey.npz'}")
    assert ds.x.shape == (4, 6, 6, 1)
    np.testing.assert_allclose(ds.b[..., 0], -a, atol=1e-6)


# --- sidebyside: ---------------------------------------------------------------------------------------------------


def write_pair(path: Path, left, right, height=10, mode="RGB") -> Path:
    image = Image.new(mode, (2 * height, height), left)
    image.paste(Image.new(mode, (height, height), right), (height, 0))
    path.parent.mkdir(parents=True, exist_ok=True)
    image.save(path)
    return path


def test_sidebyside_splits_each_image_into_a_and_b(tmp_path):
    write_pair(tmp_path / "pairs" / "1.png", (10, 20, 30), (200, 210, 220))
    write_pair(tmp_path / "pairs" / "2.jpg", (60, 60, 60), (120, 120, 120), height=16)
    ds = data.load(f"sidebyside:{tmp_path / 'pairs'}", image_size=8)
    assert ds.paired and ds.x.shape == ds.b.shape == (2, 8, 8, 3)
    np.testing.assert_allclose((ds.x[0, 4, 4] + 1) * 127.5, [10, 20, 30], atol=0.5)
    np.testing.assert_allclose((ds.b[0, 4, 4] + 1) * 127.5, [200, 210, 220], atol=0.5)
    assert level(ds.x[1, 2:6, 2:6]) == pytest.approx(60, abs=3)
    assert level(ds.b[1, 2:6, 2:6]) == pytest.approx(120, abs=3)


def test_sidebyside_grayscale_pairs_have_one_channel(tmp_path):
    write_pair(tmp_path / "pairs" / "1.png", 0, 255, mode="L")
    ds = data.load(f"sidebyside:{tmp_path / 'pairs'}")
    assert ds.x.shape == ds.b.shape == (1, DEFAULT_FOLDER_SIZE, DEFAULT_FOLDER_SIZE, 1)
    assert ds.x.max() == -1.0 and ds.b.min() == 1.0


def test_sidebyside_refuses_an_image_that_is_not_two_squares(tmp_path):
    write_pair(tmp_path / "pairs" / "1.png", 0, 255)
    square = write_image(tmp_path / "pairs" / "2.png", (0, 0, 0), (10, 10))
    refusal(f"sidebyside:{tmp_path / 'pairs'}", square, "10x10", "width = 2 x height")


# --- unpaired: -----------------------------------------------------------------------------------------------------


def test_unpaired_directories_may_differ_in_length(tmp_path):
    write_domain(tmp_path / "horses", [(i * 20,) * 3 for i in range(5)], ".jpeg")
    write_domain(tmp_path / "zebras", [(255, 255, 255), (0, 0, 0)])
    ds = data.load(f"unpaired:{tmp_path / 'horses'},{tmp_path / 'zebras'}", image_size=6)
    assert not ds.paired and ds.labels is None
    assert ds.x.shape == (5, 6, 6, 3) and ds.b.shape == (2, 6, 6, 3)


def test_unpaired_cyclegan_directory_reads_only_the_training_domains(tmp_path):
    root = tmp_path / "horse2zebra"
    write_domain(root / "trainA", [(50, 50, 50)] * 3)
    write_domain(root / "trainB", [(200, 200, 200)] * 4)
    write_domain(root / "testA", [(0, 0, 0)] * 7)
    write_domain(root / "testB", [(0, 0, 0)] * 8)
    ds = data.load(f"unpaired:{root}", image_size=4)
    assert not ds.paired and ds.x.shape == (3, 4, 4, 3) and ds.b.shape == (4, 4, 4, 3)
    assert level(ds.x) == pytest.approx(50, abs=1) and level(ds.b) == pytest.approx(200, abs=1)
    test = data.load(f"unpaired:{root / 'testA'},{root / 'testB'}", image_size=4)  # how a user scores
    assert len(test.x) == 7 and len(test.b) == 8


def test_unpaired_npz_may_differ_in_length_and_label_a(tmp_path):
    rng = np.random.default_rng(1)
    np.savez(tmp_path / "domains.npz", a=rng.integers(0, 256, (5, 8, 8, 1), dtype=np.uint8),
             b=rng.uniform(-1, 1, (3, 8, 8, 1)), y=np.array([0, 1, 0, 1, 4]))
    ds = data.load(f"unpaired:{tmp_path / 'domains.npz'}", image_size=4)
    assert not ds.paired and ds.x.shape == (5, 4, 4, 1) and ds.b.shape == (3, 4, 4, 1)
    assert ds.labels.tolist() == [0, 1, 0, 1, 4] and ds.num_classes == 5


# --- bad input -----------------------------------------------------------------------------------------------------


def test_a_missing_directory_is_named(tmp_path):
    write_domain(tmp_path / "A", [(0, 0, 0)])
    for spec in (f"paired:{tmp_path / 'A'},{tmp_path / 'nope'}", f"unpaired:{tmp_path / 'nope'},{tmp_path / 'A'}",
                 f"sidebyside:{tmp_path / 'nope'}", f"unpaired:{tmp_path / 'nope'}"):
        refusal(spec, tmp_path / "nope", "not found")


def test_an_empty_domain_is_named(tmp_path):
    write_domain(tmp_path / "A", [(0, 0, 0)])
    (tmp_path / "empty").mkdir()
    (tmp_path / "empty" / "notes.txt").write_text("no images here")
    for spec in (f"paired:{tmp_path / 'A'},{tmp_path / 'empty'}", f"unpaired:{tmp_path / 'empty'},{tmp_path / 'A'}",
                 f"sidebyside:{tmp_path / 'empty'}"):
        refusal(spec, tmp_path / "empty", "no .png/.jpg/.jpeg files")


def test_unmatched_names_are_listed_and_counted(tmp_path):
    write_domain(tmp_path / "A", [(0, 0, 0)] * 6)  # img00..img05
    write_domain(tmp_path / "B", [(0, 0, 0)] * 2)  # img00, img01
    write_image(tmp_path / "B" / "stray.png", (0, 0, 0))
    message = refusal(f"paired:{tmp_path / 'A'},{tmp_path / 'B'}", "5 image(s)", tmp_path / "A" / "img02.png",
                      tmp_path / "A" / "img04.png", ", ...", "same file names")
    assert "img05" not in message  # only the first few are named


def test_two_files_of_one_name_in_a_paired_directory_are_refused(tmp_path):
    write_domain(tmp_path / "A", [(0, 0, 0)])
    write_domain(tmp_path / "B", [(0, 0, 0)])
    write_image(tmp_path / "B" / "img00.jpg", (0, 0, 0))
    refusal(f"paired:{tmp_path / 'A'},{tmp_path / 'B'}", tmp_path / "B" / "img00.jpg", tmp_path / "B" / "img00.png")


def test_domains_with_different_channels_are_refused_saying_which_is_which(tmp_path):
    write_domain(tmp_path / "grey", [0, 128], mode="L")
    write_domain(tmp_path / "colour", [(0, 0, 0), (1, 2, 3)])
    message = refusal(f"paired:{tmp_path / 'grey'},{tmp_path / 'colour'}", "convert")
    assert f"domain A ({tmp_path / 'grey'}) is grayscale" in message
    assert f"domain B ({tmp_path / 'colour'}) is RGB" in message
    np.savez(tmp_path / "mixed.npz", a=np.zeros((2, 4, 4, 3), np.uint8), b=np.zeros((3, 4, 4), np.uint8))
    refusal(f"unpaired:{tmp_path / 'mixed.npz'}", "array 'a'", "is RGB (3 channels)", "array 'b'",
            "is grayscale (1 channel)")


def test_a_channel_mismatch_is_refused_before_pixels_are_decoded(tmp_path):
    write_domain(tmp_path / "grey", [0], mode="L")
    colour = write_image(tmp_path / "colour" / "img00.png", (1, 2, 3), (64, 64))
    colour.write_bytes(colour.read_bytes()[:60])  # the header survives, the pixels do not
    refusal(f"unpaired:{tmp_path / 'grey'},{tmp_path / 'colour'}", "is grayscale", "is RGB")
    refusal(f"unpaired:{colour.parent},{colour.parent}", colour, "unreadable image")  # what decoding would say


@pytest.mark.parametrize("kind", ["paired", "unpaired"])
def test_an_npz_without_a_or_b_is_refused(tmp_path, kind):
    np.savez(tmp_path / "x.npz", x=np.zeros((2, 4, 4), np.uint8))
    refusal(f"{kind}:{tmp_path / 'x.npz'}", tmp_path / "x.npz", "no array 'a' or 'b'", "'x'", "numpy.savez")


def test_a_paired_npz_of_different_lengths_is_refused(tmp_path):
    np.savez(tmp_path / "uneven.npz", a=np.zeros((3, 4, 4), np.uint8), b=np.zeros((2, 4, 4), np.uint8))
    refusal(f"paired:{tmp_path / 'uneven.npz'}", tmp_path / "uneven.npz", "3 images in 'a' but 2 in 'b'", "unpaired:")


def test_npz_domains_must_be_images_of_one_size(tmp_path):
    np.savez(tmp_path / "points.npz", a=np.zeros((3, 2)), b=np.zeros((3, 4, 4), np.uint8))
    refusal(f"paired:{tmp_path / 'points.npz'}", "'a'", "points rather than images")
    np.savez(tmp_path / "sizes.npz", a=np.zeros((3, 4, 4), np.uint8), b=np.zeros((3, 6, 6), np.uint8))
    refusal(f"paired:{tmp_path / 'sizes.npz'}", "4x4", "6x6", "--image-size")
    assert data.load(f"paired:{tmp_path / 'sizes.npz'}", image_size=5).b.shape == (3, 5, 5, 1)
    np.savez(tmp_path / "labels.npz", a=np.zeros((3, 4, 4), np.uint8), b=np.zeros((2, 4, 4), np.uint8), y=[0, 1])
    refusal(f"unpaired:{tmp_path / 'labels.npz'}", "2 labels in 'y' but 3 samples")


def test_a_paired_spec_without_the_comma_is_refused(tmp_path):
    write_domain(tmp_path / "A", [(0, 0, 0)])
    refusal(f"paired:{tmp_path / 'A'}", tmp_path / "A", "paired:DIR_A,DIR_B", "sidebyside:DIR")
    refusal(f"paired:{tmp_path / 'A'},", "empty path", "paired:DIR_A,DIR_B")
    refusal(f"unpaired:{tmp_path}/A,{tmp_path}/A,{tmp_path}/A", "unpaired:DIR_A,DIR_B")


@pytest.mark.parametrize("present, absent", [("trainA", "trainB"), ("trainB", "trainA")])
def test_a_cyclegan_directory_lacking_a_training_domain_is_refused(tmp_path, present, absent):
    write_domain(tmp_path / "set" / present, [(0, 0, 0)])
    write_domain(tmp_path / "set" / "testA", [(0, 0, 0)])
    message = refusal(f"unpaired:{tmp_path / 'set'}", tmp_path / "set", f"no {absent}/", "unpaired:DIR_A,DIR_B")
    assert f"no {present}/" not in message


# --- absolute paths and the CLI ------------------------------------------------------------------------------------


def test_absolute_spec_makes_each_path_absolute(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert data.absolute_spec("paired:A, B") == f"paired:{tmp_path / 'A'},{tmp_path / 'B'}"
    assert data.absolute_spec("unpaired:~/A,B") == f"unpaired:{Path.home() / 'A'},{tmp_path / 'B'}"
    assert data.absolute_spec("unpaired:set") == f"unpaired:{tmp_path / 'set'}"
    assert data.absolute_spec("sidebyside:pairs") == f"sidebyside:{tmp_path / 'pairs'}"
    assert data.absolute_spec("folder:a,b") == f"folder:{tmp_path / 'a,b'}"  # one path, as before
    assert data.absolute_spec("paired:A,") == "paired:A,"  # left for load to refuse


def test_relative_paths_load_from_the_working_directory(tmp_path, monkeypatch):
    write_domain(tmp_path / "A", [(0, 0, 0)])
    write_domain(tmp_path / "B", [(9, 9, 9)])
    monkeypatch.chdir(tmp_path)
    assert data.load(" paired: A , B ", image_size=4).b.shape == (1, 4, 4, 3)


def test_the_cli_refuses_a_bad_translation_spec_in_one_line():
    one_line_error(invoke("train", "dcgan", "--data", "paired:/nope,/nope2", "--steps", "1"), "/nope")


def test_every_translation_spec_is_listed():
    for spec in ("paired:DIR_A,DIR_B", "paired:FILE.npz", "sidebyside:DIR", "unpaired:DIR_A,DIR_B", "unpaired:DIR",
                 "unpaired:FILE.npz"):
        assert spec in data.DATA_SOURCES
