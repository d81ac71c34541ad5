"""Verification chunks: every pair in one chunk, chunks of about the asked size."""

from __future__ import annotations

import numpy as np
import pytest

from dedup.chunking import SMALL_COMPONENT_SHARE, local_chunks, pair_chunks


def random_pairs(seed: int, n: int, m: int, isolated: int) -> np.ndarray:
    """Distinct pairs ``a < b``: ``m`` random ones among ``n`` articles (one large component
    and crumbs), then ``isolated`` pairs of articles in no other pair."""
    rng = np.random.default_rng(seed)
    ends = np.sort(rng.integers(0, n, size=(m, 2)), axis=1)
    ends = np.unique(ends[ends[:, 0] < ends[:, 1]], axis=0)
    lone = n + np.arange(2 * isolated).reshape(-1, 2)
    return np.concatenate([ends, lone]).astype(np.int64)


def check_partition(chunks: list[np.ndarray], m: int) -> None:
    held = np.concatenate(chunks) if chunks else np.zeros(0, dtype=np.int64)
    assert np.array_equal(np.sort(held), np.arange(m))
    for chunk in chunks:
        assert len(chunk) > 0
        assert np.all(np.diff(chunk) > 0)


GRAPHS = [
    random_pairs(seed=1, n=300, m=900, isolated=40),
    random_pairs(seed=2, n=2000, m=2400, isolated=0),
    np.column_stack([np.arange(50), np.arange(1, 51)]),  # a path
    np.column_stack([np.zeros(60, dtype=np.int64), np.arange(1, 61)]),  # a star
    np.array([[3, 9]]),
]


@pytest.mark.parametrize("pairs", GRAPHS)
@pytest.mark.parametrize("size", [1, 2, 5, 37, 100, 10_000])
def test_chunking_every_pair_in_one_chunk_of_bounded_size(pairs: np.ndarray, size: int):
    chunks = pair_chunks(pairs, size)
    check_partition(chunks, len(pairs))
    degree = np.bincount(pairs.ravel())
    lengths = np.array([len(chunk) for chunk in chunks])
    # Carved chunks stop with the article that fills them; packed components fill a chunk
    # to within a small component.
    assert lengths.max() <= size + max(int(degree.max()), size // SMALL_COMPONENT_SHARE)
    assert np.all(lengths[:-1] >= size - size // SMALL_COMPONENT_SHARE)


def test_chunking_no_pairs_no_chunks():
    assert pair_chunks(np.zeros((0, 2), dtype=np.int64), 10) == []


def test_chunking_pair_chunks_number_the_articles_of_the_pairs():
    pairs = GRAPHS[0]
    chunks = pair_chunks(pairs * 7 + 3, 37)
    _, local = np.unique(pairs.ravel(), return_inverse=True)
    expected = local_chunks(local.reshape(-1, 2), int(local.max()) + 1, 37)
    assert all(np.array_equal(a, b) for a, b in zip(chunks, expected, strict=True))


def test_chunking_balls_on_two_triangles_and_a_lone_pair():
    # Triangles 0-1-2 and 3-4-5 joined by 2-3; 6-7 alone. Seeds go by fewest pairs: 6, whose
    # ball (6, 7) runs out, then 0 and 1, whose ball takes 2; the next chunk starts at 3, the
    # candidate left, and takes the rest. Only 2 loads twice.
    local = np.array([[0, 1], [0, 2], [1, 2], [2, 3], [3, 4], [3, 5], [4, 5], [6, 7]])
    chunks = local_chunks(local, 8, 4)
    assert [chunk.tolist() for chunk in chunks] == [[0, 1, 2, 7], [3, 4, 5, 6]]


def test_chunking_small_components_packed_whole_in_order():
    # Components of one and two pairs, under size // SMALL_COMPONENT_SHARE = 3: each chunk
    # takes the components whose first pair falls in it (the one at pair 11 fills chunk 0).
    counts = [1, 2, 1, 2, 2, 1, 2, 1, 1, 2]
    local = []
    starts = np.cumsum([0, *counts[:-1]]) + np.arange(len(counts))
    for first, count in zip(starts, counts, strict=True):
        local.extend([first, first + 1 + k] for k in range(count))
    chunks = local_chunks(np.array(local), int(np.max(local)) + 1, 12)
    assert [chunk.tolist() for chunk in chunks] == [list(range(12)), [12, 13, 14]]


def test_chunking_balls_load_fewer_articles_than_slabs_of_a_grid():
    # A 40 x 40 grid in chunks of 100 pairs: balls load 1981 articles (0.63 a pair), chunks
    # cut from the reverse Cuthill-McKee numbering (diagonal slabs) 2449 (0.78 a pair).
    side = 40
    ids = np.arange(side * side).reshape(side, side)
    local = np.concatenate(
        [
            np.column_stack([ids[:, :-1].ravel(), ids[:, 1:].ravel()]),
            np.column_stack([ids[:-1, :].ravel(), ids[1:, :].ravel()]),
        ]
    )
    chunks = local_chunks(local, side * side, 100)
    check_partition(chunks, len(local))
    loads = sum(len(np.unique(local[chunk])) for chunk in chunks)
    assert loads <= 0.65 * len(local)
