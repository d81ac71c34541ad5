from datetime import datetime

from conftest import make_article
from scipy import sparse

from dedup.cluster import cluster_duplicates, cluster_related, preference_order
from dedup.types import Match


def match(a: int, b: int, relation: str = "near", jaccard: float = 0.8, cosine: float = 0.9):
    return Match(a, b, relation, jaccard, jaccard, jaccard, cosine, 0.5)  # type: ignore[arg-type]


def shape(clusters):
    return [(c.representative, [(m.index, m.relation, m.score) for m in c.members])
            for c in clusters]  # fmt: skip


def test_cluster_preference_order_rules():
    articles = [
        make_article("a", "x" * 10, published=datetime(2024, 1, 2)),
        make_article("b", "x" * 30),
        make_article("c", "x" * 20, published=datetime(2024, 1, 1)),
        make_article("d", "x" * 30, published=datetime(2024, 1, 2)),
    ]
    assert preference_order(articles, "earliest") == [2, 3, 0, 1]
    assert preference_order(articles, "longest") == [3, 1, 2, 0]
    assert preference_order(articles, "first") == [0, 1, 2, 3]


def test_cluster_star_has_representative_first_and_direct_relations():
    matches = [match(0, 1, "exact", 1.0), match(1, 2, "contained", 0.9)]
    clusters = cluster_duplicates(matches, rank=[1, 0, 2])
    assert [c.id for c in clusters] == ["dup-000001"]
    assert shape(clusters) == [(1, [(1, "representative", 1.0), (0, "exact", 1.0),
                                   (2, "contained", 0.9)])]  # fmt: skip


def test_cluster_a_chain_does_not_glue_into_one_cluster():
    """0~1~2~...~9, each only similar to its neighbours: no cluster spans the chain."""
    chain = [match(i, i + 1) for i in range(9)]
    clusters = cluster_duplicates(chain, rank=list(range(10)))
    assert [sorted(m.index for m in c.members) for c in clusters] == [
        [0, 1], [2, 3], [4, 5], [6, 7], [8, 9]
    ]  # fmt: skip


def test_cluster_every_duplicate_in_exactly_one_cluster():
    """3's only duplicate (1) is taken by 0's star: 3 joins that cluster through 1."""
    matches = [match(0, 1), match(0, 2), match(1, 3, jaccard=0.7)]
    clusters = cluster_duplicates(matches, rank=[0, 1, 2, 3])
    assert shape(clusters) == [(0, [(0, "representative", 1.0), (1, "near", 0.8),
                                   (2, "near", 0.8), (3, "near", 0.7)])]  # fmt: skip


def cosine_graph(n: int, pairs: dict[tuple[int, int], float]) -> sparse.csr_matrix:
    graph = sparse.lil_matrix((n, n))
    for (a, b), cosine in pairs.items():
        graph[a, b] = graph[b, a] = cosine
    return graph.tocsr()


def test_cluster_related_over_duplicate_clusters():
    """0 and 1 are copies: one unit, kept whole; 2 is related to the copy 1."""
    matches = [match(0, 1, "exact", 1.0)]
    rank = [0, 1, 2, 3, 4]
    duplicates = cluster_duplicates(matches, rank)
    graph = cosine_graph(5, {(1, 2): 0.6, (3, 4): 0.55})
    related = cluster_related(graph, duplicates, rank, threshold=0.15)
    assert [c.id for c in related] == ["rel-000001", "rel-000002"]
    # 2's centroid cosine to the unit {0, 1}: 0.6 / sqrt(1 * 2).
    assert shape(related) == [
        (0, [(0, "representative", 1.0), (1, "exact", 1.0), (2, "related", 0.4243)]),
        (3, [(3, "representative", 1.0), (4, "related", 0.55)]),
    ]


def test_cluster_related_representative_is_the_most_preferred():
    graph = cosine_graph(3, {(0, 1): 0.5, (1, 2): 0.5, (0, 2): 0.5})
    related = cluster_related(graph, [], rank=[2, 0, 1], threshold=0.15)
    assert [(c.kind, c.representative) for c in related] == [("related", 1)]
    assert sorted(m.index for m in related[0].members) == [0, 1, 2]


def test_cluster_related_joins_the_story_as_a_whole_not_one_member():
    """A chain 0~1~2~...~7 at cosine 0.5: a star or single link would glue it all; centroid
    linkage stops once a group's centroid is too far from the next link."""
    graph = cosine_graph(8, {(i, i + 1): 0.5 for i in range(7)})
    related = cluster_related(graph, [], rank=list(range(8)), threshold=0.3)
    assert [sorted(m.index for m in c.members) for c in related] == [
        [0, 1], [2, 3], [4, 5], [6, 7]
    ]  # fmt: skip


def test_cluster_related_below_threshold_stays_apart():
    graph = cosine_graph(4, {(0, 1): 0.1, (2, 3): 0.2})
    related = cluster_related(graph, [], rank=[0, 1, 2, 3], threshold=0.15)
    assert shape(related) == [(2, [(2, "representative", 1.0), (3, "related", 0.2)])]
