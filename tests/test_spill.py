import numpy as np

from dedup.passes import pack_texts, unpack_texts
from dedup.spill import Spill


def test_spill_reads_back_chunks_in_order():
    with Spill() as spill:
        path = spill.path
        spill.write([pack_texts("a b", "A b", "t", "T"), pack_texts("", "x", "", "")])
        spill.write(
            [pack_texts("ünï", "Ünï\n", "", "")],
            np.array([0, 2]),
            np.array([7, 3], dtype=np.int32),
            np.array([1, 4], dtype=np.int32),
        )
        first, second = spill.read()
        assert [unpack_texts(first.packed(i)) for i in range(len(first))] == [
            ["a b", "A b", "t", "T"],
            ["", "x", "", ""],
        ]
        assert first.indices.size == 0
        assert unpack_texts(second.packed(0)) == ["ünï", "Ünï\n", "", ""]
        assert second.indptr.tolist() == [0, 2]
        assert (second.indices.tolist(), second.counts.tolist()) == ([7, 3], [1, 4])
        assert len(list(spill.read())) == 2  # read as often as needed
    assert not path.exists()
