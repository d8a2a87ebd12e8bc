"""Sentences among a generator's inputs: the character ids of text2image's ``text``, laid out as samplers lay them.

Numpy only, as ``kgan.latent.spec``: kgan's sampler and the Keras-free ONNX sampler give a sentence the same ids
(with the vocabulary the file records) and a seed the same z, so both give the same images.
"""

from __future__ import annotations

from kgan.errors import KganError
from kgan.latent.spec import LatentSpec, SamplingInputs, sampling_inputs
from kgan.text import MAX_CHARS, TEXT_INPUT, VOCABULARY, encode


def _check(text, takes: bool, variant: str) -> None:
    if text is None and takes:
        raise KganError(f"{variant} generates from a sentence: give one with --text (text= in Python)")
    if text is not None and not takes:
        raise KganError(f"--text is for generators of sentences (text2image); {variant} takes none")


def sentence_inputs(text, n: int, takes: bool, variant: str, vocabulary: str = VOCABULARY,
                    max_chars: int = MAX_CHARS) -> dict:
    """``{"text": ids (n, max_chars)}``: one sentence for each of ``n`` samples (``{}`` where ``text`` is None and
    the generator ``takes`` none; a one-line error where only one of the two holds)."""
    _check(text, takes, variant)
    if text is None:
        return {}
    if not isinstance(text, str):
        raise KganError("give one sentence for samples drawn by seed (several give grid rows: use sample)")
    return {TEXT_INPUT: encode([text] * n, "--text", vocabulary, max_chars)}


def with_text(spec: LatentSpec, n: int, seed: int = 0, label: int | None = None, code: str | None = None,
              truncation: float = 1.0, text=None, takes: bool = False, variant: str = "this generator",
              vocabulary: str = VOCABULARY, max_chars: int = MAX_CHARS) -> SamplingInputs:
    """``sampling_inputs``, and the sentences of a generator that ``takes`` text.

    One sentence: all ``n`` samples show it. Several (a list): ``ceil(n / len(text))`` samples of each, sentence i
    filling grid row i, as class rows do for a conditional generator; z is drawn for the samples as without text.
    """
    _check(text, takes, variant)
    if text is None:
        return sampling_inputs(spec, n, seed, label, code, truncation)
    texts = [text] if isinstance(text, str) else list(text)
    if not texts:
        raise KganError("give at least one sentence to sample from")
    columns = -(-n // len(texts)) if len(texts) > 1 else n
    ids = encode([t for t in texts for _ in range(columns)], "--text", vocabulary, max_chars)
    inputs = sampling_inputs(spec, len(ids), seed, label, code, truncation)
    inputs.inputs[TEXT_INPUT] = ids
    inputs.columns = columns if len(texts) > 1 else None
    return inputs
