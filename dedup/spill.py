"""A temporary file of what the passes after the first need of each article.

The first pass parses and normalizes every article anyway; rather than holding the run's texts
in memory, or reading, parsing and normalizing the input again in each later pass, it appends
each article's record to this file (:class:`dedup.passes.ArticleRecord`, packed). The run keeps
only where each record lies (:class:`SpillIndex`); the workers of the later passes read the
records of their chunk's articles straight from the file (:func:`read_records`): every article
once in the sketch pass, the candidates' articles in verification. A spill can also hold term
counts with run-wide term numbers, for runs that keep no TF-IDF matrix.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np


@dataclass(frozen=True)
class SpillIndex:
    """Where the records of some articles lie in a spill, one entry per article.

    Attributes:
        path: the spill file.
        packed_at: byte offset of the article's packed texts...
        packed_size: ... and their size.
        terms_at: byte offset of its term counts, ``(term number, count)`` pairs of ``int32``...
        terms: ... and how many pairs.
    """

    path: str
    packed_at: np.ndarray
    packed_size: np.ndarray
    terms_at: np.ndarray
    terms: np.ndarray

    def take(self, positions: np.ndarray) -> SpillIndex:
        """The entries of some articles, by position."""
        return SpillIndex(
            self.path,
            self.packed_at[positions],
            self.packed_size[positions],
            self.terms_at[positions],
            self.terms[positions],
        )


def read_records(index: SpillIndex) -> tuple[list[bytes], np.ndarray, np.ndarray]:
    """The records of an index's articles: packed texts, and their term counts as ``(m, 2)``
    ``int32`` pairs with each article's offsets into them."""
    descriptor = os.open(index.path, os.O_RDONLY)
    try:
        packed = [
            os.pread(descriptor, size, at)
            for at, size in zip(index.packed_at.tolist(), index.packed_size.tolist(), strict=True)
        ]
        parts = [
            os.pread(descriptor, 8 * count, at)
            for at, count in zip(index.terms_at.tolist(), index.terms.tolist(), strict=True)
            if count
        ]
    finally:
        os.close(descriptor)
    pairs = np.frombuffer(b"".join(parts), dtype=np.int32).reshape(-1, 2)
    offsets = np.zeros(len(packed) + 1, dtype=np.int64)
    np.cumsum(index.terms, out=offsets[1:])
    return packed, pairs, offsets


class Spill:
    """Per-article records in a temporary file, appended chunk by chunk in input order; a
    context manager that removes the file."""

    def __init__(self, directory: str | None = None) -> None:
        handle, name = tempfile.mkstemp(prefix="dedup-spill-", suffix=".bin", dir=directory)
        self.path = Path(name)
        self._stream = os.fdopen(handle, "wb")
        self._size = 0
        self._parts: list[tuple[np.ndarray, ...]] = []

    def __enter__(self) -> Spill:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        if not self._stream.closed:
            self._stream.close()
        self.path.unlink(missing_ok=True)

    def write(
        self,
        packed: list[bytes],
        indptr: np.ndarray | None = None,
        indices: np.ndarray | None = None,
        counts: np.ndarray | None = None,
    ) -> None:
        """Append a chunk's articles: packed texts and, optionally, term counts (article
        ``i``'s are ``indices[indptr[i]:indptr[i + 1]]`` with ``counts`` alike)."""
        sizes = np.fromiter(map(len, packed), dtype=np.int64, count=len(packed))
        packed_at = self._size + np.cumsum(sizes) - sizes
        blob = b"".join(packed)
        terms = np.zeros(len(packed), dtype=np.int64)
        terms_at = np.full(len(packed), self._size + len(blob), dtype=np.int64)
        pairs = b""
        if indptr is not None and indices is not None and counts is not None:
            terms = np.diff(indptr).astype(np.int64)
            terms_at += 8 * np.asarray(indptr[:-1], dtype=np.int64)
            pairs = np.column_stack([indices, counts]).astype(np.int32).tobytes()
        self._stream.write(blob)
        self._stream.write(pairs)
        self._size += len(blob) + len(pairs)
        self._parts.append((packed_at, sizes, terms_at, terms))

    def index(self) -> SpillIndex:
        """Where every article's record lies, in input order; the file is ready to read."""
        self._stream.flush()
        columns = [
            np.concatenate([part[column] for part in self._parts])
            if self._parts
            else np.zeros(0, dtype=np.int64)
            for column in range(4)
        ]
        return SpillIndex(str(self.path), *columns)
