"""The value objects passed between pipeline stages."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

ArticleId = str | int
"""An article id exactly as given in the input (JSON keeps ints as ints)."""

Relation = Literal["exact", "near", "contained", "related"]
DUPLICATE_RELATIONS: frozenset[str] = frozenset({"exact", "near", "contained"})


@dataclass(slots=True)
class Article:
    """One input article.

    Attributes:
        id: the id as given in the input.
        title: the headline ("" when the input has none).
        text: the body.
        source: the outlet, when known; template removal counts recurring blocks per source.
        url: the address, when known.
        published: publication time, when known; ``--keep earliest`` prefers the earliest.
        origin: where the record was read, as ``file:line``, for error messages.
        record: the input record as read, written back unchanged to ``deduplicated.jsonl``.
    """

    id: ArticleId
    title: str
    text: str
    source: str | None = None
    url: str | None = None
    published: datetime | None = None
    origin: str = ""
    record: dict[str, Any] = field(default_factory=dict)


@dataclass(slots=True, frozen=True)
class Match:
    """A verified pair of articles (by position in the run) and the scores that decided it.

    ``containment_ab`` is the share of ``a``'s shingles found in ``b``: a truncated copy ``a`` of
    ``b`` has ``containment_ab`` near 1.
    """

    a: int
    b: int
    relation: Relation
    jaccard: float
    containment_ab: float
    containment_ba: float
    cosine: float
    title_similarity: float

    @property
    def score(self) -> float:
        """The similarity that earned the relation: the one a reader should look at first."""
        if self.relation == "exact":
            return 1.0
        if self.relation == "near":
            return self.jaccard
        if self.relation == "contained":
            return max(self.containment_ab, self.containment_ba)
        return self.cosine


@dataclass(slots=True, frozen=True)
class ClusterMember:
    """An article in a cluster, with its relation to the cluster's representative."""

    index: int
    relation: str
    score: float


@dataclass(slots=True)
class Cluster:
    """A group of two or more articles.

    A ``duplicate`` cluster holds copies of one article; every member is a direct duplicate of the
    representative or of a member that is (never a longer chain). A ``related`` cluster holds
    different texts about one story, over whole duplicate clusters.
    """

    id: str
    kind: Literal["duplicate", "related"]
    representative: int
    members: list[ClusterMember]
