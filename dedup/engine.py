"""The passes of a run over its articles, in chunks, with bounded memory (issue 5).

A run never needs every article's text at once:

1. **scan**: parse each chunk, check ids, normalize each body's blocks and count them per
   source (64-bit keys, once per distinct body), and keep what clustering and the output need
   of each article (id, publication time, length); each article's normalized blocks, their
   keys and its title go to a temporary file (:class:`~dedup.spill.Spill`), so the input is
   parsed and normalized once;
2. **sketch**, over that file: clean each chunk with the run's template set, shingle it and
   keep only the MinHash signatures and shingle counts, plus term counts for TF-IDF (every
   text's counts when the related-story search needs the TF-IDF matrix, else only document
   frequencies);
3. LSH candidates from the signatures; the related-story search over the TF-IDF matrix;
4. **verify** the candidates chunk by chunk: each worker reads the records of its chunk's
   articles from the spill; cluster.

Every chunk's work is a pure function in :mod:`dedup.passes`, mapped over the chunks by a
:class:`~dedup.executor.ChunkExecutor`, so the result is the same with any number of worker
processes. The articles come from an :class:`ArticleSource`: a list in memory
(:func:`dedup.find_duplicates`) or input files (:func:`dedup.find_duplicates_in_files`), read
once by the scan and again only to write the deduplicated feed; both give the same result for
the same articles.
"""

from __future__ import annotations

import bisect
import mmap
import time
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np
from scipy import sparse

from .boilerplate import CleanedArticle, TemplateCounter, TemplateReport
from .chunking import pair_chunks
from .cluster import cluster_duplicates, cluster_related, preference_rank
from .config import DedupConfig
from .errors import InputError
from .executor import ChunkExecutor, Shared
from .index import LSHParams, estimated_overlap, find_candidates
from .ingest import FieldMap, InputFiles, LineSpan, OnError
from .passes import (
    Batch,
    PairBatch,
    Scan,
    Sketch,
    SketchOptions,
    scan_batch,
    sketch_batch,
    verify_batch,
)
from .records import packed_title
from .signature import DEFAULT_SCHEME, SignatureBatch
from .spill import Spill, SpillIndex, read_records
from .terms import TermCounter
from .tfidf import (
    TfidfReranker,
    distinctive_columns,
    pair_cosines,
    pairs_at_least,
    story_graph,
)
from .types import Article, ArticleId, Cluster, Match

# Verification cannot make a pair a copy below a word-shingle containment of about 0.2 (an
# OCR-scanned copy keeps about a fifth of its word 3-grams; see verify's gates). The lowest
# estimate of an accepted pair was 0.30 on the syndication set and 0.28 on 50k synthetic
# articles, and realnews_combined's output is the same up to 0.25; at 0.2 verification gets
# half the pairs it got at 0.1, for the same output.
MIN_ESTIMATED_OVERLAP = 0.2


class Progress(Protocol):
    """Receives progress from long stages; the CLI draws it as a bar on stderr."""

    def start(self, stage: str, total: int | None) -> None: ...

    def advance(self, steps: int = 1) -> None: ...


class NoProgress:
    def start(self, stage: str, total: int | None) -> None:
        pass

    def advance(self, steps: int = 1) -> None:
        pass


class ArticleSource(Protocol):
    """A run's articles, chunk by chunk, as often as the run asks."""

    def batches(self, keep: Sequence[np.ndarray] | None = None) -> Iterator[Batch]:
        """Every chunk in input order; ``keep[k]`` marks which records of chunk ``k`` to
        process (``None``: all, in the first pass)."""
        ...

    def describe(self) -> str: ...


class ArticleList:
    """Articles held in memory, in chunks of ``chunk_size``."""

    def __init__(self, articles: Sequence[Article], chunk_size: int) -> None:
        self.articles = articles
        self.chunk_size = chunk_size

    def batches(self, keep: Sequence[np.ndarray] | None = None) -> Iterator[Batch]:
        for number, start in enumerate(range(0, len(self.articles), self.chunk_size)):
            part = self.articles[start : start + self.chunk_size]
            if keep is not None:  # only the kept articles travel to a worker
                part = [article for article, kept in zip(part, keep[number], strict=True) if kept]
            yield Batch(articles=list(part))

    def describe(self) -> str:
        return "the articles"


class RecordFiles:
    """Input files, read again for each pass over them and parsed in the workers."""

    def __init__(self, files: InputFiles, fields: FieldMap) -> None:
        self.files = files
        self.fields = fields

    def batches(self, keep: Sequence[np.ndarray] | None = None) -> Iterator[Batch]:
        for number, chunk in enumerate(self.files.chunks()):
            # Only the kept records travel to a worker (when all are, the chunk as read).
            if keep is not None and not (len(keep[number]) == len(chunk) and keep[number].all()):
                chunk = chunk.subset(keep[number])
            yield Batch(records=chunk, fields=self.fields)

    def describe(self) -> str:
        return self.files.describe()


@dataclass
class Catalog:
    """What pass 1 keeps of each article of the run (``n`` of them), in input order.

    Attributes:
        ids: each article's id.
        published: publication times as sortable integers.
        lengths: body lengths in characters.
        accepted: for each chunk, which of its records are articles of the run.
        skipped: messages of the records skipped as bad (``on_error="skip"``).
        frequent: the run's template block keys, sorted.
        spans: for each chunk, where its lines lie in its file (``None`` where they cannot be
            read again at an offset: :attr:`dedup.ingest.RecordChunk.span`).
    """

    ids: list[ArticleId]
    published: np.ndarray
    lengths: np.ndarray
    accepted: list[np.ndarray]
    skipped: list[str]
    frequent: np.ndarray
    spans: list[LineSpan | None] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.ids)


@dataclass
class RunOutcome:
    """Everything a run found, by position in the run."""

    catalog: Catalog
    matches: list[Match]
    duplicate_clusters: list[Cluster]
    related_clusters: list[Cluster]
    lsh: LSHParams
    candidates: int
    timings: dict[str, float]
    cleaned: list[CleanedArticle] | None = None
    template_report: TemplateReport | None = None
    titles: dict[int, str] = field(default_factory=dict)
    related_searched: bool = False


class _Timer:
    """Wall-clock seconds per stage. A pass that runs several stages in its workers splits
    its wall time among them in proportion to the workers' own time for each."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}

    @contextmanager
    def stage(self, name: str) -> Iterator[None]:
        started = time.perf_counter()
        yield
        self.add(name, time.perf_counter() - started)

    def add(self, name: str, seconds: float) -> None:
        self.seconds[name] = self.seconds.get(name, 0.0) + seconds

    @contextmanager
    def shared(self, work: dict[str, float]) -> Iterator[None]:
        """Time a pass; ``work`` is filled with the workers' seconds per stage meanwhile."""
        started = time.perf_counter()
        yield
        wall = time.perf_counter() - started
        total = sum(work.values())
        for name, seconds in work.items():
            self.add(name, wall * seconds / total if total > 0 else wall / len(work))


def run(
    source: ArticleSource,
    config: DedupConfig,
    executor: ChunkExecutor,
    *,
    progress: Progress | None = None,
    on_error: OnError | None = None,
    keep_cleaned: bool = False,
    explain: bool = False,
) -> RunOutcome:
    """Run every stage over ``source``.

    Args:
        source: the articles.
        config: every parameter.
        executor: runs the chunks' work.
        progress: receives per-stage progress.
        on_error: for records of input files: ``"stop"`` raises at the first bad record,
            ``"skip"`` skips it; ``None`` for articles already checked (ids not checked).
        keep_cleaned: return every article's cleaned body (:attr:`RunOutcome.cleaned`).
        explain: return what template removal took out (:attr:`RunOutcome.template_report`).

    Raises:
        InputError: a bad record with ``on_error="stop"``, or no articles in input files.
    """
    progress = progress or NoProgress()
    timer = _Timer()
    with Spill() as spill:
        work: dict[str, float] = {}
        with timer.shared(work):
            catalog = _scan(
                source, config, executor, progress, on_error, spill, keep_cleaned or explain, work
            )
        n = len(catalog)
        if n == 0 and on_error is not None:
            raise InputError(f"no articles found in {source.describe()}")
        return _run_on(
            catalog, config, executor, progress, timer, spill.index(), keep_cleaned, explain
        )


def searches_related(config: DedupConfig, articles: int) -> bool:
    """Whether a run of ``articles`` looks for related stories: asked for, and within
    ``related_max_articles`` (the search grows with the square of the run)."""
    limit = config.verify.related_max_articles
    return config.verify.related and (limit == 0 or articles <= limit)


def _run_on(
    catalog: Catalog,
    config: DedupConfig,
    executor: ChunkExecutor,
    progress: Progress,
    timer: _Timer,
    records: SpillIndex,
    keep_cleaned: bool,
    explain: bool,
) -> RunOutcome:
    n = len(catalog)
    related = searches_related(config, n)
    options = SketchOptions(related=related, cleaned=keep_cleaned, explain=explain)
    work: dict[str, float] = {}
    with timer.shared(work):
        sketched = _sketch(records, catalog, config, options, executor, progress, work)
    with timer.stage("candidates"):
        progress.start("LSH candidates", n)
        signatures = SignatureBatch(sketched.signatures, config.lsh.seed, DEFAULT_SCHEME)
        threads = executor.jobs
        pairs, lsh = find_candidates(signatures, sketched.sizes > 0, config.lsh, threads=threads)
        # A pair whose signatures say it shares too little to be a copy goes no further:
        # verification costs far more per pair than this estimate. Related pairs come from the
        # related-story search, not from these candidates, so none is lost.
        overlap = estimated_overlap(sketched.signatures, sketched.sizes, pairs, threads=threads)
        pairs = pairs[overlap >= MIN_ESTIMATED_OVERLAP]
        del signatures, sketched.signatures
        progress.advance(n)
    with timer.stage("tfidf"):
        reranker = TfidfReranker().fit_counts(sketched.text_counts)
        if hasattr(reranker, "matrix_"):  # the counts are in the TF-IDF matrix now
            sketched.text_counts.release_rows()
    stories = None
    if related:
        with timer.stage("related"):
            progress.start("related-story search", n)
            pairs, stories = _related(pairs, reranker, sketched, config, executor)
            progress.advance(n)
    # Only what verification and the result need is kept from here on.
    cleaned, template_report = sketched.cleaned, sketched.template_report
    del sketched
    with timer.stage("verify"):
        frequent = executor.share(catalog.frequent)
        matches = _verify(pairs, records, frequent, reranker, config, executor, progress)
    with timer.stage("clusters"):
        rank = preference_rank(catalog.published, catalog.lengths, config.keep)
        duplicates = cluster_duplicates(matches, rank)
        related_clusters = (
            cluster_related(stories, duplicates, rank, config.verify.story_threshold)
            if stories is not None
            else []
        )
    # The titles of the representatives, for the summary, from the spill.
    representatives = [cluster.representative for cluster in duplicates]
    packed = read_records(records.take(np.asarray(representatives, dtype=np.int64)))
    titles = [packed_title(data) for data in packed]
    return RunOutcome(
        catalog=catalog,
        matches=matches,
        duplicate_clusters=duplicates,
        related_clusters=related_clusters,
        related_searched=related,
        lsh=lsh,
        candidates=len(pairs),
        timings=timer.seconds,
        cleaned=cleaned,
        template_report=template_report,
        titles=dict(zip(representatives, titles, strict=True)),
    )


# --- Pass 1: scan --------------------------------------------------------------------------


def _scan(
    source: ArticleSource,
    config: DedupConfig,
    executor: ChunkExecutor,
    progress: Progress,
    on_error: OnError | None,
    spill: Spill,
    originals: bool,
    work: dict[str, float],
) -> Catalog:
    """Pass 1: the catalog of the run's articles, and each one's record in ``spill``."""
    progress.start("reading, template statistics", None)
    counter = TemplateCounter()
    checker = _IdChecker(on_error) if on_error is not None else None
    ids: list[ArticleId] = []
    published: list[np.ndarray] = []
    lengths: list[np.ndarray] = []
    accepted: list[np.ndarray] = []
    spans: list[LineSpan | None] = []
    enabled = config.boilerplate.enabled
    batches = _noting_spans(source.batches(), spans, ship_spans=executor.jobs > 1)
    for scan in executor.map(scan_batch, batches, spill.directory, enabled, originals):
        for name, seconds in scan.seconds.items():
            work[name] = work.get(name, 0.0) + seconds
        records = len(scan.errors) + len(scan.parsed)
        chosen = (
            checker.check(scan, len(ids)) if checker is not None else list(range(len(scan.ids)))
        )
        keep = np.zeros(records, dtype=bool)
        keep[np.asarray(scan.parsed, dtype=np.int64)[chosen]] = True
        accepted.append(keep)
        ids.extend(scan.ids[j] for j in chosen)
        spill.add(scan.spilled, chosen)
        published.append(scan.published[chosen])
        lengths.append(scan.lengths[chosen])
        if enabled:
            selected = np.zeros(len(scan.ids), dtype=bool)
            selected[chosen] = True
            keys = scan.keys[np.repeat(selected, np.diff(scan.offsets))]
            offsets = np.zeros(len(chosen) + 1, dtype=np.int64)
            np.cumsum(np.diff(scan.offsets)[selected], out=offsets[1:])
            counter.add([scan.bodies[j] for j in chosen], keys, offsets)
        progress.advance(len(chosen))
    return Catalog(
        ids=ids,
        published=_concatenate(published, np.int64),
        lengths=_concatenate(lengths, np.int64),
        accepted=accepted,
        skipped=checker.skipped if checker is not None else [],
        frequent=counter.frequent(config.boilerplate.min_docs)
        if enabled
        else np.zeros(0, dtype=np.uint64),
        spans=spans,
    )


def _noting_spans(
    batches: Iterable[Batch], spans: list[LineSpan | None], *, ship_spans: bool
) -> Iterator[Batch]:
    """``batches``, appending each one's span to ``spans`` as it is read; with ``ship_spans``
    (worker processes), a chunk with a span goes to its worker without its lines, which the
    worker reads from the file itself."""
    for batch in batches:
        spans.append(batch.records.span if batch.records is not None else None)
        if ship_spans and batch.records is not None:
            batch = Batch(records=batch.records.shipped_as_span(), fields=batch.fields)
        yield batch


class _IdChecker:
    """Turns a chunk's records into the run's articles in input order: bad records stop the
    run or are skipped, and an id used twice is a bad record that names both places.

    It remembers where each article was read, for that message, as compactly as it can: per
    chunk, the files' names once and each article's line number.
    """

    def __init__(self, on_error: OnError) -> None:
        self.on_error = on_error
        self.skipped: list[str] = []
        self._first_seen: dict[ArticleId, int] = {}
        self._starts: list[int] = []
        self._files: list[list[str]] = []
        self._which: list[np.ndarray] = []
        self._lines: list[np.ndarray] = []

    def check(self, scan: Scan, start: int) -> list[int]:
        """The positions in ``scan.ids`` of the chunk's articles of the run."""
        ids = scan.ids
        if (
            not scan.errors
            and len(set(ids)) == len(ids)
            and self._first_seen.keys().isdisjoint(ids)
        ):
            # Every record an article, every id new: the common chunk, without a Python step
            # per record.
            self._first_seen.update(zip(ids, range(start, start + len(ids)), strict=True))
            chosen = list(range(len(ids)))
        else:
            chosen = self._check_each(scan, start)
        self._starts.append(start)
        self._files.append(scan.origin_files)
        self._which.append(scan.origin_file[chosen])
        self._lines.append(scan.origin_line[chosen])
        return chosen

    def _check_each(self, scan: Scan, start: int) -> list[int]:
        errors = dict(scan.errors)
        chosen: list[int] = []
        parsed = iter(range(len(scan.parsed)))
        for position in range(len(scan.errors) + len(scan.parsed)):
            if position in errors:
                self._reject(errors[position])
                continue
            j = next(parsed)
            article_id = scan.ids[j]
            earlier = self._first_seen.get(article_id)
            if earlier is not None:
                where = (
                    scan.origin(chosen[earlier - start])
                    if earlier >= start
                    else self._origin(earlier)
                )
                self._reject(
                    f"{scan.origin(j)}: duplicate id {article_id!r}, already used at {where}"
                )
                continue
            self._first_seen[article_id] = start + len(chosen)
            chosen.append(j)
        return chosen

    def _reject(self, message: str) -> None:
        if self.on_error == "stop":
            raise InputError(message)
        self.skipped.append(message)

    def _origin(self, position: int) -> str:
        chunk = bisect.bisect_right(self._starts, position) - 1
        at = position - self._starts[chunk]
        return f"{self._files[chunk][self._which[chunk][at]]}:{self._lines[chunk][at]}"


def _concatenate(parts: list[np.ndarray], dtype: type) -> np.ndarray:
    return np.concatenate(parts) if parts else np.zeros(0, dtype=dtype)


# --- Pass 2: sketch ------------------------------------------------------------------------


@dataclass
class _Sketched:
    signatures: np.ndarray
    sizes: np.ndarray
    text_counts: TermCounter
    words: np.ndarray | None
    titled: np.ndarray | None
    title_counts: TermCounter | None
    cleaned: list[CleanedArticle] | None
    template_report: TemplateReport | None


def _sketch(
    records: SpillIndex,
    catalog: Catalog,
    config: DedupConfig,
    options: SketchOptions,
    executor: ChunkExecutor,
    progress: Progress,
    work: dict[str, float],
) -> _Sketched:
    """Pass 2, over the records pass 1 spilled, in chunks of ``config.chunk_size``."""
    n = len(catalog)
    progress.start("shingles, signatures", n)
    out = _Sketched(
        signatures=_array_in_small_pages((n, config.lsh.num_perm), np.uint32),
        sizes=np.empty(n, dtype=np.int64),
        text_counts=TermCounter(keep_rows=options.related),
        words=np.empty(n, dtype=np.int64) if options.related else None,
        titled=np.empty(n, dtype=bool) if options.related else None,
        title_counts=TermCounter() if options.related else None,
        cleaned=[] if options.cleaned else None,
        template_report=TemplateReport() if options.explain else None,
    )
    start = 0
    size = max(1, config.chunk_size)
    batches = (records.take(np.arange(at, min(at + size, n))) for at in range(0, n, size))
    for sketch in executor.map(sketch_batch, batches, catalog.frequent, config, options):
        stop = start + len(sketch.sizes)
        _store(out, sketch, start, stop)
        for name, seconds in sketch.seconds.items():
            work[name] = work.get(name, 0.0) + seconds
        progress.advance(stop - start)
        start = stop
    return out


def _array_in_small_pages(shape: tuple[int, int], dtype: type) -> np.ndarray:
    """A zeroed array in memory of its own, mapped without the advice to use huge pages that
    numpy gives its arrays of 4 MB and more.

    The run's signatures are written a chunk at a time as the workers finish, each chunk's
    rows onto pages never touched before. Where the kernel compacts memory to find a huge page
    on such a fault (transparent huge pages on ``madvise``, its default), that cost 0.5 s of the
    main process for the 100 MB of a 200k run here, against 0.06 s in 4 KB pages.
    """
    count = shape[0] * shape[1]
    buffer = mmap.mmap(-1, max(1, count * np.dtype(dtype).itemsize))
    return np.frombuffer(buffer, dtype=dtype, count=count).reshape(shape)


def _store(out: _Sketched, sketch: Sketch, start: int, stop: int) -> None:
    out.signatures[start:stop] = sketch.signatures
    out.sizes[start:stop] = sketch.sizes
    out.text_counts.add(sketch.terms)
    if out.words is not None and sketch.words is not None:
        out.words[start:stop] = sketch.words
    if out.titled is not None and sketch.titled is not None:
        out.titled[start:stop] = sketch.titled
    if out.title_counts is not None and sketch.title_terms is not None:
        out.title_counts.add(sketch.title_terms)
    if out.cleaned is not None and sketch.cleaned is not None:
        out.cleaned.extend(sketch.cleaned)
    if out.template_report is not None and sketch.template_report is not None:
        out.template_report.merge(sketch.template_report)


# --- The related-story search --------------------------------------------------------------


def _related(
    pairs: np.ndarray,
    reranker: TfidfReranker,
    sketched: _Sketched,
    config: DedupConfig,
    executor: ChunkExecutor,
) -> tuple[np.ndarray, sparse.csr_matrix]:
    """The candidates with the related pairs added, and the story graph."""
    verify = config.verify
    # One pass over all pairs gives both the related pairs to verify and the story graph.
    lowest = min(
        verify.related_threshold, verify.story_edge_threshold, verify.short_story_edge_threshold
    )
    graph = reranker.graph(lowest, executor)
    related = pairs_at_least(graph, verify.related_threshold)
    if sketched.title_counts is None or sketched.titled is None or sketched.words is None:
        raise ValueError("the sketch pass ran without the related-story options")
    stories = story_graph(
        graph,
        titled=sketched.titled,
        title_terms=distinctive_columns(sketched.title_counts, verify.distinctive_share),
        words=sketched.words,
        text_terms=reranker.distinctive_terms(verify.distinctive_share),
        config=verify,
    )
    return _union(pairs, related, len(sketched.sizes)), stories


def _union(first: np.ndarray, second: np.ndarray, n: int) -> np.ndarray:
    """The distinct pairs of two ``(m, 2)`` arrays, sorted by ``(a, b)``."""
    codes = np.union1d(first[:, 0] * n + first[:, 1], second[:, 0] * n + second[:, 1])
    return np.column_stack([codes // n, codes % n]).astype(np.int64)


# --- Pass 3: prepare -----------------------------------------------------------------------


# --- Verification --------------------------------------------------------------------------

PAIRS_PER_ARTICLE_CHUNK = 5
"""Candidate pairs per verification chunk, per article of an article chunk."""


def _verify(
    pairs: np.ndarray,
    records: SpillIndex,
    frequent: Shared,
    reranker: TfidfReranker,
    config: DedupConfig,
    executor: ChunkExecutor,
    progress: Progress,
) -> list[Match]:
    """Verify the candidate pairs in chunks. Each chunk carries where its articles' records lie
    in the spill; the workers read them from there, so the run never holds the texts."""
    progress.start("verifying", len(pairs))
    cosines = None
    weights = None
    if hasattr(reranker, "matrix_"):
        cosines = pair_cosines(reranker.matrix_, pairs[:, 0], pairs[:, 1])
    else:  # the workers make the vectors of their chunk's articles from their texts
        weights = executor.share(reranker.weights())
    size = max(1, config.chunk_size * PAIRS_PER_ARTICLE_CHUNK)
    chunks = pair_chunks(pairs, size)
    batches = (
        _pair_batch(pairs, chosen, cosines, weights, records, frequent, config) for chosen in chunks
    )
    matches: list[Match] = []
    for chosen, (found, _seconds) in zip(chunks, executor.map(verify_batch, batches), strict=True):
        matches.extend(found)
        progress.advance(len(chosen))
    # Chunks hold the pairs in another order; each pair's verdict does not depend on its chunk.
    matches.sort(key=lambda match: (match.a, match.b))
    return matches


def _pair_batch(
    pairs: np.ndarray,
    chosen: np.ndarray,
    cosines: np.ndarray | None,
    weights: Shared | None,
    records: SpillIndex,
    frequent: Shared,
    config: DedupConfig,
) -> PairBatch:
    """The pairs ``chosen``, sorted by ``(a, b)`` as verify_pairs takes them."""
    chosen = chosen[np.lexsort((pairs[chosen, 1], pairs[chosen, 0]))]
    positions = np.unique(pairs[chosen].ravel())
    return PairBatch(
        pairs=pairs[chosen],
        positions=positions,
        records=records.take(positions),
        frequent=frequent,
        cosines=None if cosines is None else cosines[chosen],
        weights=weights,
        config=config,
    )


__all__ = ["ArticleList", "ArticleSource", "Catalog", "RecordFiles", "RunOutcome", "run"]
