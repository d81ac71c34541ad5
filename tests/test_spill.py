import numpy as np

from dedup.spill import Spill, read_records


def test_spill_records_are_read_back_by_position():
    with Spill() as spill:
        path = spill.path
        spill.write([b"a b", b""])
        spill.write(
            ["ünï".encode(), b"c"],
            np.array([0, 2, 3]),
            np.array([7, 3, 9], dtype=np.int32),
            np.array([1, 4, 2], dtype=np.int32),
        )
        index = spill.index()
        packed, pairs, offsets = read_records(index.take(np.array([2, 0, 3])))
        assert packed == ["ünï".encode(), b"a b", b"c"]
        assert offsets.tolist() == [0, 2, 2, 3]
        assert pairs.tolist() == [[7, 1], [3, 4], [9, 2]]
    assert not path.exists()
