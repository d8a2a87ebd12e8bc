"""The event files kgan writes without TensorFlow: framed, checksummed, and read back by TensorBoard."""

import io
import struct
import sys
import types

import numpy as np
import pytest

from kgan.errors import KganError
from kgan.training.tensorboard import SummaryWriter, _masked_crc, crc32c

SCALARS = {0: {"loss/d": 1.25, "loss/g": -0.5}, 10: {"loss/d": 0.75, "loss/g": 0.1},
           20: {"loss/d": 1e-3, "loss/g": 3.3}}
RGB = np.random.default_rng(0).integers(0, 256, (5, 7, 3), dtype=np.uint8)
GRAY = np.arange(12, dtype=np.uint8).reshape(3, 4) * 20


def write_log(logdir):
    with SummaryWriter(logdir) as writer:
        for step, values in SCALARS.items():
            writer.scalars(values, step)
        writer.image("samples", RGB, step=20)
        writer.image("gray", GRAY[..., None], step=20)
    return writer.path


def read_frames(path):
    """Split a TFRecord file into records, checking both masked CRCs of every frame."""
    data, records = path.read_bytes(), []
    while data:
        header, (length,) = data[:8], struct.unpack("<Q", data[:8])
        assert struct.unpack("<I", data[8:12])[0] == _masked_crc(header)
        record = data[12:12 + length]
        assert struct.unpack("<I", data[12 + length:16 + length])[0] == _masked_crc(record)
        records.append(record)
        data = data[16 + length:]
    return records


def parse(message):
    """A minimal protobuf decoder: {field number: [raw values]} (varints as ints, the rest as bytes)."""
    fields, i = {}, 0

    def varint():
        nonlocal i
        n = shift = 0
        while True:
            n |= (message[i] & 0x7F) << shift
            shift, i = shift + 7, i + 1
            if not message[i - 1] & 0x80:
                return n

    while i < len(message):
        key = varint()
        size = {0: None, 1: 8, 5: 4}.get(key & 7)
        if key & 7 == 2:
            size = varint()
        value = varint() if size is None else message[i:i + size]
        i += size or 0
        fields.setdefault(key >> 3, []).append(value)
    return fields


def test_crc32c_matches_the_standard_test_vector():
    assert crc32c(b"123456789") == 0xE3069283
    assert crc32c(b"") == 0


def test_frames_and_events_decode_without_tensorboard(tmp_path):
    path = write_log(tmp_path / "logs" / "run")
    assert path.name.startswith("events.out.tfevents.") and path.parent == tmp_path / "logs" / "run"
    events = [parse(r) for r in read_frames(path)]
    assert len(events) == 1 + len(SCALARS) + 2
    assert events[0][3] == [b"brain.Event:2"] and events[0].get(2, [0]) == [0]
    for event, (step, values) in zip(events[1:], SCALARS.items()):
        assert event.get(2, [0]) == [step]
        assert struct.unpack("<d", event[1][0])[0] > 1e9  # wall_time: seconds since the epoch
        got = {parse(v)[1][0].decode(): struct.unpack("<f", parse(v)[2][0])[0] for v in parse(event[5][0])[1]}
        assert got == {tag: np.float32(v) for tag, v in values.items()}


def test_tensorboard_reads_scalars_and_images_back(tmp_path, monkeypatch):
    pytest.importorskip("tensorboard")
    # TensorBoard's own switch to its TF-free reader: faster (no TensorFlow import), and the path
    # taken on the jax and torch backends, where TensorFlow is not installed.
    monkeypatch.setitem(sys.modules, "tensorboard.compat.notf", types.ModuleType("tensorboard.compat.notf"))
    from PIL import Image
    from tensorboard.backend.event_processing import event_accumulator as ea

    write_log(tmp_path)
    acc = ea.EventAccumulator(str(tmp_path), size_guidance={k: 0 for k in ea.DEFAULT_SIZE_GUIDANCE})
    acc.Reload()
    assert sorted(acc.Tags()["scalars"]) == ["loss/d", "loss/g"]
    for tag in ("loss/d", "loss/g"):
        events = acc.Scalars(tag)
        assert [e.step for e in events] == list(SCALARS)
        assert [e.value for e in events] == [np.float32(SCALARS[s][tag]) for s in SCALARS]
    for tag, expected in (("samples", RGB), ("gray", GRAY)):
        (event,) = acc.Images(tag)
        assert (event.step, event.height, event.width) == (20, *expected.shape[:2])
        np.testing.assert_array_equal(np.asarray(Image.open(io.BytesIO(event.encoded_image_string))), expected)


@pytest.mark.parametrize("image", [np.zeros((4, 4, 3), np.float32), np.zeros((4, 4, 2), np.uint8),
                                   np.zeros((2, 4, 4, 3), np.uint8), np.zeros(4, np.uint8)])
def test_bad_images_raise_a_one_line_error(tmp_path, image):
    with SummaryWriter(tmp_path) as writer, pytest.raises(KganError, match="uint8 HxW") as info:
        writer.image("x", image, step=0)
    assert "\n" not in str(info.value)


def test_an_unusable_logdir_surfaces_as_oserror(tmp_path):
    (tmp_path / "file").write_text("not a directory")
    with pytest.raises(OSError):
        SummaryWriter(tmp_path / "file" / "logs")
