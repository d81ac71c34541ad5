import numpy as np

from dedup.passes import pack_texts, unpack_texts
from dedup.spill import Spill, read_records


def test_spill_records_are_read_back_by_position():
    with Spill() as spill:
        path = spill.path
        spill.write([pack_texts("a b", "A b", "t", "T"), pack_texts("", "x", "", "")])
        spill.write(
            [pack_texts("ünï", "Ünï\n", "", ""), pack_texts("c", "C", "", "")],
            np.array([0, 2, 3]),
            np.array([7, 3, 9], dtype=np.int32),
            np.array([1, 4, 2], dtype=np.int32),
        )
        index = spill.index()
        packed, pairs, offsets = read_records(index.take(np.array([2, 0, 3])))
        assert [unpack_texts(p) for p in packed] == [
            ["ünï", "Ünï\n", "", ""],
            ["a b", "A b", "t", "T"],
            ["c", "C", "", ""],
        ]
        assert offsets.tolist() == [0, 2, 2, 3]
        assert pairs.tolist() == [[7, 1], [3, 4], [9, 2]]
    assert not path.exists()
