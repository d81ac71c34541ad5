import numpy as np
import pytest
from datasketch import MinHashLSH

from dedup.config import LSHConfig
from dedup.errors import ConfigError
from dedup.index import (
    LSHIndex,
    _bucket_pairs,
    candidate_probability,
    estimated_overlap,
    find_candidates,
)
from dedup.shingle import ShingleBatch
from dedup.signature import compute_signature_batch


def test_index_candidate_probability_formula():
    assert candidate_probability(0.5, bands=2, rows=2) == pytest.approx(1 - 0.75**2)
    assert candidate_probability(1.0, bands=10, rows=5) == 1.0
    assert candidate_probability(0.0, bands=10, rows=5) == 0.0


def test_index_params_come_from_datasketch_for_the_threshold():
    params = LSHIndex(LSHConfig(threshold=0.3, num_perm=128)).params
    assert (params.bands, params.rows) == (37, 3)
    assert params.probability_at_threshold == pytest.approx(candidate_probability(0.3, 37, 3))


def batch_of(sets: list[np.ndarray]) -> ShingleBatch:
    offsets = np.concatenate([[0], np.cumsum([s.size for s in sets])]).astype(np.int64)
    return ShingleBatch(np.concatenate(sets).astype(np.uint32), offsets)


def planted_sets(seed: int) -> list[np.ndarray]:
    """Random sets, with copies of some of them that keep 50-100% of their elements."""
    rng = np.random.default_rng(seed)
    originals = [
        np.unique(rng.integers(0, 2**32, int(rng.integers(1, 200)), dtype=np.uint64))
        for _ in range(150)
    ]
    copies = []
    for original in originals[:60]:
        kept = original[rng.random(original.size) < rng.uniform(0.5, 1.0)]
        extra = rng.integers(0, 2**32, int(rng.integers(0, 10)), dtype=np.uint64)
        copies.append(np.unique(np.concatenate([kept, extra])))
    sets = originals + copies
    order = rng.permutation(len(sets))
    return [sets[i].astype(np.uint32) for i in order]


def datasketch_pairs(batch: ShingleBatch, signatures, config: LSHConfig) -> set[tuple[int, int]]:
    """Insert every non-empty article into datasketch MinHashLSH, then query each."""
    lsh = MinHashLSH(threshold=config.threshold, num_perm=config.num_perm)
    searchable = [i for i in range(len(batch)) if batch[i].size]
    for i in searchable:
        lsh.insert(i, signatures.minhash(i))
    return {(min(i, j), max(i, j)) for i in searchable for j in lsh.query(signatures.minhash(i))
            if i != j}  # fmt: skip


@pytest.mark.parametrize("scheme", ["affine32", "legacy"])
@pytest.mark.parametrize("threshold", [0.2, 0.5, 0.8])  # 2, 5 and 11 rows per band
def test_index_pairs_equal_datasketch_minhashlsh(scheme, threshold):
    sets = planted_sets(int(threshold * 10))
    sets[5] = sets[17] = np.zeros(0, np.uint32)  # empty articles are never candidates
    batch = batch_of(sets)
    config = LSHConfig(threshold=threshold)
    signatures = compute_signature_batch(batch, config, scheme)
    pairs, params = find_candidates(signatures, batch.sizes > 0, config)
    threaded, _ = find_candidates(signatures, batch.sizes > 0, config, threads=3)
    assert threaded.tolist() == pairs.tolist()
    expected = datasketch_pairs(batch, signatures, config)
    assert len(expected) >= 10  # the planted copies are found
    assert {tuple(pair) for pair in pairs.tolist()} == expected
    assert len(pairs) == len(expected)  # no pair twice
    assert pairs.tolist() == sorted(pairs.tolist())
    reference = LSHIndex(config).params
    assert (params.bands, params.rows) == (reference.bands, reference.rows)


def test_index_finds_planted_pair_and_skips_empty_articles():
    rng = np.random.default_rng(1)
    base = rng.choice(2**32, size=400, replace=False).astype(np.uint32)
    copy = np.sort(np.concatenate([base[:380], rng.choice(2**32, 20).astype(np.uint32)]))
    other = np.sort(rng.choice(2**32, size=400, replace=False).astype(np.uint32))
    empty = np.array([], dtype=np.uint32)
    batch = batch_of([np.sort(base), other, copy, empty, empty])
    signatures = compute_signature_batch(batch, LSHConfig())
    pairs, _ = find_candidates(signatures, batch.sizes > 0, LSHConfig())
    assert pairs.tolist() == [[0, 2]]


def test_index_huge_bucket_becomes_a_star_on_its_first_article():
    notice = np.array([7, 8, 9], dtype=np.uint32)
    sets = [np.array([1, 2, 3], np.uint32)] + [notice] * 30 + [np.array([1, 2, 3], np.uint32)]
    batch = batch_of(sets)
    signatures = compute_signature_batch(batch, LSHConfig())
    pairs, _ = find_candidates(signatures, batch.sizes > 0, LSHConfig(), max_bucket_size=10)
    assert pairs.tolist() == [[0, 31]] + [[1, j] for j in range(2, 31)]
    all_pairs, _ = find_candidates(signatures, batch.sizes > 0, LSHConfig())
    assert len(all_pairs) == 1 + 30 * 29 // 2


def test_index_bucket_pairs_are_every_pair_of_equal_rows_smaller_first():
    # Enough rows that the (unstable) sort scrambles the rows of a run.
    rng = np.random.default_rng(3)
    keys = rng.integers(0, 400, size=(5000, 2)).astype(np.uint32)
    keys[rng.choice(5000, 60, replace=False)] = [7, 7]  # a bucket past max_bucket_size
    rows_of: dict[tuple[int, int], list[int]] = {}
    for row, key in enumerate(map(tuple, keys.tolist())):
        rows_of.setdefault(key, []).append(row)
    expected = set()
    for key, rows in rows_of.items():
        if key == (7, 7):  # a star on its first row
            expected |= {(rows[0], other) for other in rows[1:]}
        else:
            expected |= {(a, b) for k, a in enumerate(rows) for b in rows[k + 1 :]}
    pairs = _bucket_pairs(keys, max_bucket_size=50)
    assert len(pairs) == len(expected)
    assert set(map(tuple, pairs.tolist())) == expected


def test_index_checks_num_perm_of_the_signatures():
    batch = batch_of([np.array([1, 2], np.uint32)])
    signatures = compute_signature_batch(batch, LSHConfig(num_perm=64))
    with pytest.raises(ConfigError, match="signatures have 64 permutations but num_perm is 128"):
        find_candidates(signatures, batch.sizes > 0, LSHConfig(num_perm=128))


def test_index_threshold_is_checked():
    with pytest.raises(ConfigError, match=r"threshold must be in \[0, 1\]; got 1.5"):
        LSHConfig(threshold=1.5)


def test_index_estimated_overlap_from_signatures_and_sizes():
    values = np.array([[1, 2, 3, 4], [1, 2, 7, 8], [5, 6, 7, 8], [1, 2, 3, 4]], dtype=np.uint32)
    sizes = np.array([100, 60, 10, 0])
    pairs = np.array([[0, 1], [0, 2], [1, 2], [0, 3]])
    # J = 2/4 with sets of 100 and 60: |A & B| = 0.5 * 160 / 1.5 = 53.3, over 60.
    # J = 0: nothing shared. J = 2/4 with 60 and 10: 23.3 shared of 10, capped at 1.
    # Equal signatures of an empty article: its size 0 counts as 1, and the estimate is capped.
    overlap = estimated_overlap(values, sizes, pairs)
    assert [round(float(value), 4) for value in overlap] == [0.8889, 0.0, 1.0, 1.0]
    # In chunks of one pair over two threads: the same estimates, each in its place.
    threaded = estimated_overlap(values, sizes, pairs, chunk=2, threads=2)
    assert threaded.tolist() == overlap.tolist()
