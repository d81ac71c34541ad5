import numpy as np

from dedup.spill import Spill, read_records


def test_spill_records_are_read_back_by_position():
    with Spill() as spill:
        path = spill.path
        spill.write([b"a b", b""])
        spill.write(["ünï".encode(), b"c"])
        spill.write([])
        index = spill.index()
        assert read_records(index.take(np.array([2, 0, 3, 1]))) == [
            "ünï".encode(),
            b"a b",
            b"c",
            b"",
        ]
        assert read_records(index.take(np.zeros(0, dtype=np.int64))) == []
    assert not path.exists()
