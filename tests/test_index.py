import numpy as np
import pytest

from dedup.config import LSHConfig
from dedup.errors import ConfigError
from dedup.index import LSHIndex, candidate_probability, find_candidates
from dedup.signature import compute_signatures


def test_index_candidate_probability_formula():
    assert candidate_probability(0.5, bands=2, rows=2) == pytest.approx(1 - 0.75**2)
    assert candidate_probability(1.0, bands=10, rows=5) == 1.0
    assert candidate_probability(0.0, bands=10, rows=5) == 0.0


def test_index_params_come_from_datasketch_for_the_threshold():
    params = LSHIndex(LSHConfig(threshold=0.3, num_perm=128)).params
    assert (params.bands, params.rows) == (37, 3)
    assert params.probability_at_threshold == pytest.approx(candidate_probability(0.3, 37, 3))


def test_index_finds_planted_pair_and_skips_empty_articles():
    rng = np.random.default_rng(1)
    base = rng.choice(2**32, size=400, replace=False).astype(np.uint32)
    copy = np.sort(np.concatenate([base[:380], rng.choice(2**32, 20).astype(np.uint32)]))
    other = np.sort(rng.choice(2**32, size=400, replace=False).astype(np.uint32))
    empty = np.array([], dtype=np.uint32)
    sets = [np.sort(base), other, copy, empty, empty]
    signatures = list(compute_signatures(sets, LSHConfig()))
    pairs, _ = find_candidates(signatures, [s.size > 0 for s in sets], LSHConfig())
    assert pairs == {(0, 2)}


def test_index_threshold_is_checked():
    with pytest.raises(ConfigError, match=r"threshold must be in \[0, 1\]; got 1.5"):
        LSHConfig(threshold=1.5)
