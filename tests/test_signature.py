import numpy as np
import pytest
from datasketch import MinHash

from dedup import signature
from dedup.config import LSHConfig
from dedup.errors import ConfigError
from dedup.shingle import ShingleBatch
from dedup.signature import compute_signature_batch, compute_signatures, estimated_jaccard


def random_batch(seed: int, n: int = 60) -> tuple[list[np.ndarray], ShingleBatch]:
    """Random shingle sets of 0 to 300 hashes over the whole uint32 range, some empty."""
    rng = np.random.default_rng(seed)
    sets = []
    for _ in range(n):
        size = int(rng.integers(0, 300)) if rng.random() > 0.15 else 0
        values = rng.integers(0, 2**32, size, dtype=np.uint64).astype(np.uint32)
        sets.append(np.unique(values))
    sets[0] = np.array([0, 2**32 - 1], dtype=np.uint32)  # the range's edges
    offsets = np.concatenate([[0], np.cumsum([s.size for s in sets])]).astype(np.int64)
    return sets, ShingleBatch(np.concatenate(sets), offsets)


def datasketch_minhash(hashes: np.ndarray, num_perm: int, seed: int, scheme: str) -> MinHash:
    reference = MinHash(num_perm=num_perm, seed=seed, hashfunc=lambda value: value, scheme=scheme)
    reference.update_batch(hashes)
    return reference


@pytest.mark.parametrize("scheme", ["affine32", "legacy"])
@pytest.mark.parametrize(("seed", "num_perm"), [(1, 128), (7, 64), (2024, 200), (3, 2)])
def test_signature_batch_equals_datasketch_minhash_exactly(scheme, seed, num_perm):
    sets, batch = random_batch(seed)
    signatures = compute_signature_batch(batch, LSHConfig(num_perm=num_perm, seed=seed), scheme)
    assert signatures.hashvalues.shape == (len(sets), num_perm)
    assert (signatures.seed, signatures.scheme) == (seed, scheme)
    for position, hashes in enumerate(sets):
        reference = datasketch_minhash(hashes, num_perm, seed, scheme)
        assert signatures.hashvalues.dtype == reference.hashvalues.dtype
        assert np.array_equal(signatures.hashvalues[position], reference.hashvalues)
        lean = signatures.minhash(position)
        assert (lean.seed, lean.scheme) == (seed, scheme)
        assert lean.jaccard(reference) == 1.0  # datasketch accepts them as one scheme


def test_signature_batch_is_the_same_in_small_blocks(monkeypatch):
    _, batch = random_batch(5)
    whole = compute_signature_batch(batch, LSHConfig())
    monkeypatch.setattr(signature, "_BLOCK_BYTES", 1000)  # chunks of a few articles
    assert np.array_equal(compute_signature_batch(batch, LSHConfig()).hashvalues, whole.hashvalues)


def test_signature_batch_of_only_empty_articles_is_all_maxima():
    batch = ShingleBatch(np.zeros(0, np.uint32), np.zeros(4, np.int64))
    signatures = compute_signature_batch(batch, LSHConfig(num_perm=16))
    assert np.all(signatures.hashvalues == 2**32 - 1)
    assert np.array_equal(signatures.hashvalues[0], MinHash(num_perm=16).hashvalues)


def test_signature_batch_rejects_unknown_scheme():
    _, batch = random_batch(1, n=3)
    with pytest.raises(ConfigError, match="scheme must be 'affine32' or 'legacy'; got 'affine64'"):
        compute_signature_batch(batch, LSHConfig(), "affine64")  # type: ignore[arg-type]


def test_signature_equals_datasketch_minhash_of_the_same_hashes():
    hashes = np.array([3, 17, 2**31 + 5, 4_000_000_000], dtype=np.uint32)
    (one,) = compute_signatures([hashes], LSHConfig(num_perm=64, seed=7))
    reference = MinHash(num_perm=64, seed=7, hashfunc=lambda value: value)
    for value in hashes.tolist():
        reference.update(value)
    assert np.array_equal(one.hashvalues, reference.hashvalues)
    assert one.seed == 7


def test_signature_estimates_jaccard_within_bounds():
    rng = np.random.default_rng(0)
    universe = rng.choice(2**32, size=3000, replace=False).astype(np.uint32)
    first, second = np.sort(universe[:2000]), np.sort(universe[1000:])  # true Jaccard 1/3
    a, b = compute_signatures([first, second], LSHConfig(num_perm=256))
    assert abs(estimated_jaccard(a, b) - 1 / 3) < 0.08


def test_signature_reports_progress_once_per_article():
    calls = []
    list(compute_signatures([np.array([1], np.uint32)] * 3, LSHConfig(), lambda: calls.append(1)))
    assert len(calls) == 3
