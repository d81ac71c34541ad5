import numpy as np
from datasketch import MinHash

from dedup.config import LSHConfig
from dedup.signature import compute_signatures, estimated_jaccard


def test_signature_equals_datasketch_minhash_of_the_same_hashes():
    hashes = np.array([3, 17, 2**31 + 5, 4_000_000_000], dtype=np.uint32)
    (signature,) = compute_signatures([hashes], LSHConfig(num_perm=64, seed=7))
    reference = MinHash(num_perm=64, seed=7, hashfunc=lambda value: value)
    for value in hashes.tolist():
        reference.update(value)
    assert np.array_equal(signature.hashvalues, reference.hashvalues)
    assert signature.seed == 7


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
