"""The pipeline: articles in, verified pairs and clusters out.

Stages, each in its own module: template removal and normalization (:mod:`~dedup.boilerplate`),
shingles (:mod:`~dedup.shingle`), MinHash signatures (:mod:`~dedup.signature`), LSH candidates
(:mod:`~dedup.index`), verification (:mod:`~dedup.verify`) and clustering (:mod:`~dedup.cluster`).
:mod:`~dedup.engine` runs them in passes over chunks of articles, in worker processes.

:func:`find_duplicates` takes articles in memory; :func:`find_duplicates_in_files` streams
input files, holding per article only its signature and a few figures, and gives the same
clusters and pairs for the same articles.
"""

from __future__ import annotations

import bisect
import itertools
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO, cast

import numpy as np

from .boilerplate import CleanedArticle, TemplateReport
from .config import DedupConfig
from .engine import ArticleList, NoProgress, Progress, RecordFiles, RunOutcome, run
from .errors import InputError
from .executor import ChunkExecutor, resolve_jobs
from .index import LSHParams
from .ingest import FieldMap, InputFiles, LineSpan, OnError, parse_chunk
from .passes import render_batch, write_feed_chunks
from .report import Mark, feed_chunk_size, feed_record, jsonl_line
from .types import Article, ArticleId, Cluster, Match

__all__ = [
    "DedupResult",
    "NoProgress",
    "Progress",
    "RunResult",
    "StreamResult",
    "find_duplicates",
    "find_duplicates_in_files",
]


@dataclass(kw_only=True)
class RunResult:
    """What a run found, with positions referring to the run's articles in input order."""

    ids: list[ArticleId]
    matches: list[Match]
    duplicate_clusters: list[Cluster]
    related_clusters: list[Cluster]
    lsh: LSHParams
    candidates: int
    config: DedupConfig
    timings: dict[str, float] = field(default_factory=dict)
    related_searched: bool = False

    @property
    def related_skipped(self) -> bool:
        """Related stories were asked for but the run was too large to search them."""
        return self.config.verify.related and not self.related_searched

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

    def __len__(self) -> int:
        return len(self.ids)

    def title(self, position: int) -> str:
        """The title of a duplicate cluster's representative."""
        raise NotImplementedError

    def records(self) -> Iterator[dict[str, Any]]:
        """The input record of every article, in input order."""
        raise NotImplementedError

    def template_report(self) -> TemplateReport:
        """What template removal took out (:func:`dedup.report.explain_templates`)."""
        raise NotImplementedError

    def write_feed(
        self, stream: BinaryIO, path: str, *, marks: dict[int, Mark], annotate: bool
    ) -> None:
        """Write the deduplicated feed (:func:`dedup.report.write_outputs`) to ``stream``, the
        file at ``path``."""
        stream.writelines(self.feed_lines(marks, annotate=annotate))

    def feed_lines(self, marks: dict[int, Mark], *, annotate: bool) -> Iterator[bytes]:
        """The deduplicated feed, UTF-8, in pieces of whole lines: a line each here."""
        for index, original in enumerate(self.records()):
            record = feed_record(original, marks.get(index), annotate=annotate)
            if record is not None:
                yield jsonl_line(record).encode()


@dataclass(kw_only=True)
class DedupResult(RunResult):
    """Everything a run found, with positions referring to :attr:`articles`."""

    articles: list[Article]
    cleaned: list[CleanedArticle]

    def title(self, position: int) -> str:
        return self.articles[position].title

    def records(self) -> Iterator[dict[str, Any]]:
        return (article.record for article in self.articles)

    def template_report(self) -> TemplateReport:
        return TemplateReport().add(self.cleaned)


@dataclass(kw_only=True)
class StreamResult(RunResult):
    """What a streamed run found; the articles stay in the input files.

    Attributes:
        skipped: messages of the records skipped as bad (``on_error="skip"``).
        source: the inputs, read again for :meth:`records`.
    """

    skipped: list[str]
    source: RecordFiles
    accepted: list[np.ndarray]
    spans: list[LineSpan | None]
    titles: dict[int, str]
    removals: TemplateReport | None = None
    executor: ChunkExecutor | None = None

    def title(self, position: int) -> str:
        return self.titles[position]

    def records(self) -> Iterator[dict[str, Any]]:
        for batch in self.source.batches(self.accepted):
            if batch.records is None:
                continue
            for article in parse_chunk(batch.records, batch.fields):
                if not isinstance(article, Article):
                    raise article  # the input changed while it was read
                yield article.record

    def feed_lines(self, marks: dict[int, Mark], *, annotate: bool) -> Iterator[bytes]:
        """The deduplicated feed, rendered chunk by chunk, in pieces of whole lines. In this
        process: JSON lines are extended as text (:func:`dedup.passes.render_batch`), cheaper
        than shipping them to a worker and back."""
        chunks = _chunk_marks(self.accepted, marks)
        batches = self.source.batches(self.accepted)
        for batch, (count, chunk_marks) in zip(batches, chunks, strict=True):
            yield from render_batch((batch, count, chunk_marks), annotate)

    def write_feed(
        self, stream: BinaryIO, path: str, *, marks: dict[int, Mark], annotate: bool
    ) -> None:
        """Where the inputs can be read again at an offset (JSON Lines files, not compressed:
        :attr:`spans`), the run's workers read, render and write the feed's chunks, each at
        its place (:func:`dedup.passes.write_feed_chunks`); elsewhere, or should a chunk not
        render to the size expected of it, this process writes :meth:`feed_lines`."""
        executor = self.executor
        if executor is not None and all(span is not None for span in self.spans):
            if self._write_feed_in_workers(executor, stream, path, marks, annotate):
                return
            stream.seek(0)
            stream.truncate()
        super().write_feed(stream, path, marks=marks, annotate=annotate)

    def _write_feed_in_workers(
        self,
        executor: ChunkExecutor,
        stream: BinaryIO,
        path: str,
        marks: dict[int, Mark],
        annotate: bool,
    ) -> bool:
        spans = cast(list[LineSpan], self.spans)
        chunks = list(_chunk_marks(self.accepted, marks))
        own_marks = [chunk_marks for _, chunk_marks in chunks]
        sizes = [
            feed_chunk_size(span.line_bytes[keep], chunk_marks, annotate=annotate)
            for span, keep, chunk_marks in zip(spans, self.accepted, own_marks, strict=True)
        ]
        offsets = list(itertools.accumulate(sizes, initial=0))
        # The whole size at once: the chunks are written in any order, the last ones may be
        # empty.
        stream.truncate(offsets.pop())
        work = list(zip(spans, self.accepted, own_marks, offsets, sizes, strict=True))
        # A few runs of chunks per worker: enough to share the work out evenly, few enough
        # that handing them out costs nothing.
        runs = np.array_split(np.arange(len(work)), FEED_RUNS_PER_WORKER * executor.jobs)
        parts = [[work[k] for k in run.tolist()] for run in runs if len(run)]
        return all(list(executor.map(write_feed_chunks, parts, annotate, path)))

    def close(self) -> None:
        """Stop the run's worker processes and remove the spool of standard input, if any."""
        if self.executor is not None:
            self.executor.close()
        self.source.files.close()

    def __enter__(self) -> StreamResult:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def template_report(self) -> TemplateReport:
        if self.removals is None:
            raise ValueError("template removals are kept only when the run is asked to explain")
        return self.removals


FEED_RUNS_PER_WORKER = 4
"""Runs of chunks each worker writes of the feed (:meth:`StreamResult.write_feed`)."""


def _chunk_marks(
    accepted: list[np.ndarray], marks: dict[int, Mark]
) -> Iterator[tuple[int, dict[int, Mark]]]:
    """How many of the run's articles each chunk holds, and their marks by position among
    them: the chunk's share of the marked positions, found by bisection rather than by
    looking up every article."""
    marked = sorted(marks)
    start = first = 0
    for keep in accepted:
        count = int(np.count_nonzero(keep))
        last = bisect.bisect_left(marked, start + count, first)
        yield count, {position - start: marks[position] for position in marked[first:last]}
        start, first = start + count, last


def _executor(config: DedupConfig) -> ChunkExecutor:
    return ChunkExecutor(resolve_jobs(config.jobs))


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
    articles = list(articles)
    with _executor(config) as executor:
        outcome = run(
            ArticleList(articles, config.chunk_size),
            config,
            executor,
            progress=progress,
            keep_cleaned=True,
        )
    return DedupResult(
        articles=articles,
        cleaned=outcome.cleaned or [],
        **_common(outcome, config),
    )


def find_duplicates_in_files(
    inputs: Iterable[str | Path],
    config: DedupConfig | None = None,
    *,
    fields: FieldMap | None = None,
    on_error: OnError = "stop",
    stdin: BinaryIO | None = None,
    explain: bool = False,
    progress: Progress | None = None,
) -> StreamResult:
    """:func:`find_duplicates` over input files, streamed in chunks with bounded memory.

    The inputs are read once to find the copies (standard input is spooled to a temporary
    file): to count template blocks, keep each article's id, date and length, and write its
    normalized text to a temporary file, from which each article's signature is computed and
    the articles in candidate pairs are read back. Per article, a run holds its MinHash
    signature and those few figures; the related-story search (``config.verify.related``) also
    holds the run's sparse TF-IDF matrix. Call :meth:`StreamResult.records` (before the inputs
    change) to stream the records again, and :meth:`StreamResult.close` (or use it as a context
    manager) to stop its worker processes.

    Args:
        inputs: as :func:`dedup.ingest.read_articles` takes them.
        config: every parameter.
        fields: input field names of each attribute.
        on_error: ``"stop"`` raises at the first bad record; ``"skip"`` leaves bad records out
            and lists their messages in :attr:`StreamResult.skipped`.
        stdin: the stream read for ``"-"`` (``sys.stdin.buffer`` by default).
        explain: keep what template removal took out (:meth:`StreamResult.template_report`).
        progress: receives per-stage progress.

    Raises:
        InputError: as :func:`dedup.ingest.read_articles` raises it.
    """
    config = config or DedupConfig()
    if on_error not in ("stop", "skip"):
        raise InputError(f"on_error must be 'stop' or 'skip'; got {on_error!r}")
    files = InputFiles(inputs, stdin=stdin, chunk_size=config.chunk_size)
    source = RecordFiles(files, fields or FieldMap())
    executor = _executor(config)
    try:
        outcome = run(
            source, config, executor, progress=progress, on_error=on_error, explain=explain
        )
    except BaseException:
        executor.close()
        files.close()
        raise
    return StreamResult(
        executor=executor,
        skipped=outcome.catalog.skipped,
        source=source,
        accepted=outcome.catalog.accepted,
        spans=outcome.catalog.spans,
        titles=outcome.titles,
        removals=outcome.template_report,
        **_common(outcome, config),
    )


def _common(outcome: RunOutcome, config: DedupConfig) -> dict[str, Any]:
    return {
        "ids": outcome.catalog.ids,
        "matches": outcome.matches,
        "duplicate_clusters": outcome.duplicate_clusters,
        "related_clusters": outcome.related_clusters,
        "lsh": outcome.lsh,
        "candidates": outcome.candidates,
        "config": config,
        "timings": outcome.timings,
        "related_searched": outcome.related_searched,
    }
