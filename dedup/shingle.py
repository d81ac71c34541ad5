"""Normalized text to a set of shingle hashes.

Shingles are hashed to 32-bit integers with CRC-32: it is in the standard library, runs in C, and
is stable across processes and machines (Python's ``hash`` is salted per process), so signatures
made today match an index built yesterday. datasketch mixes each value with the MurmurHash3
finalizer before permuting it, which evens out CRC-32's weak low bits.
"""

from __future__ import annotations

import zlib

import numpy as np

from .config import ShingleConfig
from .normalize import tokenize


def make_shingles(normalized: str, config: ShingleConfig) -> np.ndarray:
    """Return the sorted, unique ``uint32`` hashes of the shingles of ``normalized``.

    A text shorter than one shingle yields a single shingle of the whole text, so short briefs
    can still match exact copies; an empty text yields an empty array.

    Example:
        >>> make_shingles("a b c", ShingleConfig(kind="word", shingle_size=2)).size
        2
    """
    return hash_shingles(shingle_strings(normalized, config))


def shingle_strings(normalized: str, config: ShingleConfig) -> list[str]:
    """The shingles themselves, for explanations and tests."""
    size = config.shingle_size
    if config.kind == "word":
        units: list[str] = tokenize(normalized)
        joiner = " "
    else:
        units = list(" ".join(tokenize(normalized)))
        joiner = ""
    if not units:
        return []
    if len(units) <= size:
        return [joiner.join(units)]
    return [joiner.join(units[i : i + size]) for i in range(len(units) - size + 1)]


def hash_shingles(shingles: list[str]) -> np.ndarray:
    """CRC-32 of each shingle's UTF-8 bytes, sorted and unique."""
    hashes = np.fromiter(
        (zlib.crc32(shingle.encode("utf-8")) for shingle in shingles),
        dtype=np.uint32,
        count=len(shingles),
    )
    return np.unique(hashes)
