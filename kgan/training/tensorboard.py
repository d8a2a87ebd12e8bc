"""A TensorBoard event-file writer in the standard library, numpy and Pillow.

TensorBoard logs should work the same under every Keras backend, and installing TensorFlow (or
even the tensorboard package) just to write a few scalars and sample grids is a heavy ask on the
jax and torch backends. The event format is small: TFRecord frames (length, masked CRC-32C) around
hand-encoded ``Event`` protobufs (tensorflow/core/util/event.proto, summary.proto). Only the
fields written here are encoded; TensorBoard reads the files as it reads TensorFlow's own.
"""

from __future__ import annotations

import io
import os
import socket
import struct
import time
from pathlib import Path

import numpy as np

from kgan.errors import KganError


def _crc_table() -> list[int]:
    table = []
    for n in range(256):
        for _ in range(8):
            n = (n >> 1) ^ 0x82F63B78 if n & 1 else n >> 1  # reflected Castagnoli polynomial
        table.append(n)
    return table


_CRC_TABLE = _crc_table()


def crc32c(data: bytes) -> int:
    """CRC-32C (Castagnoli), the checksum TFRecord frames carry; zlib only has plain CRC-32."""
    crc = 0xFFFFFFFF
    for byte in data:
        crc = _CRC_TABLE[(crc ^ byte) & 0xFF] ^ (crc >> 8)
    return crc ^ 0xFFFFFFFF


def _masked_crc(data: bytes) -> int:
    crc = crc32c(data)
    return (((crc >> 15) | (crc << 17)) + 0xA282EAD8) & 0xFFFFFFFF


def _varint(n: int) -> bytes:
    n &= (1 << 64) - 1  # negative int64s are ten bytes of two's complement
    out = bytearray()
    while n > 0x7F:
        out.append(n & 0x7F | 0x80)
        n >>= 7
    return bytes(out + bytes([n]))


def _field(number: int, wire_type: int, payload: bytes) -> bytes:
    return _varint(number << 3 | wire_type) + payload


def _int(number: int, n: int) -> bytes:
    return _field(number, 0, _varint(n))


def _bytes(number: int, data: bytes) -> bytes:
    return _field(number, 2, _varint(len(data)) + data)


def _event(step: int, **fields) -> bytes:
    """An Event: wall_time=1 (double), step=2, file_version=3 or summary=5 (already encoded)."""
    event = _field(1, 1, struct.pack("<d", time.time())) + _int(2, step)
    if "file_version" in fields:
        event += _bytes(3, fields["file_version"].encode())
    if "summary" in fields:
        event += _bytes(5, fields["summary"])
    return event


def _image_value(tag: str, image: np.ndarray) -> bytes:
    """A Summary.Value{tag=1, image=4} holding Summary.Image{height, width, colorspace, png}."""
    from PIL import Image

    image = np.asarray(image)
    if image.ndim == 3 and image.shape[-1] == 1:
        image = image[..., 0]
    if image.dtype != np.uint8 or not (image.ndim == 2 or image.ndim == 3 and image.shape[-1] in (3, 4)):
        raise KganError(f"TensorBoard image {tag!r} must be uint8 HxW or HxWxC with C 1, 3 or 4, "
                        f"got {image.dtype} {image.shape}")
    buffer = io.BytesIO()
    Image.fromarray(image).save(buffer, format="PNG")
    height, width = image.shape[:2]
    channels = 1 if image.ndim == 2 else image.shape[-1]
    proto = _int(1, height) + _int(2, width) + _int(3, channels) + _bytes(4, buffer.getvalue())
    return _bytes(1, tag.encode()) + _bytes(4, proto)


class SummaryWriter:
    """Appends scalar and image summaries to one event file in ``logdir``, flushed after each."""

    def __init__(self, logdir: str | os.PathLike):
        self.logdir = Path(logdir)
        self.logdir.mkdir(parents=True, exist_ok=True)
        name = f"events.out.tfevents.{int(time.time())}.{socket.gethostname()}.{os.getpid()}.kgan"
        self.path = self.logdir / name
        self._file = open(self.path, "ab")
        self._write(_event(0, file_version="brain.Event:2"))

    def scalar(self, tag: str, value: float, step: int) -> None:
        self.scalars({tag: value}, step)

    def scalars(self, values: dict[str, float], step: int) -> None:
        """One event holding every value (Summary.Value{tag=1, simple_value=2 as float32})."""
        summary = b"".join(_bytes(1, _bytes(1, tag.encode()) + _field(2, 5, struct.pack("<f", float(v))))
                           for tag, v in values.items())
        self._write(_event(int(step), summary=summary))

    def image(self, tag: str, image: np.ndarray, step: int) -> None:
        self._write(_event(int(step), summary=_bytes(1, _image_value(tag, image))))

    def _write(self, data: bytes) -> None:
        length = struct.pack("<Q", len(data))
        self._file.write(length + struct.pack("<I", _masked_crc(length)) + data
                         + struct.pack("<I", _masked_crc(data)))
        self._file.flush()  # TensorBoard sees progress live, and a crash loses nothing

    def flush(self) -> None:
        if not self._file.closed:
            self._file.flush()

    def close(self) -> None:
        self._file.close()

    def __enter__(self) -> SummaryWriter:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
