"""Running a stage over chunks, in worker processes or in this one, with results in order.

The per-article stages (template statistics, cleaning, shingles, signatures) and verification
are independent per chunk of articles or pairs, so they run in a process pool over chunks
(issue 5). Results come back in the order the chunks went in, whatever order the workers
finish in, so a run with any number of jobs gives the output of a run with one.

Worker processes cost start-up time and every chunk is pickled both ways, so a run uses them
only once there is more than one chunk of work: a small run stays in one process.

A process that works through chunks allocates and drops the same few megabytes of arrays and
millions of small objects for each: :func:`prepare_process` sets up the command line's process
and each worker so that malloc keeps freed memory and the garbage collector runs rarely.
"""

from __future__ import annotations

import ctypes
import gc
import os
import pickle
import tempfile
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from functools import lru_cache
from pathlib import Path
from typing import Any, TypeVar

from .errors import ConfigError

T = TypeVar("T")
R = TypeVar("R")


def available_cores() -> int:
    """Cores this process may run on (``os.process_cpu_count`` from Python 3.13 on)."""
    counter = getattr(os, "process_cpu_count", None)
    if counter is not None:
        return int(counter() or 1)
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0)) or 1
    return os.cpu_count() or 1


# glibc's mallopt parameters (malloc.h).
_M_TRIM_THRESHOLD = -1
_M_MMAP_THRESHOLD = -3
# Freed memory a process keeps for its next allocations: about what one chunk's arrays take,
# many times over, and little beside the memory a run holds anyway (issue 5's memory targets
# are met with it).
KEPT_FREE_BYTES = 128 << 20
# The largest block malloc may take from its heap rather than map on its own (glibc's maximum).
HEAP_BLOCK_BYTES = 32 << 20


def keep_freed_memory() -> bool:
    """Have the C library's malloc keep freed memory for the next allocations, rather than
    hand it back to the system at once; ``False`` where it is not glibc's (nothing changes).

    Every chunk of a run allocates arrays of a few megabytes and frees them. By default glibc
    maps blocks above 128 KB on their own and unmaps them when freed, and trims its heap
    whenever 128 KB at its top are free, so each chunk's arrays come as fresh pages to be
    faulted in and zeroed: in the sketch pass of a 200k run, 170,000 page faults, half a second
    of system time and more lost to cold caches, about a fifth of the pass's CPU (49 against
    34-37 µs an article with the heap kept). Python's own allocator is not concerned: it serves
    only small objects. The setting belongs to the process, so the command line and the
    run's worker processes set it, not the library's functions.
    """
    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError, TypeError):  # not glibc: musl has a no-op mallopt,
        # macOS has none, and Windows opens no library by the name None
        return False
    mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    # The trim threshold first: a fixed mmap threshold alone stops glibc from raising it, and
    # would leave every large free trimmed.
    return bool(
        mallopt(_M_TRIM_THRESHOLD, KEPT_FREE_BYTES) and mallopt(_M_MMAP_THRESHOLD, HEAP_BLOCK_BYTES)
    )


# Container objects allocated before the garbage collector looks for cycles among the young
# ones (Python's default is 700).
GC_YOUNG_THRESHOLD = 10_000


def collect_cycles_rarely() -> None:
    """Have the garbage collector look for reference cycles less often, and never again among
    the objects that exist now (the imported modules and what they hold).

    A run allocates millions of short-lived containers (parsed records, blocks, figures) and
    makes few cycles. With Python's defaults each process of a 200k run spent 0.3-0.6 s in the
    collector, most of it in full collections walking every object the imports made; frozen
    and collected a fourteenth as often, 0.1-0.15 s. Frozen objects also stay untouched in
    forked workers, whose copies of their pages are then never written. Like
    :func:`keep_freed_memory`, a setting of the process: for the command line and the workers.
    """
    gc.freeze()
    _, middle, oldest = gc.get_threshold()
    gc.set_threshold(GC_YOUNG_THRESHOLD, middle, oldest)


def prepare_process() -> None:
    """:func:`keep_freed_memory` and :func:`collect_cycles_rarely`: how a process that runs
    a batch of chunks is set up (the command line, and each worker)."""
    keep_freed_memory()
    collect_cycles_rarely()


def resolve_jobs(jobs: int | None) -> int:
    """The number of processes for ``jobs``: ``None`` means every available core.

    Raises:
        ConfigError: ``jobs`` is less than 1.
    """
    if jobs is None:
        return available_cores()
    if jobs < 1:
        raise ConfigError(f"jobs must be at least 1 (or unset for all cores); got {jobs}")
    return jobs


class ChunkExecutor:
    """Maps functions over chunks with ``jobs`` processes; a context manager.

    The pool starts on the first :meth:`map` that has a second chunk to give it, and is reused
    by every later one. At most two chunks per worker are in flight, so a lazily read stream of
    chunks is read no faster than it is processed and memory stays bounded.

    Args:
        jobs: worker processes; 1 runs everything in this process.
    """

    def __init__(self, jobs: int = 1) -> None:
        self.jobs = jobs
        self._pool: ProcessPoolExecutor | None = None
        self._scratch: tempfile.TemporaryDirectory[str] | None = None

    def __enter__(self) -> ChunkExecutor:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None
        if self._scratch is not None:
            self._scratch.cleanup()
            self._scratch = None

    def map(self, function: Callable[..., R], chunks: Iterable[T], *args: Any) -> Iterator[R]:
        """``function(chunk, *args)`` for each chunk, in order.

        ``function`` and ``args`` must be picklable (module-level functions, plain data) when
        ``jobs > 1``.
        """
        iterator = iter(chunks)
        first = next(iterator, _END)
        if first is _END:
            return
        second = next(iterator, _END)
        if self.jobs == 1 or second is _END:
            yield function(first, *args)
            if second is not _END:
                yield function(second, *args)
                for chunk in iterator:
                    yield function(chunk, *args)
            return
        pool = self._start()
        pending: deque[Future[R]] = deque(
            [pool.submit(function, first, *args), pool.submit(function, second, *args)]
        )
        for chunk in iterator:
            if len(pending) >= 2 * self.jobs:
                yield pending.popleft().result()
            pending.append(pool.submit(function, chunk, *args))
        while pending:
            yield pending.popleft().result()

    def _start(self) -> ProcessPoolExecutor:
        if self._pool is None:
            self._pool = ProcessPoolExecutor(max_workers=self.jobs, initializer=prepare_process)
        return self._pool

    def share(self, value: object) -> Shared:
        """A handle to ``value`` that a worker loads once, however many chunks refer to it.

        Large read-only inputs (the TF-IDF matrix of the related-story search) are written to a
        scratch file once instead of being pickled into every task.
        """
        if self.jobs == 1:
            return Shared(value=value)
        if self._scratch is None:
            self._scratch = tempfile.TemporaryDirectory(prefix="dedup-")
        handle, path = tempfile.mkstemp(dir=self._scratch.name, suffix=".pickle")
        with os.fdopen(handle, "wb") as stream:
            pickle.dump(value, stream, protocol=pickle.HIGHEST_PROTOCOL)
        return Shared(path=path)


class Shared:
    """A value handed to workers by file (see :meth:`ChunkExecutor.share`)."""

    def __init__(self, *, value: object = None, path: str | None = None) -> None:
        self._value = value
        self._path = path

    def get(self) -> Any:
        if self._path is None:
            return self._value
        return _load(self._path)

    def __getstate__(self) -> dict[str, Any]:
        # Only the path travels to a worker; the value stays with the parent.
        return {"_value": None if self._path else self._value, "_path": self._path}


@lru_cache(maxsize=2)
def _load(path: str) -> Any:
    with Path(path).open("rb") as stream:
        return pickle.load(stream)


_END: Any = object()
