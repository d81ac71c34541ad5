"""The work each pass over a run's articles does on one chunk, in a worker process.

A run passes over its articles (:mod:`dedup.pipeline`) in chunks, and each chunk's work is a
function here: :func:`scan_batch` (pass 1: parse, normalize, template statistics, what
clustering needs, and each article's :class:`dedup.records.ArticleRecord` for the run's spill),
:func:`sketch_batch` (pass 2, over the spill: template removal, shingles, MinHash signatures,
term counts), :func:`verify_batch` (verification of a chunk of candidate pairs, over the spill)
and :func:`render_batch` (the deduplicated feed). Each depends on its chunk alone and returns
compact arrays (:func:`scan_batch` also appends the chunk's records to its process's spill
file), so chunks can go to any worker in any order and the run's result does not depend on
how many there are.
"""

from __future__ import annotations

import itertools
import json
import os
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import overload

import numpy as np

from .boilerplate import (
    CleanedArticle,
    TemplateReport,
    chunk_keys,
    normalize_blocks,
)
from .config import DedupConfig
from .errors import InputError
from .executor import Shared
from .ingest import FieldMap, LineSpan, RecordChunk, parse_chunk
from .normalize import normalize_texts
from .records import RecordColumns, pack_record
from .report import Mark, feed_chunk, feed_line, feed_record, jsonl_line
from .shingle import make_shingle_batch, word_batch
from .signature import compute_signature_batch
from .spill import SpillIndex, SpillPart, read_records, write_records
from .terms import (
    TermChunk,
    TermFrequencies,
    count_terms,
    count_words,
    document_frequencies,
)
from .tfidf import TfidfWeights, own_titles, pair_cosines
from .types import Article, ArticleId, Match
from .verify import verify_pairs

NO_DATE = np.iinfo(np.int64).max
"""``published`` of an article without a date: after every date (``--keep earliest``)."""
_MICROSECOND = timedelta(microseconds=1)


@dataclass
class Batch:
    """A chunk of a run's articles as a worker receives it: the articles themselves, or the
    records of an input, parsed in the worker.

    Attributes:
        articles: articles given in memory (:func:`dedup.find_duplicates`)...
        records: ... or records read from an input (a later pass sends only the run's
            articles, no bad records).
        fields: input field names, for records.
    """

    articles: list[Article] | None = None
    records: RecordChunk | None = None
    fields: FieldMap = field(default_factory=FieldMap)

    def load(self) -> list[Article | InputError]:
        if self.records is not None:
            return parse_chunk(self.records, self.fields)
        return list(self.articles or [])

    def load_articles(self) -> list[Article]:
        """The batch's articles, which an earlier pass found good."""
        loaded = self.load()
        bad = [item for item in loaded if isinstance(item, InputError)]
        if bad:  # the input changed since the first pass
            raise InputError(f"{bad[0]} (the input changed while it was read)")
        return loaded  # type: ignore[return-value]


def published_order(when: datetime | None) -> int:
    """A publication time as an exact integer (microseconds since year 1, UTC), for sorting.
    A time without a zone is taken as UTC, as :func:`dedup.ingest.parse_published` takes it."""
    if when is None:
        return int(NO_DATE)
    if when.tzinfo is not None:  # articles made by a library caller may carry a zone
        when = when.astimezone(UTC).replace(tzinfo=None)
    return (when - datetime.min) // _MICROSECOND


@dataclass
class Scan:
    """Pass 1 over a chunk: which records are articles, and what the run keeps of each.

    ``errors`` and ``parsed`` are positions among the batch's records; the other fields hold
    one entry per parsed article, in order.
    """

    errors: list[tuple[int, str]]
    parsed: list[int]
    ids: list[ArticleId]
    origin_files: list[str]
    origin_file: np.ndarray
    origin_line: np.ndarray
    published: np.ndarray
    lengths: np.ndarray
    bodies: list[int]
    keys: np.ndarray
    offsets: np.ndarray
    spilled: SpillPart
    seconds: dict[str, float]

    def origin(self, article: int) -> str:
        """``file:line`` of one of the chunk's articles."""
        file = self.origin_files[self.origin_file[article]]
        return f"{file}:{self.origin_line[article]}"


def scan_batch(batch: Batch, spill: str, templates: bool, originals: bool = False) -> Scan:
    """Parse a chunk, count the template statistics of its articles (when ``templates``: each
    body's key and its distinct block keys, :class:`dedup.boilerplate.TemplateCounter`), and
    write what the later passes need of each article (:class:`ArticleRecord`) to the run's
    spill, so that they neither parse nor normalize the input again.

    Args:
        batch: the chunk.
        spill: the spill's directory (:func:`dedup.spill.write_records`).
        templates: compute block keys (template removal is on).
        originals: keep the blocks as written too (what template removal took out is shown
            as written: ``--explain``, the library's cleaned articles).
    """
    seconds: dict[str, float] = {}
    started = time.process_time()
    errors: list[tuple[int, str]] = []
    parsed: list[int] = []
    articles: list[Article] = []
    for position, item in enumerate(batch.load()):
        if isinstance(item, InputError):
            errors.append((position, str(item)))
        else:
            parsed.append(position)
            articles.append(item)
    seconds["read"] = time.process_time() - started

    started = time.process_time()
    blocks = [normalize_blocks(article.text) for article in articles]
    if templates:
        # Keys for the whole chunk at once, as arrays (chunk_keys): the per-article work of
        # hashing each block and finding an article's distinct keys was a sixth of this pass.
        keys = chunk_keys(
            [article.source for article in articles], [normalized for _, normalized in blocks]
        )
        bodies: list[int] = keys.bodies.tolist()
        # Each article's keys as a slice of the chunk's keys as bytes (ArticleRecord.pack).
        key_bytes = keys.keys.astype("<u8").tobytes()
        key_bounds = (keys.offsets * keys.keys.itemsize).tolist()
        article_keys = [key_bytes[start:stop] for start, stop in itertools.pairwise(key_bounds)]
        distinct, offsets = keys.distinct, keys.distinct_offsets
    else:
        bodies = []
        article_keys = [b""] * len(articles)
        distinct, offsets = np.zeros(0, dtype=np.uint64), np.zeros(1, dtype=np.int64)
    # The chunk's titles normalized together (normalize_texts): a call per title cost more.
    titles = normalize_texts([article.title for article in articles])
    packed = [
        pack_record(
            normalized,
            own_keys,
            article.title,
            title,
            original if originals else None,
        )
        for article, (original, normalized), own_keys, title in zip(
            articles, blocks, article_keys, titles, strict=True
        )
    ]
    seconds["templates"] = time.process_time() - started
    origin_files, origin_file, origin_line = _origins(batch, parsed, articles)
    return Scan(
        errors=errors,
        parsed=parsed,
        ids=[article.id for article in articles],
        origin_files=origin_files,
        origin_file=origin_file,
        origin_line=origin_line,
        published=np.array(
            [published_order(article.published) for article in articles], dtype=np.int64
        ),
        lengths=np.array([len(article.text) for article in articles], dtype=np.int64),
        bodies=bodies,
        keys=distinct,
        offsets=offsets,
        spilled=write_records(spill, packed),
        seconds=seconds,
    )


def _origins(
    batch: Batch, parsed: list[int], articles: list[Article]
) -> tuple[list[str], np.ndarray, np.ndarray]:
    """Where each article was read (``file:line``) as :class:`Scan` keeps it: the files once,
    and each article's file and line as arrays, which the main process keeps without a Python
    step per article."""
    chunk = batch.records
    if chunk is not None and chunk.files is None:  # one input file
        lines = np.asarray(chunk.line_numbers, dtype=np.int64)[np.asarray(parsed, dtype=np.int64)]
        return [chunk.name], np.zeros(len(parsed), dtype=np.int32), lines
    files: dict[str, int] = {}
    which, numbers = [], []
    for article in articles:  # files of a directory, or articles given in memory
        file, _, line = article.origin.rpartition(":")
        which.append(files.setdefault(file, len(files)))
        numbers.append(int(line) if line.isdigit() else 0)
    return list(files), np.asarray(which, dtype=np.int32), np.asarray(numbers, dtype=np.int64)


@dataclass(frozen=True)
class SketchOptions:
    """What pass 2 returns besides signatures and term counts.

    Attributes:
        related: what the related-story search needs: word counts, own titles and their words.
        cleaned: every article's cleaned body (the library's :class:`DedupResult` holds them).
        explain: the blocks template removal took out (``--explain``).
    """

    related: bool = False
    cleaned: bool = False
    explain: bool = False


@dataclass
class Sketch:
    """Pass 2 over a chunk: what the run keeps of each article's text (one row each)."""

    signatures: np.ndarray
    sizes: np.ndarray
    terms: TermChunk | TermFrequencies
    words: np.ndarray | None = None
    titled: np.ndarray | None = None
    title_terms: TermChunk | None = None
    cleaned: list[CleanedArticle] | None = None
    template_report: TemplateReport | None = None
    seconds: dict[str, float] = field(default_factory=dict)


def sketch_batch(
    batch: SpillIndex, frequent: np.ndarray, config: DedupConfig, options: SketchOptions
) -> Sketch:
    """Template removal, shingles, MinHash signatures and term counts of a chunk of the run's
    articles, read from the spill pass 1 wrote (``batch``: where their records lie)."""
    seconds: dict[str, float] = {}
    started = time.process_time()
    records = RecordColumns(read_records(batch))
    cleaned = records.clean(frequent, config.boilerplate)
    texts = [article.text for article in cleaned]
    seconds["templates"] = time.process_time() - started

    started = time.process_time()
    # Word hashes serve both the word shingles and the term counts.
    words = word_batch(texts)
    shingles = make_shingle_batch(texts, config.shingle, words)
    seconds["shingles"] = time.process_time() - started
    started = time.process_time()
    signatures = compute_signature_batch(shingles, config.lsh)
    seconds["signatures"] = time.process_time() - started

    started = time.process_time()
    sketch = Sketch(
        signatures=signatures.hashvalues,
        sizes=shingles.sizes,
        # Without the related-story search the run keeps document frequencies only.
        terms=count_words(words) if options.related else document_frequencies(words),
        cleaned=cleaned if options.cleaned else None,
        template_report=TemplateReport().add(cleaned) if options.explain else None,
    )
    if options.related:
        titles = records.normalized_titles
        titled = own_titles(titles, texts)
        sketch.words = words.sizes
        sketch.titled = titled
        sketch.title_terms = count_terms(
            [title if has else "" for title, has in zip(titles, titled, strict=True)],
            letters_only=True,
        )
    seconds["tfidf"] = time.process_time() - started
    sketch.seconds = seconds
    return sketch


@dataclass
class PairBatch:
    """A chunk of candidate pairs, and where to find what verification needs of their articles.

    Attributes:
        pairs: ``(m, 2)`` run positions, ``a < b``, sorted by ``(a, b)``.
        positions: the run positions of the articles the pairs refer to, sorted.
        records: where those articles' records lie in the run's spill, in that order.
        frequent: the run's template keys (shared with the workers), to clean the bodies.
        cosines: TF-IDF cosine of each pair, when the run holds the TF-IDF matrix...
        weights: ... or what makes the articles' TF-IDF vectors from their texts
            (:meth:`dedup.tfidf.TfidfReranker.weights`), shared with the workers.
    """

    pairs: np.ndarray
    positions: np.ndarray
    records: SpillIndex
    frequent: Shared
    cosines: np.ndarray | None
    weights: Shared | None
    config: DedupConfig


def verify_batch(batch: PairBatch) -> tuple[list[Match], float]:
    """The accepted pairs of a chunk (run positions), and the seconds it took."""
    started = time.process_time()
    config = batch.config
    local = np.searchsorted(batch.positions, batch.pairs)
    records = RecordColumns(read_records(batch.records))
    frequent = batch.frequent.get()
    texts = [article.text for article in records.clean(frequent, config.boilerplate)]
    words = word_batch(texts) if config.shingle.kind == "word" else None
    cosines = batch.cosines
    if cosines is None and batch.weights is not None:
        # The run kept no TF-IDF matrix: the articles' vectors are made again from their texts.
        weights: TfidfWeights = batch.weights.get()
        if words is None:
            words = word_batch(texts)
        vectors = weights.vectors_of_words(words)
        cosines = pair_cosines(vectors, local[:, 0], local[:, 1])
    shingles = make_shingle_batch(texts, config.shingle, words)
    matches = verify_pairs(
        list(zip(local[:, 0].tolist(), local[:, 1].tolist(), strict=True)),
        texts=texts,
        bodies=_Blocks(records),
        titles=records.normalized_titles,
        shingles=shingles.to_list(),
        cosines=cosines,
        config=config.verify,
    )
    positions = batch.positions.tolist()
    found = [
        Match(
            positions[m.a],
            positions[m.b],
            m.relation,
            m.jaccard,
            m.containment_ab,
            m.containment_ba,
            m.cosine,
            m.title_similarity,
        )
        for m in matches
    ]
    return found, time.process_time() - started


class _Blocks(Sequence[list[str]]):
    """Each article's normalized blocks, split when asked for: verification reads the blocks
    only of the pairs that would be duplicates."""

    def __init__(self, records: RecordColumns) -> None:
        self._records = records

    def __len__(self) -> int:
        return len(self._records)

    @overload
    def __getitem__(self, position: int) -> list[str]: ...
    @overload
    def __getitem__(self, position: slice) -> list[list[str]]: ...
    def __getitem__(self, position: int | slice) -> list[str] | list[list[str]]:
        if isinstance(position, slice):
            return [self[i] for i in range(*position.indices(len(self)))]
        return self._records.blocks(position)


def render_batch(work: tuple[Batch, int, dict[int, Mark]], annotate: bool) -> list[bytes]:
    """The deduplicated feed of a chunk of ``count`` records, UTF-8, in pieces of whole lines:
    its records with their marks (by position among the chunk's records; a record without one
    has none). JSON lines are extended as read (:func:`dedup.report.feed_line`, all at once:
    :func:`dedup.report.feed_chunk`); other records, and the lines of a chunk that cannot all
    be, are parsed and written again (:func:`dedup.report.feed_record`).

    Raises:
        InputError: the chunk no longer holds ``count`` records.
    """
    batch, count, marks = work
    if batch.records is not None and batch.records.lines is not None:
        _check_count(batch.records.lines, count, batch.records.name)
        return _render_lines(batch.records.lines, marks, annotate)
    records = [article.record for article in batch.load_articles()]
    _check_count(records, count, batch.records.name if batch.records else "the articles")
    return [
        jsonl_line(record).encode()
        for position, original in enumerate(records)
        if (record := feed_record(original, marks.get(position), annotate=annotate)) is not None
    ]


FeedChunk = tuple[LineSpan, np.ndarray, dict[int, Mark], int, int]
"""A chunk of JSON lines to render into the deduplicated feed (:func:`write_feed_chunks`): its
span, which of its lines are records of the run, their marks by position among those records,
and the offset and size of its place in the feed."""


def write_feed_chunks(chunks: Sequence[FeedChunk], annotate: bool, path: str) -> bool:
    """Write the deduplicated feed of chunks of JSON lines into the file at ``path``, each at
    the place the main process set aside for it, reading their lines here from their spans of
    the input: the records marked among each chunk's lines, with their marks, as
    :func:`render_batch` renders them. ``False`` at the first chunk whose feed takes other
    than the bytes set aside for it (:func:`dedup.report.feed_chunk_size`), which is not
    written.

    The workers read, render and write the feed themselves, so that it is made in all of them
    and the main process neither reads the input again nor writes the feed: for 200k articles
    (298 MB) that took it 0.5-0.95 s at the end of a run, on one core; two workers take
    0.3-0.45 s. Each worker takes a run of many chunks, so that it never waits for the
    main process (which writes the other outputs meanwhile) to hand it the next one.

    Raises:
        InputError: a span no longer holds its chunk's lines.
    """
    handle = os.open(path, os.O_WRONLY)
    try:
        return all(_write_feed_chunk(handle, chunk, annotate) for chunk in chunks)
    finally:
        os.close(handle)


def _write_feed_chunk(handle: int, chunk: FeedChunk, annotate: bool) -> bool:
    span, keep, marks, offset, size = chunk
    lines = span.read_lines()
    if not keep.all():
        lines = list(itertools.compress(lines, keep.tolist()))
    pieces = _render_lines(lines, marks, annotate)
    if sum(map(len, pieces)) != size:
        return False
    data = memoryview(pieces[0] if len(pieces) == 1 else b"".join(pieces))
    written = 0
    while written < len(data):  # a write may take less than it is given
        written += os.pwrite(handle, data[written:], offset + written)
    return True


def _check_count(records: Sequence[object], count: int, name: str) -> None:
    if len(records) != count:
        raise InputError(f"{name}: the input changed while it was read")


def _render_lines(lines: list[bytes], marks: dict[int, Mark], annotate: bool) -> list[bytes]:
    feed = feed_chunk(lines, marks, annotate=annotate)
    if feed is not None:
        return [feed]
    return [
        line
        for position, raw in enumerate(lines)
        if (line := _feed_line(raw, marks.get(position), annotate)) is not None
    ]


def _feed_line(raw: bytes, mark: Mark | None, annotate: bool) -> bytes | None:
    try:
        return feed_line(raw, mark, annotate=annotate)
    except ValueError:  # the first pass read every line of the run as UTF-8 JSON
        text = raw.decode("utf-8").removeprefix("\ufeff")
        record = feed_record(json.loads(text), mark, annotate=annotate)
        return None if record is None else jsonl_line(record).encode()
