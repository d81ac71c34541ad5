"""Shingle hashes to MinHash signatures (datasketch).

Signatures are datasketch ``MinHash`` objects, so an index built here answers the same as one a
user builds with datasketch from the same shingle hashes, seed and ``num_perm``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator

import numpy as np
from datasketch import LeanMinHash, MinHash

from .config import LSHConfig


def _identity(value: int) -> int:
    """Shingles arrive already hashed to 32 bits (see :mod:`dedup.shingle`)."""
    return value


def make_minhash_template(config: LSHConfig) -> MinHash:
    """An empty MinHash with the run's permutations, copied for every article."""
    return MinHash(num_perm=config.num_perm, seed=config.seed, hashfunc=_identity)


def compute_signatures(
    shingle_sets: Iterable[np.ndarray],
    config: LSHConfig,
    on_each: Callable[[], None] | None = None,
) -> Iterator[LeanMinHash]:
    """Yield one MinHash per shingle set, in order.

    Args:
        shingle_sets: ``uint32`` shingle hashes of each article.
        config: ``num_perm`` and ``seed`` of the permutations.
        on_each: called after each signature, to report progress.
    """
    template = make_minhash_template(config)
    for hashes in shingle_sets:
        minhash = template.copy()
        if hashes.size:
            minhash.update_batch(hashes)
        yield LeanMinHash(minhash)
        if on_each is not None:
            on_each()


def estimated_jaccard(first: LeanMinHash, second: LeanMinHash) -> float:
    """Jaccard similarity estimated from two signatures (the share of equal minima)."""
    return float(np.count_nonzero(first.hashvalues == second.hashvalues)) / len(first.hashvalues)
