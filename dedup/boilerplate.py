"""Template and boilerplate removal: text blocks that recur across a run's articles.

Scraped pages carry their site's template (paywall prompts, newsletter pitches, teasers of other
stories), so two different stories from one site share much of their text. Blocks that recur in
many distinct articles of one source are that template; they are kept out of the shingles before
any similarity is computed, so only the story itself is compared.

A block is a line, or a paragraph of a hard-wrapped wire text (Reuters wraps at 70 columns, and
its wrapped fragments such as "said." recur everywhere without being a template).
"""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from hashlib import blake2b

import numpy as np

from .config import BoilerplateConfig
from .normalize import fold_text, join_hyphenated
from .shingle import segment_hashes, text_hashes
from .types import Article

# What " ".join(block.split()) changes inside a block of a text folded by fold_text: a space
# other than a blank, a run of blanks. (A blank at a block's edge is looked for block by block:
# searching the text for a line feed next to a blank cost 10 µs in a text of 3,000 characters.)
_IRREGULAR_SPACES = ("\t", "\x1f", "\u1680", "  ")
# A line repeated inside one article is a prompt ("Subscribe now", "Need to access the
# insight?"), not prose, when it is this short.
_MAX_REPEATED_PROMPT_WORDS = 40


@dataclass(frozen=True)
class CleanedArticle:
    """An article's body with its template blocks removed.

    Attributes:
        text: the normalized body that similarity is computed on.
        removed: the original blocks that were recognised as template, in order.
    """

    text: str
    removed: tuple[str, ...]


def split_blocks(text: str) -> list[str]:
    """Split a body into blocks: lines, or paragraphs when the text is hard-wrapped."""
    lines = join_hyphenated(text).splitlines()
    stripped = list(map(str.strip, lines))
    if not _looks_hard_wrapped(lines, stripped):
        return list(filter(None, stripped))
    return _paragraphs(lines, stripped)


def _paragraphs(lines: list[str], stripped: list[str]) -> list[str]:
    """The paragraphs of a hard-wrapped text: its lines (``stripped``) joined by a blank, up to
    a blank line or an indented one (one that ``^[ \\t]+\\S`` matches)."""
    blocks: list[str] = []
    current: list[str] = []
    for line, content in zip(lines, stripped, strict=True):
        # A line strip() returns as it is has content and no leading blank: most lines, and
        # this identity test is all they cost. A line with a leading blank or tab is indented
        # when what follows its blanks and tabs is not some other space: the same test as the
        # regular expression, and cheaper (the loop takes a sixth less time).
        if content is line and content:
            current.append(content)
        elif not content or (line[0] in " \t" and line.lstrip(" \t")[0] == content[0]):
            if current:
                blocks.append(" ".join(current))
            current = [content] if content else []
        else:
            current.append(content)
    if current:
        blocks.append(" ".join(current))
    return blocks


def _looks_hard_wrapped(lines: list[str], stripped: list[str]) -> bool:
    """Wire copy wrapped at a fixed width: many lines, nearly all of them short."""
    # The lengths of the lines with content, counted without a Python step per line.
    filled = list(itertools.compress(map(len, lines), stripped))
    if len(filled) < 4:
        return False
    longest = max(filled)
    if longest <= 80:  # all short: most wire copy, which needs no count (a third faster)
        return True
    if longest > 100:  # most web text: a paragraph per line
        return False
    short = sum(map((80).__ge__, filled))
    return short >= 0.9 * len(filled)


def normalize_blocks(text: str) -> tuple[list[str], list[str]]:
    """A body's blocks as written and normalized (:func:`dedup.normalize.normalize_text`).

    An ASCII body's blocks are lowered one by one (nothing else changes ASCII). The blocks of
    any other are normalized joined by line feeds, as one text, and split again: normalizing
    each block on its own (splitting its words to collapse its spaces) was 11 of the 24 µs
    this took per article. No step makes or removes a line feed, and none looks across one
    (NFKC composes nothing with a line feed), so each block comes out as normalize_text makes
    it. Only a block with a run of spaces or a space at its edge still has its words split
    and joined again.
    """
    original = split_blocks(text)
    if not original:
        return original, []
    if text.isascii():
        # Lowered joined by line feeds, which no block holds, and split again: 1 µs where a
        # call per block took 2.7.
        lowered = "\n".join(original).lower()
        normalized = lowered.split("\n")
        # Blocks are stripped lines, so the only spaces str.split collapses are tabs, unit
        # separators and runs of blanks (the other ASCII spaces split lines). Tabs and unit
        # separators are looked for in the body (faster, and a tab outside any block costs
        # only the slower way to the same blocks), runs of blanks in the joined blocks (a line
        # feed ends any run): one search where a call per block took 2.9 µs.
        irregular = "\t" in text or "\x1f" in text or "  " in lowered
    else:
        folded = fold_text("\n".join(original))
        normalized = folded.split("\n")
        # Of the spaces other than a blank, folding leaves only those it was given, and of
        # those a block can hold only these three (the others split lines). NFKC makes a
        # blank of some characters (and a combining mark), so a block may start with one.
        irregular = (
            any(map(folded.__contains__, _IRREGULAR_SPACES))
            or any(map(str.startswith, normalized, itertools.repeat(" ")))
            or any(map(str.endswith, normalized, itertools.repeat(" ")))
        )
    if irregular:
        return original, [" ".join(block.split()) for block in normalized]
    return original, normalized


@dataclass(frozen=True)
class ChunkKeys:
    """The template keys of a chunk of articles (:func:`chunk_keys`), stored flat.

    Attributes:
        keys: every block's key (:func:`block_keys`), article after article; article ``i``'s
            are ``keys[offsets[i]:offsets[i + 1]]``, in the order of its blocks.
        offsets: ``len(articles) + 1`` offsets into ``keys``.
        bodies: each article's :func:`body_key`.
        distinct: each article's distinct keys, sorted, article after article (what
            :meth:`TemplateCounter.add` counts); article ``i``'s are
            ``distinct[distinct_offsets[i]:distinct_offsets[i + 1]]``.
        distinct_offsets: ``len(articles) + 1`` offsets into ``distinct``.
    """

    keys: np.ndarray
    offsets: np.ndarray
    bodies: np.ndarray
    distinct: np.ndarray
    distinct_offsets: np.ndarray

    def split(self) -> list[np.ndarray]:
        """Each article's block keys (views of ``keys``)."""
        # Slices of a list of offsets: np.split costs a few times more per article.
        return [self.keys[start:stop] for start, stop in itertools.pairwise(self.offsets.tolist())]


def chunk_keys(sources: Sequence[str | None], blocks: Sequence[Sequence[str]]) -> ChunkKeys:
    """The template keys of a chunk of articles, all at once: each normalized block's key, each
    body's key and each article's distinct keys.

    Template statistics are kept as 64-bit keys rather than as the blocks themselves, so that a
    run holds eight bytes per distinct block and ships arrays between processes. A block's key
    is a polynomial hash of its bytes, mixed with its length and its source's salt
    (:func:`dedup.shingle.text_hashes`), so the same block in another source has another key.
    It is computed for the chunk's blocks together as arrays, not with BLAKE2b: a call per
    block, and a numpy call per article to find its distinct keys, cost about a sixth of the
    first pass. The keys are deterministic (no Python ``hash``, which is salted per process),
    so every process agrees on them; nothing keeps them beyond the run.

    Args:
        sources: each article's source.
        blocks: each article's normalized blocks (:func:`normalize_blocks`).
    """
    counts = np.fromiter(map(len, blocks), dtype=np.int64, count=len(blocks))
    offsets = np.zeros(len(blocks) + 1, dtype=np.int64)
    np.cumsum(counts, out=offsets[1:])
    salts = _source_salts(sources)
    keys = text_hashes(list(itertools.chain.from_iterable(blocks)), np.repeat(salts, counts))
    distinct, distinct_offsets = _distinct_keys(keys, counts)
    return ChunkKeys(
        keys=keys,
        offsets=offsets,
        bodies=_body_keys(keys, offsets, salts),
        distinct=distinct,
        distinct_offsets=distinct_offsets,
    )


def block_keys(source: str | None, blocks: Sequence[str]) -> np.ndarray:
    """A 64-bit key per normalized block, different for the same block in another source: the
    keys :func:`chunk_keys` gives an article."""
    return chunk_keys([source], [blocks]).keys


def body_key(source: str | None, keys: np.ndarray) -> int:
    """A 64-bit key of a whole body (its blocks' keys in order) within its source: exact copies
    of one story share it and count once towards the template statistics. The key
    :func:`chunk_keys` gives the article."""
    offsets = np.array([0, keys.size], dtype=np.int64)
    salts = _source_salts([source])
    return int(_body_keys(np.asarray(keys, dtype=np.uint64), offsets, salts)[0])


def _body_keys(keys: np.ndarray, offsets: np.ndarray, salts: np.ndarray) -> np.ndarray:
    """Each article's body key: a polynomial hash of its block keys in order (so moving a block
    changes it), with its count and its source's salt."""
    return segment_hashes(keys, offsets[:-1], offsets[1:], salts)


def _distinct_keys(keys: np.ndarray, counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each article's distinct keys, sorted, flat, and their offsets: the keys of the whole
    chunk sorted by (article, key), and the first of each run of equal keys of one article.

    The order is found by sorting integers that pack each key's article with its rank among
    the chunk's keys: six times faster than ``np.lexsort`` on the two.
    """
    offsets = np.zeros(counts.size + 1, dtype=np.int64)
    size = keys.size
    if size == 0:
        return keys, offsets
    by_key = np.argsort(keys)
    articles = np.repeat(np.arange(counts.size, dtype=np.int64), counts)[by_key]
    packed = articles * size + np.arange(size, dtype=np.int64)
    packed.sort()
    keys, articles = keys[by_key[packed % size]], packed // size
    first = np.ones(size, dtype=bool)
    first[1:] = (keys[1:] != keys[:-1]) | (articles[1:] != articles[:-1])
    np.cumsum(np.bincount(articles[first], minlength=counts.size), out=offsets[1:])
    return keys[first], offsets


def _source_salts(sources: Sequence[str | None]) -> np.ndarray:
    return np.fromiter(map(_source_salt, sources), dtype=np.uint64, count=len(sources))


@lru_cache(maxsize=4096)
def _source_salt(source: str | None) -> int:
    """A source's 64-bit salt, the same in every process: BLAKE2b of its name, once per source
    (cached) rather than once per block. No source and a source named "" get different ones."""
    name = b"\x00" if source is None else b"\x01" + source.encode("utf-8")
    return int.from_bytes(blake2b(name, digest_size=8).digest())


class TemplateCounter:
    """Counts, per source, the distinct bodies each normalized block occurs in.

    Feed it chunk by chunk (:meth:`add`); the counts are kept as sorted arrays of block keys
    (:func:`chunk_keys`) and merged when the pending chunks outgrow them, so memory is about
    twelve bytes per distinct block of the run, and the result does not depend on how the
    articles were chunked.
    """

    def __init__(self) -> None:
        self._seen_bodies: set[int] = set()
        self._pending: list[np.ndarray] = []
        self._pending_size = 0
        self._keys = np.zeros(0, dtype=np.uint64)
        self._counts = np.zeros(0, dtype=np.int64)

    def add(self, bodies: Sequence[int], keys: np.ndarray, offsets: np.ndarray) -> None:
        """Count the blocks of a chunk of articles.

        Args:
            bodies: each article's :func:`body_key`; a body already seen counts no more.
            keys: the articles' distinct block keys, flat; article ``i``'s are
                ``keys[offsets[i]:offsets[i + 1]]``.
            offsets: ``len(bodies) + 1`` offsets into ``keys``.
        """
        seen = self._seen_bodies
        # ``seen.add`` returns None: a body not seen yet is added and comes out True. One
        # comprehension, a quarter of the time of a loop that sets an array's items (this runs
        # in the main process, on the cores the workers need).
        new = np.fromiter(
            [not (body in seen or seen.add(body)) for body in bodies],  # type: ignore[func-returns-value]
            dtype=np.bool_,
            count=len(bodies),
        )
        counted = np.repeat(new, np.diff(offsets))
        self._pending.append(keys[counted])
        self._pending_size += int(np.count_nonzero(counted))
        if self._pending_size > max(1_000_000, self._keys.size):
            self._merge()

    def _merge(self) -> None:
        if not self._pending:
            return
        keys, counts = np.unique(np.concatenate(self._pending), return_counts=True)
        self._pending, self._pending_size = [], 0
        if self._keys.size:
            keys = np.concatenate([self._keys, keys])
            counts = np.concatenate([self._counts, counts])
            order = np.argsort(keys, kind="stable")
            keys, counts = keys[order], counts[order]
            starts = np.flatnonzero(np.append(True, keys[1:] != keys[:-1]))
            keys, counts = keys[starts], np.add.reduceat(counts, starts)
        self._keys, self._counts = keys, counts.astype(np.int64)

    def frequent(self, min_docs: int) -> np.ndarray:
        """The sorted keys of blocks found in at least ``min_docs`` distinct bodies of their
        source: the run's template."""
        self._merge()
        return self._keys[self._counts >= min_docs]


def remove_boilerplate(
    articles: Sequence[Article], config: BoilerplateConfig
) -> list[CleanedArticle]:
    """Find the template blocks of a run and return each article's body without them.

    A block is template when, after normalization, it occurs in at least ``config.min_docs``
    distinct bodies of one source (exact copies count once, so a story sent five times is not
    mistaken for a template), or when a short block repeats inside one article. An article that
    would lose more than ``config.max_removed_fraction`` of its words keeps its whole body.
    """
    blocks = [normalize_blocks(article.text) for article in articles]
    if not config.enabled:
        return [CleanedArticle(_join(normalized), ()) for _, normalized in blocks]
    keys = chunk_keys(
        [article.source for article in articles], [normalized for _, normalized in blocks]
    )
    counter = TemplateCounter()
    counter.add(keys.bodies.tolist(), keys.distinct, keys.distinct_offsets)
    frequent = counter.frequent(config.min_docs)
    return [
        clean_blocks(original, normalized, article_keys, frequent, config)
        for (original, normalized), article_keys in zip(blocks, keys.split(), strict=True)
    ]


def clean_blocks(
    original: list[str],
    normalized: list[str],
    keys: np.ndarray,
    frequent: np.ndarray,
    config: BoilerplateConfig,
) -> CleanedArticle:
    """One article's body without its template blocks.

    Args:
        original: the blocks as written (:func:`normalize_blocks`).
        normalized: the same blocks normalized.
        keys: their :func:`block_keys`.
        frequent: the run's template keys, sorted (:meth:`TemplateCounter.frequent`).
        config: ``enabled`` and ``max_removed_fraction``.
    """
    if not config.enabled:
        return CleanedArticle(_join(normalized), ())
    return _clean(original, normalized, _template_positions(normalized, keys, frequent), config)


def is_template(keys: np.ndarray, frequent: np.ndarray) -> np.ndarray:
    """Whether each block key is one of the run's template keys (``frequent``, sorted)."""
    if frequent.size == 0:
        return np.zeros(keys.size, dtype=bool)
    at = np.minimum(np.searchsorted(frequent, keys), frequent.size - 1)
    return frequent[at] == keys


def _template_positions(
    article_blocks: list[str], keys: np.ndarray, frequent: np.ndarray
) -> set[int]:
    repeats = Counter(article_blocks)
    found = is_template(keys, frequent) if keys.size else np.zeros(len(article_blocks), bool)
    return {
        i
        for i, block in enumerate(article_blocks)
        if found[i] or (repeats[block] > 1 and len(block.split()) <= _MAX_REPEATED_PROMPT_WORDS)
    }


def _clean(
    original: list[str], article_blocks: list[str], template: set[int], config: BoilerplateConfig
) -> CleanedArticle:
    if not template:
        return CleanedArticle(_join(article_blocks), ())
    words = [_word_count(block) for block in article_blocks]
    removed_words = sum(words[i] for i in template)
    if removed_words > config.max_removed_fraction * sum(words):
        return CleanedArticle(_join(article_blocks), ())
    kept = [block for i, block in enumerate(article_blocks) if i not in template]
    return CleanedArticle(_join(kept), tuple(original[i] for i in sorted(template)))


def _word_count(normalized_block: str) -> int:
    """``len(block.split())`` of a normalized block (words joined by single spaces), without
    making the list."""
    return normalized_block.count(" ") + 1 if normalized_block else 0


def _join(blocks: list[str]) -> str:
    return " ".join(block for block in blocks if block)


class TemplateReport:
    """What template removal took out of a run: how many articles lost each block, and how
    many words went. Built chunk by chunk (:meth:`add`, :meth:`merge`) for ``--explain``."""

    def __init__(self) -> None:
        self.removed_in: Counter[str] = Counter()
        self.words_removed = 0
        self.articles_with_removals = 0

    def add(self, cleaned: Sequence[CleanedArticle]) -> TemplateReport:
        for article in cleaned:
            # Once per article, in order of appearance.
            self.removed_in.update(list(dict.fromkeys(article.removed)))
            self.words_removed += sum(len(block.split()) for block in article.removed)
            self.articles_with_removals += bool(article.removed)
        return self

    def merge(self, other: TemplateReport) -> None:
        self.removed_in.update(other.removed_in)
        self.words_removed += other.words_removed
        self.articles_with_removals += other.articles_with_removals
