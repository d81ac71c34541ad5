"""Verified pairs to clusters, protected against chaining.

Plain connected components (union-find) chain: A~B, B~C, ... glue unrelated stories into one
component through a run of pairwise-similar articles. Here a cluster is a star: the most
preferred article (by the ``--keep`` rule) takes all its still-free duplicates; an article whose
duplicates were all taken joins the cluster of its closest one. So every member is a direct
duplicate of the representative, or of a member that is: no chain longer than two steps.

Related-story clusters are built one level up, over whole duplicate clusters, by centroid
linkage on the story graph (:func:`cluster_related`): a group joins a story when it is close to
the story as a whole, not to one member, so there is no chaining there either.
"""

from __future__ import annotations

import heapq
import math
from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime

import numpy as np
from scipy import sparse

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


def preference_rank(published: np.ndarray, lengths: np.ndarray, keep: KeepRule) -> list[int]:
    """:func:`preference_order` from compact columns, for runs that do not hold the articles.

    Args:
        published: each article's publication time as a sortable integer, unknown dates
            greater than any date (:func:`dedup.passes.published_order`).
        lengths: each body's length in characters.
        keep: the ``--keep`` rule.
    """
    positions = np.arange(len(lengths))
    if keep == "earliest":
        ordered = np.lexsort((positions, -lengths, published))
    elif keep == "longest":
        ordered = np.lexsort((positions, published, -lengths))
    else:
        ordered = positions
    rank = np.empty(len(lengths), dtype=np.int64)
    rank[ordered] = positions
    return rank.tolist()  # type: ignore[no-any-return]


Edge = dict[int, tuple[str, float]]
"""A node's neighbours, each with the relation and score of the pair."""
Edges = dict[int, Edge]


def star_groups(edges: Edges, rank: Sequence[int]) -> list[tuple[int, Edge]]:
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
    for number, (center, members) in enumerate(star_groups(edges, rank), start=1):
        listed = [ClusterMember(center, REPRESENTATIVE, 1.0)]
        listed += [
            ClusterMember(index, relation, round(score, 4))
            for index, (relation, score) in sorted(members.items())
        ]
        clusters.append(Cluster(f"dup-{number:06d}", "duplicate", center, listed))
    return clusters


def units(n: int, duplicates: Sequence[Cluster]) -> tuple[np.ndarray, np.ndarray]:
    """The unit of each article (its duplicate cluster, or the article alone) and each unit's
    representative article."""
    head_of = np.arange(n)
    for cluster in duplicates:
        for member in cluster.members:
            head_of[member.index] = cluster.representative
    heads, unit_index = np.unique(head_of, return_inverse=True)
    return unit_index, heads


def unit_weights(graph: sparse.csr_matrix, unit_index: np.ndarray) -> sparse.csr_matrix:
    """Sums of pair cosines between units; the diagonal holds each unit's own mass (its
    members' self-similarity, 1 each, plus the cosines among them)."""
    n = graph.shape[0]
    membership = sparse.csr_matrix(
        (np.ones(n), (np.arange(n), unit_index)), shape=(n, int(unit_index.max()) + 1)
    )
    with_self = graph + sparse.identity(n, format="csr", dtype=graph.dtype)
    return (membership.T @ with_self @ membership).tocsr()


def centroid_linkage(weights: sparse.csr_matrix, threshold: float) -> list[int]:
    """Greedy agglomeration by centroid cosine: the group (a unit) of each unit.

    A group's centroid is the sum of its members' TF-IDF vectors; the cosine of two centroids
    is ``W(A, B) / sqrt(W(A, A) W(B, B))``, where ``W`` sums the pair cosines of the graph
    (pairs missing from the graph count 0, which keeps a shared topic's background vocabulary
    out). The two groups with the highest centroid cosine merge, while it is at least
    ``threshold``.

    Written by hand because the libraries do not fit: scipy's ``linkage(method="centroid")``
    needs the dense condensed distance matrix (n^2 / 2 floats, 1.3 GB for 26,000 articles) and
    scikit-learn's ``AgglomerativeClustering`` has no centroid linkage. Here the cost follows
    the graph's edges. The heap holds each group's best partner; an entry whose partner has
    merged since is recomputed when it comes up (the best pair overall is the best of both).
    """
    coo = weights.tocoo()
    count = weights.shape[0]
    links: list[dict[int, float]] = [{} for _ in range(count)]
    mass = [0.0] * count
    for a, b, value in zip(coo.row.tolist(), coo.col.tolist(), coo.data.tolist(), strict=True):
        if a == b:
            mass[a] += value
        else:
            links[a][b] = links[a].get(b, 0.0) + value
    version = [0] * count
    parent = list(range(count))
    heap: list[tuple[float, int, int, int, int]] = []

    def push_best(group: int) -> None:
        best, partner = threshold, -1
        for other, value in links[group].items():
            cosine = value / math.sqrt(mass[group] * mass[other])
            if cosine > best or (cosine == best and (partner < 0 or other < partner)):
                best, partner = cosine, other
        if partner >= 0:
            heapq.heappush(heap, (-best, group, partner, version[group], version[partner]))

    for group in range(count):
        push_best(group)
    while heap:
        _, a, b, version_a, version_b = heapq.heappop(heap)
        if parent[a] != a or version[a] != version_a:
            continue  # ``a`` has merged or grown since: a newer entry stands for it
        if parent[b] != b or version[b] != version_b:
            push_best(a)  # the partner has changed: find ``a``'s best again
            continue
        if len(links[a]) < len(links[b]):
            a, b = b, a  # merge the smaller neighbourhood into the larger
        between = links[a].pop(b)
        del links[b][a]
        for other, value in links[b].items():
            del links[other][b]
            total = links[a].get(other, 0.0) + value
            links[a][other] = total
            links[other][a] = total
        links[b] = {}
        mass[a] += mass[b] + 2 * between
        parent[b] = a
        version[a] += 1
        push_best(a)
    groups = []
    for unit in range(count):
        root = unit
        while parent[root] != root:
            root = parent[root]
        groups.append(root)
    return groups


def cluster_related(
    graph: sparse.csr_matrix,
    duplicates: Sequence[Cluster],
    rank: Sequence[int],
    threshold: float,
) -> list[Cluster]:
    """Related-story clusters over duplicate clusters (and articles with no duplicate).

    Each unit is a duplicate cluster or a lone article; units merge by centroid linkage over
    ``graph`` (the story graph of pair cosines, :func:`dedup.tfidf.story_graph`) while the
    centroid cosine is at least ``threshold``. The representative is the most preferred article
    (``rank``); members of its duplicate cluster keep their relation, the others are
    ``related`` with the cosine of their unit to the rest of the story.

    Example:
        >>> from scipy import sparse
        >>> graph = sparse.csr_matrix([[0, 0.4, 0], [0.4, 0, 0], [0, 0, 0]])
        >>> [(c.representative, [(m.index, m.relation, m.score) for m in c.members])
        ...  for c in cluster_related(graph, [], [1, 0, 2], 0.15)]
        [(1, [(1, 'representative', 1.0), (0, 'related', 0.4)])]
    """
    n = graph.shape[0]
    if n == 0:
        return []
    unit_index, heads = units(n, duplicates)
    weights = unit_weights(graph, unit_index)
    found: dict[int, list[int]] = defaultdict(list)
    for unit, group in enumerate(centroid_linkage(weights, threshold)):
        found[group].append(unit)
    stories = sorted(
        (members for members in found.values() if len(members) > 1),
        key=lambda members: min(rank[heads[u]] for u in members),
    )
    members_of = {cluster.representative: cluster.members for cluster in duplicates}
    clusters = []
    for number, story in enumerate(stories, start=1):
        block = weights[story][:, story].toarray()
        row_sums, total = block.sum(axis=1), float(block.sum())
        center = min(range(len(story)), key=lambda i: rank[heads[story[i]]])
        head = int(heads[story[center]])
        listed = list(members_of.get(head, [ClusterMember(head, REPRESENTATIVE, 1.0)]))
        for i in sorted(range(len(story)), key=lambda i: int(heads[story[i]])):
            if i == center:
                continue
            own = float(block[i, i])
            between = float(row_sums[i]) - own
            # Centroid cosine of the unit to the rest of its story: how strongly it is held.
            score = min(between / math.sqrt(own * (total - 2 * between - own)), 1.0)
            article = int(heads[story[i]])
            for member in members_of.get(article, [ClusterMember(article, "related", 0.0)]):
                listed.append(ClusterMember(member.index, "related", round(score, 4)))
        clusters.append(Cluster(f"rel-{number:06d}", "related", head, listed))
    return clusters
