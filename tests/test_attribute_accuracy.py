"""Attribute accuracy from pixels (kgan.metrics.attributes): the made set's own images score (near) 100%, and
images of the wrong colour score their colour wrong and nothing else."""

from __future__ import annotations

import numpy as np
import pytest

from kgan import data
from kgan.data.captioned_digits import make_captioned_set
from kgan.metrics.attributes import ATTRIBUTES, attribute_accuracy, measure_attributes


@pytest.fixture(scope="module")
def made(tmp_path_factory):
    out = tmp_path_factory.mktemp("made") / "set"
    make_captioned_set("mnist", out, 40, seed=0)
    return data.load(f"captions:{out}")


def test_the_made_images_show_their_attributes(made):
    scores = attribute_accuracy(made.x, made.attributes, "mnist")
    assert all(scores[name] == 1.0 for name in ("colour", "background", "position", "size"))
    assert scores["class"] >= 0.9 and scores["all"] == scores["class"]  # the pinned classifier, 98.5% on MNIST
    assert scores["images"] == len(made.x)


def test_images_of_the_wrong_colour_score_their_colour_wrong(made):
    # Red -> green, green -> blue, blue -> red, yellow -> cyan, ...; only white stays what it was.
    scores = attribute_accuracy(made.x[..., [2, 0, 1]], made.attributes, "mnist")
    white = np.mean([attributes["colour"] == "white" for attributes in made.attributes])
    assert scores["colour"] == pytest.approx(white) and white < 0.5
    assert all(scores[name] == 1.0 for name in ("background", "position", "size"))


def test_an_empty_canvas_shows_only_its_background():
    blank = np.full((1, 64, 64, 3), -1.0, np.float32)
    assert measure_attributes(blank, "mnist") == [{"background": "black"}]
    scores = attribute_accuracy(blank, [dict.fromkeys(ATTRIBUTES, "?") | {"background": "black"}], "mnist")
    assert scores["background"] == 1.0 and scores["all"] == 0.0
