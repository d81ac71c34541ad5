"""Verified pairs to clusters, protected against chaining.

Plain connected components (union-find) chain: A~B, B~C, ... glue unrelated stories into one
component through a run of pairwise-similar articles. Here a cluster is a star: the most
preferred article (by the ``--keep`` rule) takes all its still-free duplicates; an article whose
duplicates were all taken joins the cluster of its closest one. So every member is a direct
duplicate of the representative, or of a member that is: no chain longer than two steps.

Related-story clusters are built the same way, one level up, over whole duplicate clusters.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime

from .config import KeepRule
from .types import DUPLICATE_RELATIONS, Article, Cluster, ClusterMember, Match

REPRESENTATIVE = "representative"


def preference_order(articles: Sequence[Article], keep: KeepRule) -> list[int]:
    """Rank of each article as a representative: 0 is the most preferred.

    ``earliest``: earliest ``published`` (unknown dates last), then longest, then input order.
    ``longest``: longest body, then earliest, then input order. ``first``: input order.
    """

    def published(i: int) -> tuple[bool, datetime]:
        when = articles[i].published
        return (when is None, when or datetime.max)

    def length(i: int) -> int:
        return -len(articles[i].text)

    if keep == "earliest":
        ordered = sorted(range(len(articles)), key=lambda i: (published(i), length(i), i))
    elif keep == "longest":
        ordered = sorted(range(len(articles)), key=lambda i: (length(i), published(i), i))
    else:
        ordered = list(range(len(articles)))
    rank = [0] * len(articles)
    for position, index in enumerate(ordered):
        rank[index] = position
    return rank


Edge = dict[int, tuple[str, float]]
"""A node's neighbours, each with the relation and score of the pair."""
Edges = dict[int, Edge]


def _star_groups(edges: Edges, rank: Sequence[int]) -> list[tuple[int, Edge]]:
    """Greedy star clustering: ``(center, {member: (relation, score)})`` per group."""
    group_of: dict[int, int] = {}
    groups: dict[int, dict[int, tuple[str, float]]] = {}
    for node in sorted(edges, key=rank.__getitem__):
        if node in group_of:
            continue
        free = {other: edge for other, edge in edges[node].items() if other not in group_of}
        if free:
            groups[node] = free
            group_of[node] = node
            for other in free:
                group_of[other] = node
        else:
            closest = max(edges[node], key=lambda other: (edges[node][other][1], -rank[other]))
            center = group_of[closest]
            groups[center][node] = edges[node][closest]
            group_of[node] = center
    return sorted(groups.items(), key=lambda item: rank[item[0]])


def _add_edge(edges: Edges, a: int, b: int, relation: str, score: float) -> None:
    if b not in edges[a] or edges[a][b][1] < score:
        edges[a][b] = (relation, score)
        edges[b][a] = (relation, score)


def cluster_duplicates(matches: Sequence[Match], rank: Sequence[int]) -> list[Cluster]:
    """Duplicate clusters from ``exact``/``near``/``contained`` pairs, in order of preference."""
    edges: Edges = defaultdict(dict)
    for match in matches:
        if match.relation in DUPLICATE_RELATIONS:
            _add_edge(edges, match.a, match.b, match.relation, match.score)
    clusters = []
    for number, (center, members) in enumerate(_star_groups(edges, rank), start=1):
        listed = [ClusterMember(center, REPRESENTATIVE, 1.0)]
        listed += [
            ClusterMember(index, relation, round(score, 4))
            for index, (relation, score) in sorted(members.items())
        ]
        clusters.append(Cluster(f"dup-{number:06d}", "duplicate", center, listed))
    return clusters


def cluster_related(
    matches: Sequence[Match], duplicates: Sequence[Cluster], rank: Sequence[int]
) -> list[Cluster]:
    """Related-story clusters over duplicate clusters (and articles with no duplicate).

    Each unit is a duplicate cluster, named by its representative, or a lone article. Members of
    the center unit keep their duplicate relation; members of the other units are ``related``
    with the best cosine between the two units.
    """
    unit_of = {m.index: cluster.representative for cluster in duplicates for m in cluster.members}
    unit_members = {cluster.representative: cluster.members for cluster in duplicates}
    edges: Edges = defaultdict(dict)
    for match in matches:
        first, second = unit_of.get(match.a, match.a), unit_of.get(match.b, match.b)
        if first != second:
            _add_edge(edges, first, second, "related", match.cosine)
    clusters = []
    for number, (center, others) in enumerate(_star_groups(edges, rank), start=1):
        listed = list(unit_members.get(center, [ClusterMember(center, REPRESENTATIVE, 1.0)]))
        for unit, (_, score) in sorted(others.items()):
            for member in unit_members.get(unit, [ClusterMember(unit, "related", score)]):
                listed.append(ClusterMember(member.index, "related", round(score, 4)))
        clusters.append(Cluster(f"rel-{number:06d}", "related", center, listed))
    return clusters
