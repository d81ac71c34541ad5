from datetime import datetime

from conftest import make_article

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


def test_cluster_related_over_duplicate_clusters():
    matches = [match(0, 1, "exact", 1.0), match(1, 2, "related", 0.2, cosine=0.6),
               match(3, 4, "related", 0.1, cosine=0.55)]  # fmt: skip
    rank = [0, 1, 2, 3, 4]
    duplicates = cluster_duplicates(matches, rank)
    related = cluster_related(matches, duplicates, rank)
    assert [c.id for c in related] == ["rel-000001", "rel-000002"]
    assert shape(related) == [
        (0, [(0, "representative", 1.0), (1, "exact", 1.0), (2, "related", 0.6)]),
        (3, [(3, "representative", 1.0), (4, "related", 0.55)]),
    ]
