import os

import pytest

from dedup.errors import ConfigError
from dedup.executor import ChunkExecutor, resolve_jobs


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
