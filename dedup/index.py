"""Candidate pairs from MinHash LSH (datasketch ``MinHashLSH``).

LSH is approximate: a pair at the threshold becomes a candidate only with the probability that
:func:`candidate_probability` gives, and pairs well below it may still become candidates. The
verify stage (:mod:`dedup.verify`) computes exact scores for every candidate.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass

from datasketch import LeanMinHash, MinHashLSH

from .config import LSHConfig


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


def find_candidates(
    signatures: Sequence[LeanMinHash],
    searchable: Sequence[bool],
    config: LSHConfig,
    on_each: Callable[[], None] | None = None,
) -> tuple[set[tuple[int, int]], LSHParams]:
    """All pairs ``(i, j)``, ``i < j``, of articles that share an LSH band.

    Args:
        signatures: one signature per article.
        searchable: ``False`` for articles with no shingles; their empty signatures would all
            collide with each other.
        config: LSH parameters.
        on_each: called after each article, to report progress.
    """
    index = LSHIndex(config)
    pairs: set[tuple[int, int]] = set()
    for position, signature in enumerate(signatures):
        if searchable[position]:
            for other in index.query(signature):
                pairs.add((int(other), position))  # type: ignore[call-overload]
            index.add(position, signature)
        if on_each is not None:
            on_each()
    return pairs, index.params
