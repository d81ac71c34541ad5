import gc
import os
import platform
import resource

import numpy as np
import pytest

from dedup.errors import ConfigError
from dedup.executor import GC_YOUNG_THRESHOLD, ChunkExecutor, resolve_jobs


def square_with_pid(chunk: list[int], offset: int) -> tuple[list[int], int]:
    return [value * value + offset for value in chunk], os.getpid()


def test_executor_results_keep_the_order_of_the_chunks():
    chunks = [list(range(start, start + 3)) for start in range(0, 60, 3)]
    with ChunkExecutor(2) as executor:
        results = list(executor.map(square_with_pid, iter(chunks), 1))
    assert [values for values, _ in results] == [[v * v + 1 for v in c] for c in chunks]
    assert {pid for _, pid in results} != {os.getpid()}  # the workers did the work


def test_executor_one_chunk_stays_in_this_process():
    with ChunkExecutor(2) as executor:
        ((values, pid),) = executor.map(square_with_pid, [[1, 2]], 0)
        assert executor._pool is None
    assert (values, pid) == ([1, 4], os.getpid())


def test_executor_shares_a_value_with_workers():
    with ChunkExecutor(2) as executor:
        shared = executor.share({"weights": [1, 2, 3]})
        assert shared.get() == {"weights": [1, 2, 3]}


def test_executor_jobs_default_to_every_core():
    assert resolve_jobs(None) >= 1
    assert resolve_jobs(3) == 3
    with pytest.raises(ConfigError, match="jobs must be at least 1"):
        resolve_jobs(0)


def page_faults_of_a_second_chunk(_: object) -> int:
    """Minor page faults taken by a chunk's arrays (16 of 1.5 MB, alive together) after the
    arrays of a chunk like it were freed."""

    def chunk() -> None:
        arrays = [np.ones(196_608) for _ in range(16)]
        del arrays

    chunk()
    before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    chunk()
    return resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before


@pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="malloc tuning is glibc's")
def test_executor_workers_reuse_freed_memory():
    # By default glibc trims the 24 MB freed at the top of its heap, and the second chunk
    # faults them in again (about 5,700 pages).
    with ChunkExecutor(2) as executor:
        faults = list(executor.map(page_faults_of_a_second_chunk, [None, None]))
    assert max(faults) < 100


def collector_settings(_: object) -> tuple[int, int]:
    return gc.get_threshold()[0], gc.get_freeze_count()


def test_executor_workers_collect_cycles_rarely_and_never_among_what_they_inherit():
    # This process may have been set up by the command line's tests: undo that first.
    threshold = gc.get_threshold()
    gc.set_threshold(700, 10, 10)
    gc.unfreeze()
    try:
        with ChunkExecutor(2) as executor:
            settings = list(executor.map(collector_settings, [None, None]))
    finally:
        gc.set_threshold(*threshold)
    for threshold, frozen in settings:
        assert threshold == GC_YOUNG_THRESHOLD
        assert frozen > 1000  # at least the objects of the modules imported before the fork
