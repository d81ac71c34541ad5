"""The batch pipeline: articles in, verified pairs and clusters out.

Stages, each in its own module: template removal and normalization (:mod:`~dedup.boilerplate`),
shingles (:mod:`~dedup.shingle`), MinHash signatures (:mod:`~dedup.signature`), LSH candidates
(:mod:`~dedup.index`), verification (:mod:`~dedup.verify`) and clustering (:mod:`~dedup.cluster`).
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Protocol

from .boilerplate import CleanedArticle, remove_boilerplate
from .cluster import cluster_duplicates, cluster_related, preference_order
from .config import DedupConfig
from .index import LSHParams, find_candidates
from .normalize import normalize_text, tokenize
from .shingle import make_shingle_batch
from .signature import compute_signature_batch
from .types import Article, Cluster, Match
from .verify import TfidfReranker, pairs_at_least, story_graph, verify_pairs


class Progress(Protocol):
    """Receives progress from long stages; the CLI draws it as a bar on stderr."""

    def start(self, stage: str, total: int) -> None: ...

    def advance(self, steps: int = 1) -> None: ...


class _NoProgress:
    def start(self, stage: str, total: int) -> None:
        pass

    def advance(self, steps: int = 1) -> None:
        pass


@dataclass
class DedupResult:
    """Everything a run found, with positions referring to :attr:`articles`."""

    articles: list[Article]
    cleaned: list[CleanedArticle]
    matches: list[Match]
    duplicate_clusters: list[Cluster]
    related_clusters: list[Cluster]
    lsh: LSHParams
    candidates: int
    config: DedupConfig
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def clusters(self) -> list[Cluster]:
        return self.duplicate_clusters + self.related_clusters

    def removed(self) -> set[int]:
        """Positions of the duplicates a deduplicated feed drops (all but representatives)."""
        return {
            member.index
            for cluster in self.duplicate_clusters
            for member in cluster.members
            if member.index != cluster.representative
        }


@contextmanager
def _timed(timings: dict[str, float], stage: str) -> Iterator[None]:
    started = time.perf_counter()
    yield
    timings[stage] = timings.get(stage, 0.0) + time.perf_counter() - started


def find_duplicates(
    articles: Sequence[Article],
    config: DedupConfig | None = None,
    progress: Progress | None = None,
) -> DedupResult:
    """Find copies and related stories among ``articles``.

    Args:
        articles: the run's articles; ids must be unique (:func:`dedup.ingest.read_articles`
            checks this).
        config: every parameter; defaults are the measured best on syndicated news.
        progress: receives per-stage progress.

    Example:
        >>> from dedup import Article, find_duplicates
        >>> body = "Oil prices rose sharply on Monday after the cartel agreed to cut output."
        >>> result = find_duplicates([Article("a", "Oil up", body), Article("b", "Oil", body)])
        >>> [(c.representative, [m.relation for m in c.members]) for c in result.clusters]
        [(0, ['representative', 'exact'])]
    """
    config = config or DedupConfig()
    progress = progress or _NoProgress()
    articles = list(articles)
    timings: dict[str, float] = {}
    n = len(articles)

    with _timed(timings, "templates"):
        progress.start("removing templates", n)
        cleaned = remove_boilerplate(articles, config.boilerplate)
        texts = [article.text for article in cleaned]
        titles = [normalize_text(article.title) for article in articles]
        progress.advance(n)
    with _timed(timings, "shingles"):
        progress.start("shingling", n)
        shingle_batch = make_shingle_batch(texts, config.shingle)
        shingles = shingle_batch.to_list()
        progress.advance(n)
    with _timed(timings, "signatures"):
        progress.start("signatures", n)
        signatures = compute_signature_batch(shingle_batch, config.lsh)
        progress.advance(n)
    with _timed(timings, "candidates"):
        progress.start("LSH candidates", n)
        pairs, lsh = find_candidates(signatures, shingle_batch.sizes > 0, config.lsh)
        candidates = set(zip(pairs[:, 0].tolist(), pairs[:, 1].tolist(), strict=True))
        progress.advance(n)
    with _timed(timings, "verify"):
        reranker = TfidfReranker().fit(texts)
        stories = None
        if config.verify.related:
            progress.start("related-story search", n)
            verify = config.verify
            # One pass over all pairs gives both the related pairs to verify and the story graph.
            lowest = min(
                verify.related_threshold,
                verify.story_edge_threshold,
                verify.short_story_edge_threshold,
            )
            graph = reranker.graph(lowest)
            candidates |= pairs_at_least(graph, verify.related_threshold)
            words = [len(tokenize(text)) for text in texts]
            stories = story_graph(
                graph,
                texts=texts,
                titles=titles,
                words=words,
                text_terms=reranker.distinctive_terms(verify.distinctive_share),
                config=verify,
            )
            del graph
            progress.advance(n)
        progress.start("verifying", len(candidates))
        matches = verify_pairs(
            candidates,
            texts=texts,
            bodies=[article.text for article in articles],
            titles=titles,
            shingles=shingles,
            reranker=reranker,
            config=config.verify,
            on_each=progress.advance,
        )
    with _timed(timings, "clusters"):
        rank = preference_order(articles, config.keep)
        duplicates = cluster_duplicates(matches, rank)
        related = (
            cluster_related(stories, duplicates, rank, config.verify.story_threshold)
            if stories is not None
            else []
        )
    return DedupResult(
        articles=articles,
        cleaned=cleaned,
        matches=matches,
        duplicate_clusters=duplicates,
        related_clusters=related,
        lsh=lsh,
        candidates=len(candidates),
        config=config,
        timings=timings,
    )
