"""Captions as character ids: the one vocabulary of kgan's text encoder (text-encoder, text2image).

Reed et al. 2016 read captions character by character; so does kgan. A caption is lowercased, then each
character becomes its index in ``VOCABULARY`` plus one (0 pads a caption to ``MAX_CHARS``). A character outside
the vocabulary, an empty caption or one longer than ``MAX_CHARS`` is refused in one line naming it, in training
data as when sampling: a model never sees a character it was not trained on, and a silent drop would change what
a caption says.

The vocabulary travels with every export (ONNX metadata ``vocabulary``, ``max_chars``), so a Keras-free
sampler encodes a sentence exactly as training did.
"""

from __future__ import annotations

import numpy as np

from kgan.errors import KganError

VOCABULARY = "abcdefghijklmnopqrstuvwxyz0123456789 ,.:;'-!?()/&"
MAX_CHARS = 64  # characters per caption: ids arrays are (..., MAX_CHARS), 0-padded
TEXT_INPUT = "text"  # the input name of a text encoder: character ids (MAX_CHARS,) int32


def check_caption(caption: str, where: str = "caption", vocabulary: str = VOCABULARY,
                  max_chars: int = MAX_CHARS) -> str:
    """``caption`` lowercased, or a one-line ``KganError`` (naming ``where``) if it is empty, too long or holds a
    character outside ``vocabulary``."""
    if not isinstance(caption, str):
        raise KganError(f"{where}: a caption must be a string, not {type(caption).__name__}")
    text = caption.strip().lower()
    if not text:
        raise KganError(f"{where}: empty caption")
    if len(text) > max_chars:
        raise KganError(f"{where}: caption of {len(text)} characters, over the {max_chars} a caption may hold: "
                        f"{caption[:40]!r}...")
    unknown = sorted(set(text) - set(vocabulary))
    if unknown:
        raise KganError(f"{where}: caption {caption!r} holds {''.join(unknown)!r}, outside the vocabulary "
                        f"{vocabulary!r}")
    return text


def encode(captions, where: str = "caption", vocabulary: str = VOCABULARY, max_chars: int = MAX_CHARS) -> np.ndarray:
    """Character ids (len(captions), max_chars) int32 of ``captions`` (strings), 0-padded; see ``check_caption``."""
    if isinstance(captions, str):
        captions = [captions]
    index = {char: i + 1 for i, char in enumerate(vocabulary)}
    ids = np.zeros((len(captions), max_chars), np.int32)
    for row, caption in enumerate(captions):
        text = check_caption(caption, where, vocabulary, max_chars)
        ids[row, :len(text)] = [index[char] for char in text]
    return ids


def decode(ids, vocabulary: str = VOCABULARY) -> list[str]:
    """The captions (strings) of character ids (n, max_chars): the inverse of ``encode``."""
    ids = np.asarray(ids).reshape(-1, np.asarray(ids).shape[-1])
    return ["".join(vocabulary[i - 1] for i in row if i > 0) for row in ids]
