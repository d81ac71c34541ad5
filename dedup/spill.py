"""Temporary files of what the passes after the first need of each article.

The first pass parses and normalizes every article anyway; rather than holding the run's texts
in memory, or reading, parsing and normalizing the input again in each later pass, it writes
each article's record (:class:`dedup.passes.ArticleRecord`, packed) to a spill. Each process
of the first pass appends the records it made to its own file in the spill's directory
(:func:`write_records`), so records never travel back to the main process, which keeps only
where each one lies (:class:`SpillIndex`). The workers of the later passes read the records of
their chunk's articles straight from the files (:func:`read_records`): every article once in
the sketch pass, the candidates' articles in verification.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class SpillIndex:
    """Where the records of some articles lie in a spill, one entry per article.

    Attributes:
        paths: the spill's files.
        file: which of ``paths`` holds the article's record...
        packed_at: ... at which byte offset...
        packed_size: ... and its size.
    """

    paths: tuple[str, ...]
    file: np.ndarray
    packed_at: np.ndarray
    packed_size: np.ndarray

    def take(self, positions: np.ndarray) -> SpillIndex:
        """The entries of some articles, by position."""
        return SpillIndex(
            self.paths,
            self.file[positions],
            self.packed_at[positions],
            self.packed_size[positions],
        )


@dataclass(frozen=True)
class SpillPart:
    """Where one process wrote a chunk's records: one entry per record, in order."""

    path: str
    packed_at: np.ndarray
    packed_size: np.ndarray


def read_records(index: SpillIndex) -> list[bytes]:
    """The packed records of an index's articles."""
    descriptors = {
        int(file): os.open(index.paths[file], os.O_RDONLY) for file in set(index.file.tolist())
    }
    try:
        return [
            os.pread(descriptors[file], size, at)
            for file, at, size in zip(
                index.file.tolist(),
                index.packed_at.tolist(),
                index.packed_size.tolist(),
                strict=True,
            )
        ]
    finally:
        for descriptor in descriptors.values():
            os.close(descriptor)


def write_records(directory: str, packed: list[bytes]) -> SpillPart:
    """Append packed records to this process's file in a spill's directory."""
    writer = _writer(directory)
    sizes = np.fromiter(map(len, packed), dtype=np.int64, count=len(packed))
    packed_at = writer.size + np.cumsum(sizes) - sizes
    writer.write(b"".join(packed))
    return SpillPart(writer.path, packed_at, sizes)


class _Writer:
    """One process's file in a spill's directory, appended to without buffering: a record is
    in the file (in the page cache) as soon as the chunk that wrote it is returned."""

    def __init__(self, directory: str) -> None:
        self.pid = os.getpid()
        self.path = os.path.join(directory, f"{self.pid}.bin")
        self.descriptor = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        self.size = 0

    def write(self, data: bytes) -> None:
        view = memoryview(data)
        while view:
            written = os.write(self.descriptor, view)
            view = view[written:]
        self.size += len(data)

    def close(self) -> None:
        os.close(self.descriptor)


# Each process's writer, by spill directory. A forked worker inherits its parent's writers and
# makes its own on first use (the process id tells them apart).
_WRITERS: dict[str, _Writer] = {}


def _writer(directory: str) -> _Writer:
    writer = _WRITERS.get(directory)
    if writer is None or writer.pid != os.getpid():
        writer = _WRITERS[directory] = _Writer(directory)
    return writer


class Spill:
    """A spill's directory, and where the records of the run's articles lie in it, added
    chunk by chunk in input order; a context manager that removes the directory.

    Args:
        directory: where to make the spill's directory (the system's temporary directory by
            default: ``TMPDIR``).
    """

    def __init__(self, directory: str | None = None) -> None:
        self.directory = tempfile.mkdtemp(prefix="dedup-spill-", dir=directory)
        self._paths: dict[str, int] = {}
        self._parts: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []

    def __enter__(self) -> Spill:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        writer = _WRITERS.pop(self.directory, None)
        if writer is not None and writer.pid == os.getpid():
            writer.close()
        shutil.rmtree(self.directory, ignore_errors=True)

    def add(self, part: SpillPart, chosen: Sequence[int] | np.ndarray) -> None:
        """The next articles of the run: the records ``chosen`` of a written part."""
        chosen = np.asarray(chosen, dtype=np.int64)
        file = self._paths.setdefault(part.path, len(self._paths))
        self._parts.append(
            (
                np.full(chosen.size, file, dtype=np.int32),
                part.packed_at[chosen],
                part.packed_size[chosen],
            )
        )

    def index(self) -> SpillIndex:
        """Where every article's record lies, in input order."""
        columns = [
            np.concatenate([part[column] for part in self._parts])
            if self._parts
            else np.zeros(0, dtype=np.int32 if column == 0 else np.int64)
            for column in range(3)
        ]
        return SpillIndex(tuple(self._paths), *columns)
