"""Captioned data (kgan.data.captions) and its batch source (kgan.training.captions): what is read, what is refused
in one line, and the wrong rows a step draws."""

from __future__ import annotations

import json

import numpy as np
import pytest
from PIL import Image

from kgan import data
from kgan.data.captions import load_test_split
from kgan.data.dataset import DataError
from kgan.errors import KganError
from kgan.text import MAX_CHARS, decode
from kgan.training.captions import CAPTIONS, MATCHING_CAPTIONS, draw_wrong_rows

COLOURS = {"red": (255, 0, 0), "green": (0, 255, 0), "blue": (0, 0, 255)}


def write_captions(directory, lines, size=8):
    """A captions:DIR of one-colour images, one for each line's colour; ``lines`` are the jsonl objects."""
    (directory / "images").mkdir(parents=True)
    for line in lines:
        colour = line.get("attributes", {}).get("colour", "red")
        Image.new("RGB", (size, size), COLOURS[colour]).save(directory / line["file"])
    (directory / "captions.jsonl").write_text("\n".join(json.dumps(line) for line in lines) + "\n")
    return directory


def line(i, colour, captions=None, split=None):
    row = {"file": f"images/{i}.png", "captions": captions or [f"a {colour} square", f"{colour} square"],
           "attributes": {"colour": colour}}
    return {**row, "split": split} if split else row


@pytest.fixture
def captioned(tmp_path):
    lines = [line(i, ["red", "green", "blue"][i % 3]) for i in range(6)]
    lines[0]["captions"] = ["A red square"]  # fewer captions than the others: repeated
    lines.append(line(6, "blue", split="test"))
    return write_captions(tmp_path / "set", lines)


def test_a_captions_directory_reads_its_train_images_captions_and_match_keys(captioned):
    dataset = data.load(f"captions:{captioned}", image_size=4)
    assert dataset.x.shape == (6, 4, 4, 3) and dataset.x.dtype == np.float32
    assert np.allclose(dataset.x[1, ..., 1], 1.0) and np.allclose(dataset.x[1, ..., 0], -1.0)  # green in [-1, 1]
    assert dataset.captions.shape == (6, 2, MAX_CHARS) and dataset.captions.dtype == np.int32
    assert decode(dataset.captions[0]) == ["a red square", "a red square"]  # lowercased, repeated in turn
    assert decode(dataset.captions[1]) == ["a green square", "green square"]
    assert dataset.match.tolist() == [2, 1, 0, 2, 1, 0]  # one key per colour
    assert dataset.attributes[4] == {"colour": "green"}


def test_the_test_split_is_read_apart_from_the_training_data(captioned):
    held_out = load_test_split(f"captions:{captioned}")
    assert len(held_out.x) == 1 and held_out.x.shape[1:] == (64, 64, 3)  # folder:DIR's default size
    assert decode(held_out.captions[0])[0] == "a blue square"


def test_without_attributes_rows_with_the_same_captions_match(tmp_path):
    lines = [{"file": f"images/{i}.png", "captions": [text]} for i, text in enumerate(["a", "b", "a"])]
    assert data.load(f"captions:{write_captions(tmp_path / 'set', lines)}").match.tolist() == [0, 1, 0]


@pytest.mark.parametrize("break_it, message", [
    (lambda d: Image.new("RGB", (8, 8)).save(d / "images" / "stray.png"), "images/stray.png"),
    (lambda d: (d / "images" / "2.png").unlink(), "the captioned file images/2.png is missing"),
    (lambda d: rewrite(d, 3, captions=[]), "images/3.png has no captions"),
    (lambda d: rewrite(d, 3, captions=["a red square", "  "]), "images/3.png: empty caption"),
    (lambda d: rewrite(d, 3, captions=["a red carré"]), "images/3.png: caption 'a red carré' holds 'é'"),
    (lambda d: rewrite(d, 3, split="validation"), "'validation', not one of train, test"),
    (lambda d: (d / "captions.jsonl").unlink(), "no captions.jsonl"),
])
def test_bad_captioned_data_is_refused_in_one_line_naming_the_file(captioned, break_it, message):
    break_it(captioned)
    with pytest.raises(DataError, match=message) as caught:
        data.load(f"captions:{captioned}")
    assert "\n" not in str(caught.value)


def rewrite(directory, i, **changes):
    path = directory / "captions.jsonl"
    rows = [json.loads(text) for text in path.read_text().splitlines()]
    rows[i].update(changes)
    path.write_text("\n".join(json.dumps(row) for row in rows))


def test_the_npz_form_reads_captions_padded_with_empty_strings_and_its_splits(tmp_path):
    x = np.zeros((3, 4, 4, 3), np.uint8)
    captions = np.array([["a red square", ""], ["a green square", "green"], ["a red square", "red"]])
    np.savez(tmp_path / "set.npz", x=x, captions=captions, split=np.array(["train", "train", "test"]),
             match=np.array([0, 1, 0]))
    dataset = data.load(f"captions:{tmp_path / 'set.npz'}")
    assert dataset.x.shape == (2, 4, 4, 3) and dataset.match.tolist() == [0, 1]
    assert decode(dataset.captions[0]) == ["a red square", "a red square"]
    assert decode(load_test_split(str(tmp_path / "set.npz")).captions[0]) == ["a red square", "red"]
    np.savez(tmp_path / "bad.npz", x=x, captions=np.array([["a"], [""], ["b"]]))
    with pytest.raises(DataError, match="image 1: empty caption"):
        data.load(f"captions:{tmp_path / 'bad.npz'}")


def test_wrong_rows_never_match_their_row_and_repeat_for_a_seed():
    match = np.array([0, 0, 1, 2, 2, 2, 1, 0])
    indices = np.tile(np.arange(8), (50, 1)).astype(np.int32)
    wrong = draw_wrong_rows(np.random.default_rng(1), indices, match)
    assert wrong.shape == indices.shape and wrong.dtype == np.int32
    assert not np.any(match[wrong] == match[indices])
    assert set(wrong[:, 0]) == {2, 3, 4, 5, 6}  # every row of another key is drawn
    assert np.array_equal(wrong, draw_wrong_rows(np.random.default_rng(1), indices, match))


def test_the_source_refuses_uncaptioned_data_and_captions_of_one_kind(captioned, mnist_npz):
    with pytest.raises(KganError, match="give --data captions:DIR"):
        CAPTIONS.check("text2image", "mnist", data.load(f"npz:{mnist_npz}"))
    one_kind = data.load(f"captions:{captioned}")
    one_kind = type(one_kind)(**{**one_kind.__dict__, "match": np.zeros(6, np.int64)})
    with pytest.raises(KganError, match="one match key"):
        CAPTIONS.check("text2image", "captions:DIR", one_kind)
    MATCHING_CAPTIONS.check("text-encoder", "captions:DIR", one_kind)


def test_the_source_gathers_the_same_rows_from_the_host_and_the_device(captioned):
    from keras import ops

    dataset = data.load(f"captions:{captioned}", image_size=4)
    arrays = CAPTIONS.arrays(dataset, conditional=False)
    on_device = {name: ops.convert_to_tensor(array) for name, array in arrays.items()}
    indices = np.array([[4, 0, 2]], np.int32)
    picks = CAPTIONS.draw_rows(np.random.default_rng(0), indices, dataset)
    assert set(picks) == set(CAPTIONS.picks) == {"indices", "wrong"}
    device = CAPTIONS.gather(on_device, {name: pick[0] for name, pick in picks.items()})
    rows, positions = CAPTIONS.take_rows(arrays, picks)
    host = CAPTIONS.gather({name: ops.convert_to_tensor(array) for name, array in rows.items()},
                           {name: pick[0] for name, pick in positions.items()})
    assert set(device) == {"x", "captions", "wrong_captions"}
    for name in device:
        assert np.array_equal(ops.convert_to_numpy(device[name]), ops.convert_to_numpy(host[name]))
    assert np.array_equal(ops.convert_to_numpy(device["captions"]), dataset.captions[[4, 0, 2]])
    assert not np.any(dataset.match[picks["wrong"]] == dataset.match[indices])
    plain = MATCHING_CAPTIONS.gather(on_device, {"indices": indices[0]})
    assert set(plain) == {"x", "captions"} and MATCHING_CAPTIONS.draw_rows(None, indices, dataset).keys() == {"indices"}
    assert decode(CAPTIONS.preview(dataset, 2)["captions"][1])[0] == "a green square"


def test_the_assembly_checks_see_captions_of_any_count():
    import keras

    symbolic = CAPTIONS.symbolic(4, (8, 8, 3), conditional=False)
    picks = {name: keras.KerasTensor((4,), "int32") for name in CAPTIONS.picks}
    batch = CAPTIONS.gather(symbolic, picks)
    assert batch["x"].shape == (4, 8, 8, 3) and batch["wrong_captions"].shape == (4, None, MAX_CHARS)
