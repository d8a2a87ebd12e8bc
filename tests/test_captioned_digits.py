"""``kgan data captions`` (kgan.data.captioned_digits): a captioned set made from MNIST, deterministic for a seed,
its held-out class x colour pairs never in the train split, and read back by ``captions:DIR``."""

from __future__ import annotations

import itertools
import json

import numpy as np
import pytest
from helpers import invoke, one_line_error

from kgan import data
from kgan.data import captioned_digits as made
from kgan.data.captions import load_test_split
from kgan.data.dataset import DataError
from kgan.text import decode, encode


@pytest.fixture(scope="module")
def captioned(tmp_path_factory):
    out = tmp_path_factory.mktemp("made") / "set"
    result = invoke("data", "captions", "--from", "mnist", "-o", out, "--count", 60, "--seed", 3)
    assert result.exit_code == 0, result.output
    assert "60 captioned mnist images" in result.output and "blue one" in result.output
    return out


def test_the_made_set_reads_back_and_holds_its_pairs_out_of_training(captioned):
    rows = [json.loads(text) for text in (captioned / "captions.jsonl").read_text().splitlines()]
    held_out = json.loads((captioned / "held_out.json").read_text())["held_out"]
    pairs = {(pair["class"], pair["colour"]) for pair in held_out}
    assert len(pairs) == len(made.HELD_OUT) == 10 and ("one", "blue") in pairs
    for row in rows:
        attributes = row["attributes"]
        assert set(attributes) == {"class", "colour", "background", "position", "size"}
        if (attributes["class"], attributes["colour"]) in pairs:
            assert row["split"] == "test"
        assert len(row["captions"]) == made.CAPTIONS_PER_IMAGE
        for text in row["captions"]:  # every caption names every attribute
            assert all(attributes[name] in text for name in ("colour", "background", "position", "size"))
    train, test = data.load(f"captions:{captioned}"), load_test_split(f"captions:{captioned}")
    assert len(train.x) + len(test.x) == 60 and len(test.x) >= 1
    assert train.x.shape[1:] == (64, 64, 3) and train.captions.shape[1] == made.CAPTIONS_PER_IMAGE
    assert not any((a["class"], a["colour"]) in pairs for a in train.attributes)
    assert decode(train.captions[0])[0] in [text for row in rows if row["split"] == "train" for text in row["captions"]]


def test_the_same_seed_makes_the_same_set(captioned, tmp_path):
    made.make_captioned_set("mnist", tmp_path / "again", 60, seed=3)
    made.make_captioned_set("mnist", tmp_path / "other", 60, seed=4)
    assert (tmp_path / "again" / "captions.jsonl").read_bytes() == (captioned / "captions.jsonl").read_bytes()
    assert (tmp_path / "again" / "images" / "00007.png").read_bytes() == \
        (captioned / "images" / "00007.png").read_bytes()
    assert (tmp_path / "other" / "captions.jsonl").read_bytes() != (captioned / "captions.jsonl").read_bytes()


def test_a_directory_with_files_is_refused_and_kept(tmp_path):
    (tmp_path / "mine.txt").write_text("keep me")
    one_line_error(invoke("data", "captions", "--from", "mnist", "-o", tmp_path, "--count", 5),
                   "is not an empty directory")
    assert (tmp_path / "mine.txt").read_text() == "keep me" and len(list(tmp_path.iterdir())) == 1


def test_fashion_mnist_missing_says_how_to_get_it(monkeypatch, tmp_path):
    from kgan.data import named

    monkeypatch.setattr(named, "DEBIAN_FASHION_MNIST", tmp_path / "absent")
    with pytest.raises(DataError, match="apt-get install dataset-fashion-mnist"):
        made.make_captioned_set("fashion_mnist", tmp_path / "set", 5)
    assert not (tmp_path / "set").exists()


def test_every_caption_the_templates_can_write_fits_the_vocabulary():
    texts = [made.caption(template, dict(zip(("colour", "background", "position", "size"), combo)), noun)
             for template in made.TEMPLATES for source in made.SOURCES for label in range(10)
             for noun in made.nouns(source, label)
             for combo in itertools.product(made.PALETTE, made.BACKGROUNDS, made.POSITIONS, made.SIZES)]
    assert encode(texts).shape[0] == len(texts)
    assert np.unique(texts).size == len(texts)
