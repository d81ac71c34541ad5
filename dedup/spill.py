"""A temporary file of what the passes after the first need of each article.

The first pass parses and normalizes every article anyway; rather than holding the run's texts
in memory, or reading, parsing and normalizing the input again in each later pass, it appends
each article's record to this file (:class:`dedup.passes.ArticleRecord`, packed). The run keeps
only where each record lies (:class:`SpillIndex`); the workers of the later passes read the
records of their chunk's articles straight from the file (:func:`read_records`): every article
once in the sketch pass, the candidates' articles in verification.
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
        packed_at: byte offset of the article's packed record...
        packed_size: ... and their size.
    """

    path: str
    packed_at: np.ndarray
    packed_size: np.ndarray

    def take(self, positions: np.ndarray) -> SpillIndex:
        """The entries of some articles, by position."""
        return SpillIndex(self.path, self.packed_at[positions], self.packed_size[positions])


def read_records(index: SpillIndex) -> list[bytes]:
    """The packed records of an index's articles."""
    descriptor = os.open(index.path, os.O_RDONLY)
    try:
        return [
            os.pread(descriptor, size, at)
            for at, size in zip(index.packed_at.tolist(), index.packed_size.tolist(), strict=True)
        ]
    finally:
        os.close(descriptor)


class Spill:
    """Per-article records in a temporary file, appended chunk by chunk in input order; a
    context manager that removes the file."""

    def __init__(self, directory: str | None = None) -> None:
        handle, name = tempfile.mkstemp(prefix="dedup-spill-", suffix=".bin", dir=directory)
        self.path = Path(name)
        self._stream = os.fdopen(handle, "wb")
        self._size = 0
        self._parts: list[tuple[np.ndarray, np.ndarray]] = []

    def __enter__(self) -> Spill:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        if not self._stream.closed:
            self._stream.close()
        self.path.unlink(missing_ok=True)

    def write(self, packed: list[bytes]) -> None:
        """Append a chunk's articles' packed records."""
        sizes = np.fromiter(map(len, packed), dtype=np.int64, count=len(packed))
        packed_at = self._size + np.cumsum(sizes) - sizes
        blob = b"".join(packed)
        self._stream.write(blob)
        self._size += len(blob)
        self._parts.append((packed_at, sizes))

    def index(self) -> SpillIndex:
        """Where every article's record lies, in input order; the file is ready to read."""
        self._stream.flush()
        columns = [
            np.concatenate([part[column] for part in self._parts])
            if self._parts
            else np.zeros(0, dtype=np.int64)
            for column in range(2)
        ]
        return SpillIndex(str(self.path), *columns)
