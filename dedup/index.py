"""Candidate pairs from MinHash LSH: sorted band keys over a batch, or datasketch ``MinHashLSH``.

LSH is approximate: a pair at the threshold becomes a candidate only with the probability that
:func:`candidate_probability` gives, and pairs well below it may still become candidates. The
verify stage (:mod:`dedup.verify`) computes exact scores for every candidate.
"""

from __future__ import annotations

import functools
from collections.abc import Hashable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
from datasketch import LeanMinHash, MinHashLSH

from .config import LSHConfig
from .errors import ConfigError
from .signature import SignatureBatch


def candidate_probability(similarity: float, bands: int, rows: int) -> float:
    """Probability that a pair of Jaccard ``similarity`` shares at least one band.

    A band of ``rows`` minima matches with probability ``s**rows``; the pair is a candidate unless
    all ``bands`` bands differ: ``1 - (1 - s**rows)**bands`` (Mining of Massive Datasets, 3.4.2).
    """
    return 1.0 - (1.0 - similarity**rows) ** bands


@dataclass(frozen=True)
class LSHParams:
    """The banding datasketch chose for the threshold, and what it promises."""

    threshold: float
    num_perm: int
    bands: int
    rows: int

    @property
    def probability_at_threshold(self) -> float:
        """Chance that a pair exactly at the threshold becomes a candidate."""
        return candidate_probability(self.threshold, self.bands, self.rows)


class LSHIndex:
    """An in-memory MinHash LSH index over article keys.

    Args:
        config: threshold, ``num_perm`` and seed; datasketch picks the bands and rows that
            minimise the sum of false-positive and false-negative probability at the threshold.
    """

    def __init__(self, config: LSHConfig) -> None:
        self.config = config
        self._lsh = MinHashLSH(threshold=config.threshold, num_perm=config.num_perm)

    @property
    def params(self) -> LSHParams:
        return LSHParams(
            threshold=self.config.threshold,
            num_perm=self.config.num_perm,
            bands=self._lsh.b,
            rows=self._lsh.r,
        )

    def add(self, key: Hashable, signature: LeanMinHash) -> None:
        self._lsh.insert(key, signature, check_duplication=False)

    def query(self, signature: LeanMinHash) -> list[Hashable]:
        """Keys of indexed articles that share at least one band with ``signature``."""
        return self._lsh.query(signature)


@functools.cache
def lsh_params(config: LSHConfig) -> LSHParams:
    """The bands and rows datasketch's ``MinHashLSH`` picks for ``config``'s threshold (cached:
    datasketch integrates the error of every banding to choose)."""
    return LSHIndex(config).params


MAX_BUCKET_SIZE = 1000
"""Articles sharing one band key beyond which a bucket yields a star, not all pairs."""


def find_candidates(
    signatures: SignatureBatch,
    searchable: np.ndarray,
    config: LSHConfig,
    *,
    max_bucket_size: int = MAX_BUCKET_SIZE,
    threads: int = 1,
) -> tuple[np.ndarray, LSHParams]:
    """All pairs ``(i, j)``, ``i < j``, of articles that share an LSH band, found by sorting.

    For each band, the articles' band keys (``rows`` consecutive minima) are sorted, and every
    run of equal keys (a bucket) gives its pairs; the pairs of all bands are then deduplicated.
    With the same bands and rows as datasketch's ``MinHashLSH`` this is the pair set that
    inserting every article and querying each gives (``tests/test_index.py`` checks this),
    without a Python step per article.

    Args:
        signatures: the batch's signatures (:func:`dedup.signature.compute_signature_batch`).
        searchable: ``False`` for articles with no shingles; their empty signatures would all
            collide with each other.
        config: LSH parameters; ``num_perm`` must match the signatures.
        max_bucket_size: a bucket of more articles (thousands of copies of one tiny notice)
            pairs its first article with each other one instead of all pairs with each other,
            so candidates grow linearly, not quadratically. For copies of one text the star
            gives the same duplicate cluster: the others are duplicates of the hub.
        threads: bands sorted at once. numpy sorts without holding the GIL, so two threads
            take about 0.55 of one's time, and nothing is copied to another process.

    Returns:
        ``(pairs, params)``: an ``(m, 2)`` ``int64`` array sorted by ``(i, j)``, and the banding.

    Raises:
        ConfigError: when ``config.num_perm`` differs from the signatures'.
    """
    if signatures.num_perm != config.num_perm:
        raise ConfigError(
            f"signatures have {signatures.num_perm} permutations but num_perm is "
            f"{config.num_perm}; compute them with the same LSHConfig"
        )
    params = lsh_params(config)
    positions = np.flatnonzero(np.asarray(searchable, dtype=bool))

    def band_codes(band: int) -> np.ndarray:
        # A band's columns are taken for the searchable rows only: no copy of all signatures.
        columns = slice(band * params.rows, (band + 1) * params.rows)
        pairs = _bucket_pairs(signatures.hashvalues[positions, columns], max_bucket_size)
        return pairs[:, 0] * len(positions) + pairs[:, 1]

    with ThreadPoolExecutor(max_workers=max(1, threads)) as pool:
        found = list(pool.map(band_codes, range(params.bands)))
    return _unique_pairs(found, positions), params


def _bucket_pairs(keys: np.ndarray, max_bucket_size: int) -> np.ndarray:
    """Pairs of rows of ``keys`` that are equal, as ``(m, 2)`` row numbers, smaller first."""
    order, starts = _group_equal_rows(keys)
    sizes = np.diff(np.append(starts, len(order)))
    shared = sizes >= 2
    starts, sizes = starts[shared], sizes[shared]
    huge = sizes > max_bucket_size
    pairs = [_all_pairs(order, starts[~huge], sizes[~huge])]
    for start, size in zip(starts[huge].tolist(), sizes[huge].tolist(), strict=True):
        members = np.sort(order[start : start + size])
        pairs.append(np.column_stack([np.full(size - 1, members[0]), members[1:]]))
    return np.concatenate(pairs)


def _group_equal_rows(keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """An order that puts equal rows together, and where each run of equal rows starts; the
    rows of a run come in no particular order.

    Rows of up to two 32-bit minima (every banding of 128 permutations below threshold 0.3)
    are packed exactly into one ``uint64`` and argsorted by numpy's default sort, which is
    vectorized (AVX-512) where the stable one is not: 3.8 against 18.9 ms for 200k keys, once
    per band. Wider rows are lexsorted.
    """
    rows = keys.shape[1]
    if rows <= 2 and keys.size and int(keys.max()) <= 0xFFFFFFFF:
        packed = np.zeros(len(keys), dtype=np.uint64)
        for column in range(rows):
            packed = (packed << np.uint64(32)) | keys[:, column].astype(np.uint64)
        order = np.argsort(packed)
        ordered = packed[order]
        changed = ordered[1:] != ordered[:-1]
    else:
        order = np.lexsort(keys.T[::-1])
        ordered_rows = keys[order]
        changed = np.any(ordered_rows[1:] != ordered_rows[:-1], axis=1)
    starts = np.flatnonzero(np.append(True, changed)) if len(order) else np.zeros(0, np.int64)
    return order, starts


def _all_pairs(order: np.ndarray, starts: np.ndarray, sizes: np.ndarray) -> np.ndarray:
    """Every pair within each run ``order[start:start + size]``, in O(pairs) array steps.

    Member ``k`` of a run of size ``g`` pairs with the ``g - 1 - k`` members after it; each
    pair is then put smaller row first (a run's rows are in no particular order).
    """
    if sizes.size == 0:
        return np.zeros((0, 2), dtype=np.int64)
    member = np.repeat(starts, sizes) + _ranks_within(sizes)
    later = np.repeat(sizes, sizes) - 1 - _ranks_within(sizes)
    first = np.repeat(member, later)
    second = first + 1 + _ranks_within(later)
    one, other = order[first], order[second]
    return np.column_stack([np.minimum(one, other), np.maximum(one, other)])


def _ranks_within(sizes: np.ndarray) -> np.ndarray:
    """``0, 1, ..., size - 1`` for each size, concatenated."""
    total = int(sizes.sum())
    return np.arange(total, dtype=np.int64) - np.repeat(np.cumsum(sizes) - sizes, sizes)


def _unique_pairs(found: list[np.ndarray], positions: np.ndarray) -> np.ndarray:
    """The distinct pairs of all bands, sorted, as article positions.

    The pairs of all bands are the largest memory of a large run: 23M distinct of them at 1M
    articles, where the signatures take 0.5 GB. As ``(i, j)`` rows, copied to be coded, sorted
    and mapped, they took 1.6 GB there; here each takes eight bytes until the end, and nothing
    is copied whole.

    Args:
        found: each band's pairs, each pair as the code ``i * n + j`` of its two searchable
            articles' indices (``n`` of them); emptied here, as the codes are gathered.
        positions: the article position of each searchable index.
    """
    codes = np.empty(sum(map(len, found)), dtype=np.int64)
    at = 0
    while found:
        band = found.pop(0)
        codes[at : at + len(band)] = band
        at += len(band)
    codes.sort()
    if codes.size:
        distinct = np.empty(codes.size, dtype=bool)
        distinct[0] = True
        np.not_equal(codes[1:], codes[:-1], out=distinct[1:])
        codes = codes[distinct]
    pairs = np.empty((codes.size, 2), dtype=np.int64)
    step = 1 << 20
    for start in range(0, codes.size, step):
        first, second = np.divmod(codes[start : start + step], len(positions))
        pairs[start : start + step, 0] = positions[first]
        pairs[start : start + step, 1] = positions[second]
    return pairs


def estimated_overlap(
    values: np.ndarray,
    sizes: np.ndarray,
    pairs: np.ndarray,
    *,
    chunk: int = 16_384,
    threads: int = 1,
) -> np.ndarray:
    """The larger containment of each candidate pair, estimated from its signatures.

    The share of equal MinHash values estimates the Jaccard index ``J``; with the set sizes
    ``|A|`` and ``|B|``, ``|A & B| = J (|A| + |B|) / (1 + J)``, and the larger containment is
    that over ``min(|A|, |B|)``. One comparison per permutation and pair, as arrays.

    Args:
        values: ``(n, num_perm)`` signature values.
        sizes: each article's number of distinct shingles.
        pairs: ``(m, 2)`` candidate pairs.
        chunk: pairs compared at once, over all threads (their two signature copies are the
            memory this takes). Copies of a few megabytes are reused by the allocator; those of
            200,000 pairs (100 MB each) came as new pages every time, and faulting them in took
            0.1 to 0.6 s of system time for the 870k LSH pairs of a 200k run, more than the
            comparisons' 0.3 s.
        threads: parts of a chunk compared at once (numpy compares without holding the GIL).
    """
    result = np.zeros(len(pairs), dtype=np.float32)
    chunk = max(1, chunk // max(1, threads))

    def estimate(start: int) -> None:
        part = pairs[start : start + chunk]
        # Counted, not averaged: a mean over booleans makes a float64 copy of them first.
        equal = np.count_nonzero(values[part[:, 0]] == values[part[:, 1]], axis=1)
        jaccard = equal / values.shape[1]
        first, second = sizes[part[:, 0]], sizes[part[:, 1]]
        common = jaccard * (first + second) / (1.0 + jaccard)
        result[start : start + len(part)] = common / np.maximum(np.minimum(first, second), 1)

    with ThreadPoolExecutor(max_workers=max(1, threads)) as pool:
        list(pool.map(estimate, range(0, len(pairs), chunk)))
    return np.minimum(result, 1.0)
