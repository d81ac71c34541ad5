import numpy as np

from dedup.passes import pack_texts, unpack_texts
from dedup.spill import Spill, read_records


def test_spill_records_are_read_back_by_position():
    with Spill() as spill:
        path = spill.path
        spill.write([pack_texts("a b", "A b", "t", "T"), pack_texts("", "x", "", "")])
        spill.write([pack_texts("ünï", "Ünï\n", "", ""), pack_texts("c", "C", "", "")])
        spill.write([])
        index = spill.index()
        packed = read_records(index.take(np.array([2, 0, 3])))
        assert [unpack_texts(p) for p in packed] == [
            ["ünï", "Ünï\n", "", ""],
            ["a b", "A b", "t", "T"],
            ["c", "C", "", ""],
        ]
        assert read_records(index.take(np.zeros(0, dtype=np.int64))) == []
    assert not path.exists()
