"""`captions:DIR` and `captions:FILE.npz`: images with captions, what text-to-image trains on.

``DIR/captions.jsonl`` holds one line per image, its file relative to DIR::

    {"file": "images/00012.png", "captions": ["a red sandal at the top left", ...],
     "attributes": {"class": "sandal", "colour": "red"}, "split": "train"}

``attributes`` and ``split`` (``"train"`` or ``"test"``, default ``"train"``) are optional. An ``.npz`` holds
``x`` (uint8 images (N, H, W[, C])), ``captions`` (a string array (N, K); ``""`` pads a row with fewer than K
captions) and optionally ``match`` ((N,) ints: rows with one key have interchangeable captions),
``attributes`` ((N,) strings, each a JSON object) and ``split`` ((N,) strings).

Only the train rows are training data; ``load_test_split`` reads the held-out test rows (for evaluation). Nothing
is dropped in silence: an image file without a captions line, a line whose file is missing, an image with no
captions or an empty one, and a caption holding a character outside ``kgan.text.VOCABULARY`` are each refused
in one line naming the file (and the caption): such a caption is refused, not cleaned or skipped, since a
changed caption says something else. Images of different sizes are centre-cropped and resized to one, as
``folder:DIR`` does (``--image-size``, default ``DEFAULT_FOLDER_SIZE``).
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import numpy as np

from kgan.data.dataset import DataError, Dataset, image_dataset
from kgan.data.folder import DEFAULT_FOLDER_SIZE, IMAGE_SUFFIXES, image_mode, read_images
from kgan.data.npz import npz_samples, read_npz
from kgan.errors import KganError
from kgan.text import encode

CAPTIONS_FILE = "captions.jsonl"
SPLITS = ("train", "test")
TRAIN, TEST = SPLITS

_NPZ_FIX = "save it with numpy.savez(path, x=uint8_images, captions=np.array(captions, dtype=str))"


def caption_table(captions, n: int) -> np.ndarray:
    """The npz form's ``captions`` array, strings (N, K), from a list of ``n`` rows, each a caption or a list of
    an image's captions (``""`` pads the shorter rows); the captions themselves are checked where they are read.

    Raises:
        KganError: not ``n`` rows, or a row that is neither a string nor a list of strings.
    """
    given = None if isinstance(captions, str) or not hasattr(captions, "__iter__") else list(captions)
    if given is None or len(given) != n:
        got = type(captions).__name__ if given is None else f"{len(given)} rows"
        raise KganError(f"captions must be one row per image ({n}), each a caption or a list of captions; got {got}")
    rows = [[row] if isinstance(row, str) else list(row) if isinstance(row, (list, tuple, np.ndarray)) else None
            for row in given]
    bad = next((i for i, row in enumerate(rows) if row is None or not all(isinstance(c, str) for c in row)), None)
    if bad is not None:
        raise KganError(f"captions of image {bad} are {given[bad]!r}: give a string or a list of strings")
    most = max(map(len, rows), default=1)
    return np.array([row + [""] * (most - len(row)) for row in rows], dtype=str).reshape(n, most)


def load(spec: str, path: Path, size: int | None, split: str = TRAIN) -> Dataset:
    """The images of one split of captioned data, with their captions as character ids.

    Args:
        spec: the whole data spec, used as the dataset's name and in error messages.
        path: a directory holding ``captions.jsonl``, or an ``.npz`` file.
        size: the side of the square images; ``None`` keeps an npz's size and gives a directory's images
            ``DEFAULT_FOLDER_SIZE``.
        split: ``"train"`` (the training data) or ``"test"`` (the held-out rows).

    Returns:
        An image ``Dataset`` with ``captions``, ``match`` and ``attributes`` set.

    Raises:
        DataError: the data is missing or unusable (see the module's docstring), or the split holds no images.
    """
    if split not in SPLITS:
        raise DataError(f"{spec}: split {split!r} is neither of {', '.join(SPLITS)}")
    if path.is_dir():
        return _load_directory(spec, path, size, split)
    if path.is_file() and path.suffix.lower() == ".npz":
        return _load_npz(spec, path, size, split)
    raise DataError(f"{spec}: {path} is neither a directory holding {CAPTIONS_FILE} nor an .npz file; "
                    f"give captions:DIR or captions:FILE.npz")


def load_test_split(spec: str, image_size: int | None = None) -> Dataset:
    """The held-out test rows of captioned data (``split: "test"``), read as ``load`` reads the train rows.

    Args:
        spec: ``captions:PATH`` (or PATH alone): a directory holding ``captions.jsonl`` or an ``.npz`` file.
        image_size: as ``kgan.data.load``'s.

    Returns:
        An image ``Dataset`` of the test rows, ``name`` the spec with ``#test`` appended.
    """
    path = spec.partition(":")[2] if spec.startswith("captions:") else spec
    if not path.strip():
        raise DataError(f"data spec {spec!r} has no path; write it as captions:PATH")
    return load(f"{spec}#test", Path(path.strip()).expanduser(), image_size, split=TEST)


def _load_directory(spec: str, directory: Path, size: int | None, split: str) -> Dataset:
    rows = read_captions_file(spec, directory)
    _refuse_uncaptioned_images(spec, directory, rows)
    chosen = [row for row in rows if row["split"] == split]
    if not chosen:
        raise DataError(f"{spec}: none of the {len(rows)} images in {directory / CAPTIONS_FILE} is in the "
                        f"{split} split; mark some \"split\": \"{split}\"")
    files = [directory / row["file"] for row in chosen]
    x = read_images(files, image_mode(files), size or DEFAULT_FOLDER_SIZE)
    return _captioned(spec, x, [row["captions"] for row in chosen], [row["attributes"] for row in chosen])


def read_captions_file(spec: str, directory: Path) -> list[dict]:
    """The lines of ``directory/captions.jsonl``, each checked: ``{"file", "captions", "attributes", "split"}``
    with the captions lowercased (``kgan.text.check_caption``) and the defaults filled in; blank lines are
    skipped. Every line is checked, whichever split is read, so that bad data is found at once."""
    path = directory / CAPTIONS_FILE
    if not path.is_file():
        raise DataError(f"{spec}: no {CAPTIONS_FILE} in {directory}; write one line per image: "
                        f"{{\"file\": \"images/1.png\", \"captions\": [\"a red sandal\"]}}")
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise DataError(f"{path}: unreadable ({type(exc).__name__}: {exc})") from None
    rows, seen = [], {}
    for number, line in enumerate(lines, 1):
        if line.strip():
            row = _checked_line(path, number, line, directory)
            if row["file"] in seen:
                raise DataError(f"{path} line {number}: {row['file']} already has line {seen[row['file']]}; "
                                f"give each image one line with all its captions")
            seen[row["file"]] = number
            rows.append(row)
    if not rows:
        raise DataError(f"{path} lists no images; write one line per image")
    return rows


def _checked_line(path: Path, number: int, line: str, directory: Path) -> dict:
    where = f"{path} line {number}"
    try:
        row = json.loads(line)
    except ValueError as exc:
        raise DataError(f"{where}: not JSON ({exc})") from None
    if not isinstance(row, dict) or not isinstance(row.get("file"), str) or not row["file"].strip():
        raise DataError(f"{where}: expected an object with \"file\" (a path relative to {directory}) and "
                        f"\"captions\" (a list of strings)")
    name = row["file"].strip()
    captions, attributes, split = row.get("captions"), row.get("attributes", {}), row.get("split", TRAIN)
    if not (directory / name).is_file():
        raise DataError(f"{where}: the captioned file {name} is missing from {directory}")
    if not isinstance(captions, list) or not captions:
        raise DataError(f"{where}: {name} has no captions; give \"captions\": a non-empty list of strings")
    if not isinstance(attributes, dict):
        raise DataError(f"{where}: \"attributes\" of {name} must be an object, e.g. {{\"colour\": \"red\"}}")
    if split not in SPLITS:
        raise DataError(f"{where}: \"split\" of {name} is {split!r}, not one of {', '.join(SPLITS)}")
    return {"file": name, "captions": _checked_captions(f"{where}: {name}", captions), "attributes": attributes,
            "split": split}


def _checked_captions(where: str, captions) -> list[str]:
    """``captions`` lowercased, or a ``DataError`` naming ``where`` and the caption refused."""
    try:
        encode(captions, where)  # refuses empty captions, overlong ones and characters outside the vocabulary
    except KganError as exc:
        raise DataError(str(exc)) from None
    return [caption.strip().lower() for caption in captions]


def _refuse_uncaptioned_images(spec: str, directory: Path, rows: list[dict]) -> None:
    captioned = {(directory / row["file"]).resolve() for row in rows}
    uncaptioned = [p for p in sorted(directory.rglob("*")) if p.suffix.lower() in IMAGE_SUFFIXES and p.is_file()
                   and p.resolve() not in captioned]
    if uncaptioned:
        raise DataError(f"{spec}: {len(uncaptioned)} image(s) without a line in {CAPTIONS_FILE}, e.g. "
                        f"{uncaptioned[0].relative_to(directory)}; caption them or move them out of {directory}")


def _load_npz(spec: str, path: Path, size: int | None, split: str) -> Dataset:
    arrays = read_npz(path, _NPZ_FIX)
    missing = [key for key in ("x", "captions") if key not in arrays]
    if missing:
        raise DataError(f"{spec}: {path} lacks array{'s' * (len(missing) > 1)} {', '.join(missing)}; {_NPZ_FIX}")
    x, table = npz_samples(spec, "x", arrays["x"]), arrays["captions"]
    if x.ndim != 4:
        raise DataError(f"{spec}: array 'x' has shape {arrays['x'].shape}; captioned data is images (N, H, W[, C])")
    if table.dtype.kind != "U" or table.ndim != 2 or len(table) != len(x):
        raise DataError(f"{spec}: array 'captions' has dtype {table.dtype} and shape {table.shape}; expected "
                        f"strings (N, K) for the {len(x)} images: np.array(captions, dtype=str)")
    n = len(x)
    splits = _npz_strings(spec, arrays, "split", n, [TRAIN] * n)
    bad = sorted(set(splits) - set(SPLITS))
    if bad:
        raise DataError(f"{spec}: array 'split' holds {bad[0]!r}, not one of {', '.join(SPLITS)}")
    attributes = [_npz_attributes(spec, i, text) for i, text in
                  enumerate(_npz_strings(spec, arrays, "attributes", n, ["{}"] * n))]
    captions = [_checked_captions(f"{path} image {i}", [c for c in row if c != ""] or [""])
                for i, row in enumerate(table.tolist())]
    match = arrays.get("match")
    if match is not None and (match.dtype.kind not in "ui" or match.shape != (n,)):
        raise DataError(f"{spec}: array 'match' has dtype {match.dtype} and shape {match.shape}; expected ({n},) "
                        f"integers, one key per image")
    chosen = [i for i in range(n) if splits[i] == split]
    if not chosen:
        raise DataError(f"{spec}: none of the {n} images of {path} is in the {split} split")
    images = image_dataset(spec, x[chosen], None, size).x
    return _captioned(spec, images, [captions[i] for i in chosen], [attributes[i] for i in chosen],
                      None if match is None else match[chosen])


def _npz_strings(spec: str, arrays: dict, key: str, n: int, default: list[str]) -> list[str]:
    if key not in arrays:
        return default
    values = arrays[key]
    if values.dtype.kind != "U" or values.shape != (n,):
        raise DataError(f"{spec}: array {key!r} has dtype {values.dtype} and shape {values.shape}; expected ({n},) "
                        f"strings, one per image")
    return values.tolist()


def _npz_attributes(spec: str, i: int, text: str) -> dict:
    try:
        attributes = json.loads(text)
    except ValueError:
        attributes = None
    if not isinstance(attributes, dict):
        raise DataError(f"{spec}: attributes of image {i} are {text[:40]!r}, not a JSON object")
    return attributes


def _captioned(spec: str, x: np.ndarray, captions: list[list[str]], attributes: list[dict],
               match: np.ndarray | None = None) -> Dataset:
    """A captioned ``Dataset``: each image's captions repeated in turn up to the most any image has."""
    most = max(len(row) for row in captions)
    ids = encode([row[k % len(row)] for row in captions for k in range(most)]).reshape(len(x), most, -1)
    if match is None:
        match = match_keys(captions, attributes)
    return replace(Dataset(name=spec, x=x, labels=None, num_classes=None), captions=ids,
                   match=np.asarray(match, np.int64), attributes=tuple(attributes))


def match_keys(captions: list[list[str]], attributes: list[dict]) -> np.ndarray:
    """(N,) int keys: rows with equal attributes share a key; rows without attributes share one when their
    sets of captions are equal. Keys number the distinct groups in sorted order, so equal data gives equal keys."""
    groups = [json.dumps(row_attributes, sort_keys=True) if row_attributes else json.dumps(sorted(set(row_captions)))
              for row_captions, row_attributes in zip(captions, attributes)]
    return np.unique(np.asarray(groups), return_inverse=True)[1].reshape(-1).astype(np.int64)
