"""A temporary file of what verification may need of each article, written in the sketch pass.

The sketch pass already has every article's cleaned body, and its term counts in hand; the
articles verification needs are known only after the LSH candidates. Rather than holding them
all in memory or reading, parsing and cleaning the input again, the pass appends each chunk to
this file: the articles' packed texts (:func:`dedup.passes.pack_texts`) and, when the run keeps
no TF-IDF matrix, their term counts with run-wide term numbers. Reading it back
(:meth:`Spill.read`) picks the needed articles chunk by chunk, so memory holds one chunk of it
at a time.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

# Per chunk: article count, then the byte sizes of the five arrays that follow.
_HEADER = np.dtype("<i8")
_FIELDS = 6


@dataclass
class SpilledChunk:
    """One chunk of the spill, as read back.

    Attributes:
        blob: the articles' packed texts, one after the other (:meth:`packed`).
        ends: where each article's packed texts end in ``blob``.
        indptr: article ``i``'s term counts are ``indices[indptr[i]:indptr[i + 1]]`` (empty
            when the run kept the counts elsewhere).
        indices: run-wide term numbers.
        counts: how often the article holds each term.
    """

    blob: bytes
    ends: np.ndarray
    indptr: np.ndarray
    indices: np.ndarray
    counts: np.ndarray

    def __len__(self) -> int:
        return len(self.ends)

    def packed(self, position: int) -> bytes:
        start = int(self.ends[position - 1]) if position else 0
        return self.blob[start : int(self.ends[position])]


class Spill:
    """Chunks of per-article records in a temporary file: written in input order, then read
    back in the same order; a context manager that removes the file."""

    def __init__(self, directory: str | None = None) -> None:
        handle, name = tempfile.mkstemp(prefix="dedup-spill-", suffix=".bin", dir=directory)
        self.path = Path(name)
        self._stream = os.fdopen(handle, "w+b")
        self.chunks = 0

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
        """Append one chunk: its articles' packed texts and, optionally, their term counts."""
        lengths = np.fromiter(map(len, packed), dtype=np.int64, count=len(packed))
        arrays = [
            lengths.tobytes(),
            b"".join(packed),
            np.asarray(indptr if indptr is not None else [], dtype=np.int64).tobytes(),
            np.asarray(indices if indices is not None else [], dtype=np.int32).tobytes(),
            np.asarray(counts if counts is not None else [], dtype=np.int32).tobytes(),
        ]
        header = np.array([len(packed), *map(len, arrays)], dtype=_HEADER)
        self._stream.write(header.tobytes())
        for array in arrays:
            self._stream.write(array)
        self.chunks += 1

    def read(self) -> Iterator[SpilledChunk]:
        """The chunks in the order they were written."""
        self._stream.flush()
        self._stream.seek(0)
        for _ in range(self.chunks):
            header = np.frombuffer(self._stream.read(_HEADER.itemsize * _FIELDS), dtype=_HEADER)
            sizes = [int(value) for value in header[1:]]
            lengths, blob, indptr, indices, counts = (self._stream.read(size) for size in sizes)
            yield SpilledChunk(
                blob=blob,
                ends=np.cumsum(np.frombuffer(lengths, dtype=np.int64)),
                indptr=np.frombuffer(indptr, dtype=np.int64),
                indices=np.frombuffer(indices, dtype=np.int32),
                counts=np.frombuffer(counts, dtype=np.int32),
            )
