import os

import numpy as np

from dedup.executor import ChunkExecutor
from dedup.spill import Spill, read_records, write_records


def test_spill_records_are_read_back_by_position():
    with Spill() as spill:
        directory = spill.directory
        first = write_records(directory, [b"a b", b"", b"skipped"])
        second = write_records(directory, ["ünï".encode(), b"c"])
        spill.add(first, [0, 1])
        spill.add(second, [0, 1])
        spill.add(write_records(directory, []), [])
        index = spill.index()
        assert index.paths == (os.path.join(directory, f"{os.getpid()}.bin"),)
        assert index.packed_at.tolist() == [0, 3, 10, 15]
        assert read_records(index.take(np.array([2, 0, 3, 1]))) == [
            "ünï".encode(),
            b"a b",
            b"c",
            b"",
        ]
        assert read_records(index.take(np.zeros(0, dtype=np.int64))) == []
    assert not os.path.exists(directory)


def _write_chunk(chunk: list[bytes], directory: str):
    return write_records(directory, chunk)


def test_spill_records_written_by_worker_processes_are_read_in_run_order():
    chunks = [[f"record {i}-{j}".encode() for j in range(3)] for i in range(6)]
    with Spill() as spill, ChunkExecutor(jobs=2) as executor:
        for part in executor.map(_write_chunk, chunks, spill.directory):
            spill.add(part, [0, 2])
        index = spill.index()
        assert os.getpid() not in {int(os.path.basename(p).split(".")[0]) for p in index.paths}
        assert read_records(index) == [f"record {i}-{j}".encode() for i in range(6) for j in (0, 2)]
