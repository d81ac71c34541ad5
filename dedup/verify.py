"""Verification of candidate pairs.

LSH candidates are only likely matches. Each one is scored exactly (Jaccard and containment of
the shingle sets, TF-IDF cosine of the bodies from :mod:`dedup.tfidf`, fuzzy title similarity,
figures stated in the same place) and given a relation, or dropped.
"""

from __future__ import annotations

import codecs
import re
from collections import Counter
from collections.abc import Callable, Hashable, Iterable, Sequence
from dataclasses import dataclass, fields
from itertools import repeat
from typing import TypeVar

import numpy as np
from rapidfuzz import fuzz

from .boilerplate import normalize_blocks
from .config import ShingleConfig, VerifyConfig
from .shingle import (
    ShingleBatch,
    make_shingle_batch,
    ordered_shingle_batch,
    sorted_unique_inverse_batch,
)
from .tfidf import TfidfReranker
from .types import DUPLICATE_RELATIONS, Match, Relation


def title_similarity(first: str, second: str) -> float:
    """Fuzzy similarity of two normalized titles in [0, 1], insensitive to word order."""
    if not first or not second:
        return 0.0
    return fuzz.token_sort_ratio(first, second) / 100.0


def overlap_scores(first: np.ndarray, second: np.ndarray) -> tuple[float, float, float]:
    """Exact Jaccard and containment both ways of two sorted, unique shingle-hash arrays.

    Returns:
        ``(jaccard, share of first in second, share of second in first)``.
    """
    if first.size == 0 or second.size == 0:
        return 0.0, 0.0, 0.0
    shared = shared_count(first, second)
    union = first.size + second.size - shared
    return shared / union, shared / first.size, shared / second.size


def shared_count(first: np.ndarray, second: np.ndarray) -> int:
    """How many values two unique arrays share: what ``np.intersect1d(first, second,
    assume_unique=True).size`` counts, in about half its time (one sort, no copy of the
    common values), which counts when every candidate pair is scored.

    Sorted arrays (as :func:`overlap_scores` takes) concatenate into two sorted runs, which
    a stable sort (timsort) merges in one linear pass: 2.6 times faster than the default sort
    on two character-shingle sets."""
    both = np.concatenate((first, second))
    both.sort(kind="stable")
    return int(np.count_nonzero(both[1:] == both[:-1]))


_NUMBER = re.compile(r"^\d[\d.,/-]*$")
_EDGE_PUNCTUATION = ".,;:!?()[]\"'"
# Figures are aligned by the words on either side, two and three words wide: two words align
# most figures, three words tell apart parallel sentences ("hog slaughter at about 285,000",
# "cattle slaughter ... at about 125,000").
_CONTEXT_WIDTHS = (2, 3)
# Stands for the edge of a sentence or block in a context. Contexts stop there: a copy that
# reorders paragraphs, lines of a table or sentences puts other words across those edges, and
# a context spanning one would align a figure with a stranger.
_EDGE = "|"
Context = tuple[str, ...]


Figure = tuple[str, list[Context]]
# A figure as :class:`_Features` keeps it: one tuple, the number then its contexts (those
# before it, then those after, each two words wide then three), each context one string, its
# words joined by spaces (which no word holds). The figures of every block a chunk's pairs
# compare are kept, and each kept object the garbage collector tracks (a list, a tuple)
# brings its next pass nearer: with six a figure (a list and four tuples of contexts in the
# figure's tuple) its passes took 0.4 of the figure check's 1.0 s in the verification of 10
# chunks; with one, 0.1 s.
KeptFigure = tuple[str, ...]
ContextT = TypeVar("ContextT", bound=Hashable)

# A block is scanned through its marks (:func:`_figure_marks`): a byte for each character,
# telling what the figure check makes of it. Figures and sentence ends are then found by
# bytes.find, at memchr speed, where a regular expression steps through a text at about 3 ns a
# character: with only the words next to each figure split off (rather than every word of a
# sentence that holds one), a block takes 9.6 µs where splitting its sentences took 17 (48
# against 120 for blocks of 3,000 characters or more).
_FIGURE_MARK = b"0"  # a decimal digit (what \d matches: str.isdecimal) or "#"
_STOP_MARK = ord(".")  # a full stop, question or exclamation mark
_CLOSE_MARK = ord(")")  # a closing quote or bracket
_SPACE_MARK = b" "  # whitespace (what \s matches and str.split splits on: str.isspace)
# The end of a sentence: a word that ends in a full stop, question or exclamation mark, maybe
# followed by closing quotes or brackets: in marks, a stop or a close before a space.
_STOP_SPACE = b". "
_CLOSE_SPACE = b") "
_CLOSERS_NOT_ASCII = "”’"
_MARK_ERRORS = "dedup.figure_marks"


def _mark_table() -> bytes:
    """The marks of the ASCII characters; any other is an "a"."""
    table = bytearray(b"a" * 256)
    for characters, mark in (
        (b"0123456789#", _FIGURE_MARK[0]),
        (b".!?", _STOP_MARK),
        (b"\"')]", _CLOSE_MARK),
        (b" \t\n\r\x0b\x0c\x1c\x1d\x1e\x1f", _SPACE_MARK[0]),
    ):
        for character in characters:
            table[character] = mark
    return bytes(table)


_MARK_TABLE = _mark_table()


def _mark_not_ascii(error: UnicodeError) -> tuple[str, int]:
    """Marks, in characters :data:`_MARK_TABLE` maps to themselves, of a run of characters
    past ASCII (an encoding error handler: a body's few such runs cost a call each)."""
    assert isinstance(error, UnicodeEncodeError)
    run = error.object[error.start : error.end]
    marks = [
        "0" if c.isdecimal() else " " if c.isspace() else ")" if c in _CLOSERS_NOT_ASCII else "a"
        for c in run
    ]
    return "".join(marks), error.end


codecs.register_error(_MARK_ERRORS, _mark_not_ascii)


def _figure_marks(block: str) -> bytes:
    """A byte for each character of a block: "0" for a digit or "#", "." for a full stop,
    question or exclamation mark, ")" for a closing quote or bracket, " " for whitespace,
    "a" for any other."""
    return block.encode("ascii", _MARK_ERRORS).translate(_MARK_TABLE)


def _ends_sentence(marks: bytes, end: int) -> bool:
    """Whether the word that ends before ``marks[end]`` (a space) ends a sentence."""
    at = end - 1
    while at >= 0 and marks[at] == _CLOSE_MARK:
        at -= 1
    return at >= 0 and marks[at] == _STOP_MARK


def _sentence_bounds(marks: bytes, low: int, start: int, end: int) -> tuple[int, int]:
    """Where the sentence of the word ``marks[start:end]`` starts and ends: after the last
    sentence end before the word (``low``, the end of an earlier sentence, if none after it)
    and at the first from the word's end (the block's end if none)."""
    first = low
    high = start
    while True:
        stop = marks.rfind(_STOP_SPACE, low, high)
        close = marks.rfind(_CLOSE_SPACE, low, high)
        if close <= stop:
            if stop >= 0:
                first = stop + 1
            break
        if _ends_sentence(marks, close + 1):
            first = close + 1
            break
        high = close + 1
    last = len(marks)
    low = end - 1  # the word itself may end the sentence
    while True:
        stop = marks.find(_STOP_SPACE, low)
        close = marks.find(_CLOSE_SPACE, low)
        if close < 0 or 0 <= stop < close:
            if stop >= 0:
                last = stop + 1
            break
        if _ends_sentence(marks, close + 1):
            last = close + 1
            break
        low = close + 1
    return first, last


def _stripped(parts: Iterable[str]) -> list[str]:
    """Words with their edge punctuation stripped, those left empty dropped."""
    return list(filter(None, map(str.strip, parts, repeat(_EDGE_PUNCTUATION))))


def _figure(
    block: str, start: int, end: int, word_start: int, word_end: int, number: str
) -> KeptFigure:
    """The figure ``block[word_start:word_end]`` of the sentence ``block[start:end]`` with
    its contexts: the three words before it and after it (edge punctuation stripped,
    words left empty dropped, edges for those the sentence lacks, figures masked), each side
    :data:`_CONTEXT_WIDTHS` wide.

    Only the three words next to the figure are split off (str.rsplit and str.split with a
    limit), not the sentence; the two sides and the test of a figure are written out, not
    called: with a call for each side and each word's mask, calls were a fifth of the check.
    """
    figure: KeptFigure = (number,)
    if word_start > start:
        text = block[start:word_start]
        parts = text.rsplit(None, 3)
        if (
            len(parts) == 4
            and (first := parts[1].strip(_EDGE_PUNCTUATION))
            and (second := parts[2].strip(_EDGE_PUNCTUATION))
            and (third := parts[3].strip(_EDGE_PUNCTUATION))
        ):
            words = parts  # the usual case: three words, none left empty
        else:  # fewer words, or one left empty: look further back
            words = _stripped(parts if len(parts) < 4 else text.split())
            if words:
                first, second, third = [_EDGE, _EDGE, *words[-3:]][-3:]
        if words:
            first = "#" if first[0].isdecimal() and _NUMBER.match(first) else first
            second = "#" if second[0].isdecimal() and _NUMBER.match(second) else second
            third = "#" if third[0].isdecimal() and _NUMBER.match(third) else third
            figure += (f"< {second} {third}", f"< {first} {second} {third}")
    if end > word_end:
        text = block[word_end:end]
        parts = text.split(None, 3)
        if (
            len(parts) == 4
            and (first := parts[0].strip(_EDGE_PUNCTUATION))
            and (second := parts[1].strip(_EDGE_PUNCTUATION))
            and (third := parts[2].strip(_EDGE_PUNCTUATION))
        ):
            words = parts
        else:
            words = _stripped(parts if len(parts) < 4 else text.split())
            if words:
                first, second, third = [*words[:3], _EDGE, _EDGE][:3]
        if words:
            first = "#" if first[0].isdecimal() and _NUMBER.match(first) else first
            second = "#" if second[0].isdecimal() and _NUMBER.match(second) else second
            third = "#" if third[0].isdecimal() and _NUMBER.match(third) else third
            figure += (f"> {first} {second}", f"> {first} {second} {third}")
    return figure


def _block_figures(block: str) -> list[Figure]:
    """:func:`_kept_block_figures`, each context a tuple of words."""
    return [
        (figure[0], [tuple(context.split(" ")) for context in figure[1:]])
        for figure in _kept_block_figures(block)
    ]


def _kept_block_figures(block: str) -> tuple[KeptFigure, ...]:
    """Each figure of a normalized block with its contexts; other figures in a context are
    masked as "#". Contexts stop at the block's sentences, so a body's figures are those of
    its blocks, in order.

    A figure is a word that, its edge punctuation stripped, is a number (:data:`_NUMBER`) or
    "#" (which cannot be told from a masked figure). Its contexts are the words on either
    side within its sentence, edge punctuation stripped, words left empty dropped. A context
    of nothing but edges (before a sentence's first word, after its last) says nothing and is
    left out.
    """
    marks = _figure_marks(block)
    at = marks.find(_FIGURE_MARK)
    figures: list[KeptFigure] = []
    start = end = 0  # the sentence of the last figure
    while at >= 0:
        word_start = marks.rfind(_SPACE_MARK, 0, at) + 1
        word_end = marks.find(_SPACE_MARK, at)
        if word_end < 0:
            word_end = len(marks)
        at = marks.find(_FIGURE_MARK, word_end)
        word = block[word_start:word_end].strip(_EDGE_PUNCTUATION)
        # A figure (a number or "#"); most are whole numbers, which isdecimal tells.
        if not (word.isdecimal() or word == "#" or word[0].isdecimal() and _NUMBER.match(word)):
            continue
        if word_end > end:
            start, end = _sentence_bounds(marks, end, word_start, word_end)
        figures.append(_figure(block, start, end, word_start, word_end, word.rstrip(".,/-")))
    return tuple(figures)


def _numbers_in_context(blocks: Iterable[str]) -> list[Figure]:
    """Each figure of a body (its normalized blocks) with its contexts (:func:`_block_figures`)."""
    return [figure for block in blocks for figure in _block_figures(block)]


def _unique_contexts(blocks: Iterable[str]) -> FigureContexts[Context]:
    """:func:`_figure_contexts` of a body's figures."""
    return _figure_contexts(_numbers_in_context(blocks))


def _figure_contexts(figures: Sequence[tuple[str, Sequence[ContextT]]]) -> FigureContexts[ContextT]:
    """Figure by context, for contexts that occur once in the body (a phrase like "billion
    dlrs" recurs with many figures and aligns nothing), and each figure's unique contexts."""
    seen = Counter(context for _, contexts in figures for context in contexts)
    by_context = {
        context: number
        for number, contexts in figures
        for context in contexts
        if seen[context] == 1
    }
    return by_context, [[c for c in contexts if seen[c] == 1] for _, contexts in figures]


FigureContexts = tuple[dict[ContextT, str], list[list[ContextT]]]


def fact_agreement(first: str, second: str) -> tuple[int, int]:
    """How many figures two texts state the same, and how many differently, in the same place.

    A figure is aligned with the figure that stands in the same context in the other text (the
    same words before it, or after it), where that context occurs once in each text. Templated
    wire reports ("Qtly div 22 cts vs 22 cts prior, Pay April 15") share most shingles and
    differ only there. A figure with no counterpart (a truncated tail, an added paragraph, an
    OCR-garbled figure) counts as neither.

    Returns:
        ``(agreeing, conflicting)`` figures of ``first``.
    """
    return _compare_figures(
        _unique_contexts(normalize_blocks(first)[1]), _unique_contexts(normalize_blocks(second)[1])
    )


def _compare_figures(
    mine: FigureContexts[ContextT], theirs: FigureContexts[ContextT]
) -> tuple[int, int]:
    figure_by_context, contexts_of = mine
    their_figures = theirs[0]
    agreeing = conflicting = 0
    if not their_figures:
        return 0, 0
    for contexts in contexts_of:
        counterparts = {their_figures[c] for c in contexts if c in their_figures}
        if not counterparts:
            continue
        if counterparts == {figure_by_context[contexts[0]]}:
            agreeing += 1
        else:
            conflicting += 1
    return agreeing, conflicting


_NO_LEAD = 1_000_000  # "the texts share no run of three shingles"


@dataclass(slots=True)
class PairEvidence:
    """Everything verification measured about one candidate pair (:func:`classify`);
    :func:`verify_pairs` keeps a chunk's pairs' as columns (:class:`EvidenceColumns`)."""

    same_text: bool
    jaccard: float
    containment_ab: float
    containment_ba: float
    smaller_size: int
    cosine: float
    title_similarity: float | None = None
    facts_agreeing: int = 0
    facts_conflicting: int = 0
    char_jaccard: float = 0.0
    char_containment_ab: float = 0.0
    char_containment_ba: float = 0.0
    passage_density: float = 0.0
    passage_share: float = 0.0
    passage_lead: int = _NO_LEAD
    passage_first_lead: int = _NO_LEAD


@dataclass(slots=True)
class EvidenceColumns:
    """The :class:`PairEvidence` of many pairs, a column per field, so that a chunk's pairs
    are classified all at once (:func:`classify_columns`): a Python object per pair, and a
    call of :func:`classify` per pair after each measure, took about a tenth of verification.
    A pair without two titles has ``nan`` for its title similarity."""

    same_text: np.ndarray
    jaccard: np.ndarray
    containment_ab: np.ndarray
    containment_ba: np.ndarray
    smaller_size: np.ndarray
    cosine: np.ndarray
    title_similarity: np.ndarray
    facts_agreeing: np.ndarray
    facts_conflicting: np.ndarray
    char_jaccard: np.ndarray
    char_containment_ab: np.ndarray
    char_containment_ba: np.ndarray
    passage_density: np.ndarray
    passage_share: np.ndarray
    passage_lead: np.ndarray
    passage_first_lead: np.ndarray

    @classmethod
    def of(cls, evidence: Sequence[PairEvidence]) -> EvidenceColumns:
        def column(name: str, dtype: type) -> np.ndarray:
            values = [getattr(pair, name) for pair in evidence]
            if name == "title_similarity":
                values = [np.nan if value is None else value for value in values]
            return np.array(values, dtype=dtype)

        names = [field.name for field in fields(PairEvidence)]
        return cls(**{name: column(name, _COLUMN_TYPES.get(name, np.float64)) for name in names})

    @classmethod
    def of_words(
        cls,
        same_text: np.ndarray,
        scores: tuple[np.ndarray, np.ndarray, np.ndarray],
        smaller_size: np.ndarray,
        cosine: np.ndarray,
        title_similarity: np.ndarray,
    ) -> EvidenceColumns:
        """Pairs measured by their words, titles and cosines alone: the other fields hold
        :class:`PairEvidence`'s defaults."""
        n = same_text.size

        def zeros(dtype: type = np.float64) -> np.ndarray:
            return np.zeros(n, dtype=dtype)

        jaccard, containment_ab, containment_ba = scores
        return cls(
            same_text=same_text,
            jaccard=jaccard,
            containment_ab=containment_ab,
            containment_ba=containment_ba,
            smaller_size=smaller_size,
            cosine=cosine,
            title_similarity=title_similarity,
            facts_agreeing=zeros(np.int64),
            facts_conflicting=zeros(np.int64),
            char_jaccard=zeros(),
            char_containment_ab=zeros(),
            char_containment_ba=zeros(),
            passage_density=zeros(),
            passage_share=zeros(),
            passage_lead=np.full(n, _NO_LEAD, dtype=np.int64),
            passage_first_lead=np.full(n, _NO_LEAD, dtype=np.int64),
        )


_COLUMN_TYPES: dict[str, type] = {
    "same_text": np.bool_,
    "smaller_size": np.int64,
    "facts_agreeing": np.int64,
    "facts_conflicting": np.int64,
    "passage_lead": np.int64,
    "passage_first_lead": np.int64,
}
# Relations as :func:`classify_columns` gives them, by code.
RELATION_CODES: tuple[Relation | None, ...] = (None, "exact", "contained", "near", "related")
_EXACT, _CONTAINED, _NEAR, _RELATED = 1, 2, 3, 4
_DUPLICATE_CODES = np.array(
    sorted(RELATION_CODES.index(relation) for relation in DUPLICATE_RELATIONS), dtype=np.int8
)


def _facts_differ(evidence: EvidenceColumns, config: VerifyConfig) -> np.ndarray:
    compared = evidence.facts_agreeing + evidence.facts_conflicting
    return evidence.facts_conflicting > config.max_fact_conflicts * compared  # type: ignore[no-any-return]


def _short_and_unlike(evidence: EvidenceColumns, config: VerifyConfig) -> np.ndarray:
    """A brief of a few words ("Qtly div 22 cts vs 22 cts prior") reads the same for many
    companies: for such bodies the headlines must agree, and one changed word (a fifth of a
    brief's shingles) already makes another notice."""
    # A pair without two titles (nan) has no other title: nan compares false.
    other_title = evidence.title_similarity < config.short_title_similarity
    return (evidence.smaller_size < config.min_contained_shingles) & (  # type: ignore[no-any-return]
        other_title | (evidence.jaccard < config.short_near_threshold)
    )


def _contained(
    ab: np.ndarray, ba: np.ndarray, threshold: float, config: VerifyConfig
) -> np.ndarray:
    return (np.maximum(ab, ba) >= threshold) & (np.abs(ab - ba) >= config.containment_margin)  # type: ignore[no-any-return]


def _copied_passage(evidence: EvidenceColumns, config: VerifyConfig) -> np.ndarray:
    headlines_agree = np.isnan(evidence.title_similarity) | (
        evidence.title_similarity >= config.passage_title_similarity
    )
    lead = np.where(headlines_agree, evidence.passage_first_lead, evidence.passage_lead)
    return (  # type: ignore[no-any-return]
        (evidence.smaller_size >= config.min_contained_shingles)
        & (evidence.passage_density >= config.passage_density)
        & (evidence.passage_share >= config.passage_share)
        & (lead <= config.passage_lead)
    )


def _contained_by_words(evidence: EvidenceColumns, config: VerifyConfig) -> np.ndarray:
    return (evidence.smaller_size >= config.min_contained_shingles) & _contained(  # type: ignore[no-any-return]
        evidence.containment_ab, evidence.containment_ba, config.containment_threshold, config
    )


def classify_columns(evidence: EvidenceColumns, config: VerifyConfig) -> np.ndarray:
    """The relation each pair's evidence earns (a code of :data:`RELATION_CODES`, 0 to reject
    the pair): :func:`classify` of every pair at once."""
    may_duplicate = ~(_facts_differ(evidence, config) | _short_and_unlike(evidence, config))
    # Contained: the shorter text lies almost wholly inside the longer, clearly more than the
    # reverse (a truncated or excerpted copy), even when the two are also "near".
    contained = _contained_by_words(evidence, config) | (
        (evidence.smaller_size >= config.min_contained_shingles)
        & _contained(
            evidence.char_containment_ab,
            evidence.char_containment_ba,
            config.char_containment_threshold,
            config,
        )
    )
    near = (
        (evidence.jaccard >= config.near_threshold)
        | (evidence.char_jaccard >= config.char_near_threshold)
        | _copied_passage(evidence, config)
    )
    # The strongest relation a pair earns is written last.
    relations = np.zeros(evidence.jaccard.size, dtype=np.int8)
    relations[may_duplicate & near] = _NEAR
    relations[may_duplicate & contained] = _CONTAINED
    relations[may_duplicate & evidence.same_text] = _EXACT
    if config.related:
        relations[(relations == 0) & (evidence.cosine >= config.related_threshold)] = _RELATED
    return relations


def classify(evidence: PairEvidence, config: VerifyConfig) -> Relation | None:
    """The relation a pair's evidence earns, strongest first, or ``None`` to reject the pair.

    Duplicates (``exact``, ``contained``, ``near``) must also state the same facts and, for very
    short bodies, carry similar titles; a pair that fails those can still be ``related``.
    """
    return RELATION_CODES[int(classify_columns(EvidenceColumns.of([evidence]), config)[0])]


def shared_stretch(ordered: np.ndarray, other: np.ndarray) -> tuple[float, float, int]:
    """Where ``ordered``'s shingles (in text order) that also occur in ``other`` lie.

    Returns:
        ``(share, density, lead)``: the stretch from the first to the last shared shingle,
        leaving out the outer 5% of shared shingles on each side (a stray common phrase far
        away), as a share of the text; the share of shared shingles inside that stretch; and
        the position where the first run of three shared shingles starts. A copied passage is
        one long, dense stretch; two stories that merely share phrases have sparse ones, and
        two that share one quoted paragraph have a short one.
    """
    return _stretch(np.isin(ordered, other))


def _stretch(shared: np.ndarray) -> tuple[float, float, int]:
    """:func:`shared_stretch` of which shingles of a text (in text order) are shared."""
    if shared.size == 0:
        return 0.0, 0.0, _NO_LEAD
    positions = np.flatnonzero(shared)
    if positions.size == 0:
        return 0.0, 0.0, _NO_LEAD
    trim = int(0.05 * positions.size)
    first, last = positions[trim], positions[positions.size - 1 - trim]
    span = int(last - first + 1)
    runs = np.flatnonzero(shared[:-2] & shared[1:-1] & shared[2:])
    lead = int(runs[0]) if runs.size else _NO_LEAD
    return span / shared.size, float(np.count_nonzero(shared[first : last + 1])) / span, lead


def passage_scores(first: np.ndarray, second: np.ndarray) -> tuple[float, float, int, int]:
    """``(density, share, later_lead, earlier_lead)`` of a copied passage between two texts'
    ordered shingle hashes: the lower density of the two shared stretches, the larger share
    either one covers, and the later and the earlier of the two positions where the shared
    text begins."""
    return _passage_scores(_stretch(np.isin(first, second)), _stretch(np.isin(second, first)))


def _passage_scores(
    first: tuple[float, float, int], second: tuple[float, float, int]
) -> tuple[float, float, int, int]:
    share_a, density_a, lead_a = first
    share_b, density_b, lead_b = second
    return (
        min(density_a, density_b),
        max(share_a, share_b),
        max(lead_a, lead_b),
        min(lead_a, lead_b),
    )


@dataclass(frozen=True)
class OrderedShingles:
    """Word shingles of many articles for :func:`passage_columns`.

    Attributes:
        ordered: each article's shingle hashes in text order, repeats kept.
        unique: the same, sorted and unique.
        inverse: where each of ``ordered``'s hashes lies in its article's ``unique``.
    """

    ordered: ShingleBatch
    unique: ShingleBatch
    inverse: np.ndarray

    @classmethod
    def of(cls, texts: Sequence[str], config: ShingleConfig) -> OrderedShingles:
        return cls.of_batch(ordered_shingle_batch(texts, config))

    @classmethod
    def of_batch(cls, ordered: ShingleBatch) -> OrderedShingles:
        unique, inverse = sorted_unique_inverse_batch(ordered)
        return cls(ordered=ordered, unique=unique, inverse=inverse)


PassageColumns = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]


def passage_columns(
    shingles: OrderedShingles, firsts: np.ndarray, seconds: np.ndarray
) -> PassageColumns:
    """:func:`passage_scores` of many pairs of articles at once, as four columns
    ``(density, share, later_lead, earlier_lead)``: the same values.

    Pair ``k`` is articles ``firsts[k]`` and ``seconds[k]`` of ``shingles``. Whole arrays of
    the pairs' shingles laid end to end replace the dozen numpy calls per pair of
    :func:`_stretch` and the two binary searches: a third of the time (0.3 CPU s instead
    of 0.85, the sort into unique shingles included) on the 23,000 such pairs of the
    200k-article corpus.
    """
    shared_first, shared_second = _shared_unique(shingles.unique, firsts, seconds)
    share_a, density_a, lead_a = _stretch_columns(shingles, firsts, shared_first)
    share_b, density_b, lead_b = _stretch_columns(shingles, seconds, shared_second)
    return (
        np.minimum(density_a, density_b),
        np.maximum(share_a, share_b),
        np.maximum(lead_a, lead_b),
        np.minimum(lead_a, lead_b),
    )


def _end_to_end(offsets: np.ndarray, articles: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Where the articles' runs (``values[offsets[i] : offsets[i + 1]]``) lie, one after
    another, as indices into ``values``; and the runs' lengths."""
    starts = offsets[articles]
    sizes = offsets[articles + 1] - starts
    placed_at = np.cumsum(sizes) - sizes
    index = np.arange(int(sizes.sum()), dtype=np.int64)
    index += np.repeat(starts - placed_at, sizes)
    return index, sizes


def _shared_unique(
    unique: ShingleBatch, firsts: np.ndarray, seconds: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """For each pair in turn, which of the first article's unique shingles the second has,
    end to end, and which of the second's the first has."""
    pair_keys = np.arange(firsts.size, dtype=np.uint64) << np.uint64(32)
    halves = []
    for articles in (firsts, seconds):
        index, sizes = _end_to_end(unique.offsets, articles)
        keys = np.repeat(pair_keys, sizes)
        keys |= unique.hashes[index]
        halves.append(keys)
    keys = np.concatenate(halves)
    # Each half is sorted (by pair, then hash): a stable argsort merges the two runs in
    # linear time (timsort), and a key both articles of a pair hold then comes twice in a
    # row, the first article's copy first. A tenth of the time of a binary search per shingle.
    order = np.argsort(keys, kind="stable")
    merged = keys[order]
    twice = merged[1:] == merged[:-1]
    shared = np.zeros(keys.size, dtype=bool)
    shared[order[:-1][twice]] = True
    shared[order[1:][twice]] = True
    return shared[: halves[0].size], shared[halves[0].size :]


def _stretch_columns(
    shingles: OrderedShingles, articles: np.ndarray, shared_unique: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """:func:`_stretch` of each pair's article in ``articles``, given which of its unique
    shingles the pair's other article has (:func:`_shared_unique`)."""
    index, sizes = _end_to_end(shingles.ordered.offsets, articles)
    unique_sizes = shingles.unique.offsets[articles + 1] - shingles.unique.offsets[articles]
    unique_at = np.cumsum(unique_sizes) - unique_sizes
    at = shingles.inverse[index]
    at += np.repeat(unique_at, sizes)
    return _stretches(shared_unique[at], sizes)


def _stretches(shared: np.ndarray, sizes: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """:func:`_stretch` of many texts' ``shared`` flags laid end to end (``sizes`` each)."""
    ends = np.cumsum(sizes)
    starts = ends - sizes
    shared_before = np.zeros(shared.size + 1, dtype=np.int64)
    np.cumsum(shared, out=shared_before[1:])
    counts = shared_before[ends] - shared_before[starts]
    any_shared = counts > 0
    positions = np.flatnonzero(shared)
    trim = (0.05 * counts).astype(np.int64)  # int(0.05 * count): the same float product
    if not positions.size:
        nothing = np.zeros(sizes.size, dtype=np.float64)
        return nothing, nothing.copy(), np.full(sizes.size, _NO_LEAD, dtype=np.int64)
    first = positions[np.where(any_shared, shared_before[starts] + trim, 0)]
    last = positions[np.where(any_shared, shared_before[ends] - 1 - trim, 0)]
    span = last - first + 1
    inside = shared_before[last + 1] - shared_before[first]
    # The same float64 divisions as _stretch's (span / size, count / span).
    share = np.where(any_shared, span / np.maximum(sizes, 1), 0.0)
    density = np.where(any_shared, inside / span, 0.0)
    # Runs of three shared shingles that start in a text and end in the same text.
    runs = shared[:-2] & shared[1:-1] & shared[2:]
    runs &= np.arange(2, shared.size) < np.repeat(ends, sizes)[:-2]
    run_starts = np.flatnonzero(runs)
    first_run = np.searchsorted(run_starts, starts)
    found = first_run < run_starts.size
    run_at = run_starts[np.minimum(first_run, run_starts.size - 1)] if run_starts.size else starts
    lead = np.where(found & (run_at < ends), run_at - starts, _NO_LEAD)
    return share, density, lead


class _Features:
    """Per-article features that only some pairs need, computed once per article, in batches
    of the articles that need them."""

    def __init__(
        self, texts: Sequence[str], bodies: Sequence[Sequence[str]], char_size: int
    ) -> None:
        self._texts = texts
        self._bodies = bodies
        self._char_config = ShingleConfig(kind="char", shingle_size=char_size)
        self._chars: dict[int, np.ndarray] = {}
        self._figures: dict[int, FigureContexts[str]] = {}
        self._blocks: dict[int, tuple[str, ...]] = {}
        self._block_figures: dict[str, tuple[KeptFigure, ...]] = {}
        self._word_config = ShingleConfig()

    def prepare_chars(self, positions: Iterable[int]) -> None:
        """Character shingles of many articles in one batch, far cheaper than one at a time."""
        missing = sorted(set(positions) - self._chars.keys())
        batch = make_shingle_batch([self._texts[p] for p in missing], self._char_config)
        self._chars.update(zip(missing, batch.to_list(), strict=True))

    def chars(self, position: int) -> np.ndarray:
        if position not in self._chars:
            self.prepare_chars([position])
        return self._chars[position]

    def passages(self, pairs: Sequence[tuple[int, int]]) -> PassageColumns:
        """:func:`passage_columns` of pairs of articles, from one batch of their shingles."""
        positions, local = np.unique(np.asarray(pairs).reshape(-1), return_inverse=True)
        shingles = OrderedShingles.of(
            [self._texts[p] for p in positions.tolist()], self._word_config
        )
        local = local.reshape(-1, 2)
        return passage_columns(shingles, local[:, 0], local[:, 1])

    def blocks(self, position: int) -> tuple[str, ...]:
        """An article's blocks, split once. Blocks without a figure are kept: they change no
        result, and telling them (a scan for a digit of every block of every article compared)
        cost more than parsing those of them that a pair does not share."""
        found = self._blocks.get(position)
        if found is None:
            found = self._blocks[position] = tuple(self._bodies[position])
        return found

    def block_figures(self, block: str) -> tuple[KeptFigure, ...]:
        """:func:`_kept_block_figures`, once per distinct block: copies share most of theirs."""
        found = self._block_figures.get(block)
        if found is None:
            found = self._block_figures[block] = _kept_block_figures(block)
        return found

    def figures(self, position: int) -> FigureContexts[str]:
        if position not in self._figures:
            figures: list[KeptFigure] = []
            for block in self.blocks(position):
                figures += self.block_figures(block)
            self._figures[position] = _figure_contexts([(f[0], f[1:]) for f in figures])
        return self._figures[position]

    def facts(self, first: int, second: int) -> tuple[int, int]:
        """:func:`fact_agreement` of two articles' bodies, or ``(0, 0)`` where the verdict
        cannot depend on it: where the two cannot state a figure differently.

        A figure is compared through a context found once in each body. A context of a block
        both bodies hold is found there in both, by the same figure: it agrees. So a conflict
        needs a context found in a block only the one holds and in a block only the other
        holds, by different figures; without one (the same body, a truncated copy, a copy
        with paragraphs added or edited but its figures kept), every compared figure agrees,
        ``(n, 0)``, and no conflict is all that counts.
        """
        blocks = self.blocks(first)
        if not blocks:  # no text: nothing to compare
            return 0, 0
        others = self.blocks(second)
        if blocks == others:
            return 0, 0
        shared = set(blocks).intersection(others)
        theirs_only = [block for block in others if block not in shared]
        if not theirs_only:  # a truncated copy, or one with paragraphs added: parse nothing
            return 0, 0
        # A three-word context holds the two-word one on the same side: two figures that share
        # it share that one too, so the two-word contexts (every other one, from the first:
        # figure[1::2]) find every conflict, in half the look-ups.
        mine: dict[str, str | None] = {}  # the figure in a context, None if several
        for block in blocks:
            if block not in shared:
                for figure in self.block_figures(block):
                    for context in figure[1::2]:
                        if mine.setdefault(context, figure[0]) != figure[0]:
                            mine[context] = None
        if not mine or all(
            mine.get(context, figure[0]) == figure[0]
            for block in theirs_only
            for figure in self.block_figures(block)
            for context in figure[1::2]
        ):
            return 0, 0
        figures = self.figures(first)
        if not figures[0]:  # no figure of one with a context of its own: nothing to compare
            return 0, 0
        return _compare_figures(figures, self.figures(second))


# Below these, two texts share too few words for their characters to make them duplicates (an
# OCR-scanned copy still keeps about a fifth of its word 3-grams): skip the character measures.
_MIN_WORD_JACCARD_FOR_CHARS = 0.05
_MIN_WORD_CONTAINMENT_FOR_CHARS = 0.2


def _may_hold_passage(evidence: EvidenceColumns, config: VerifyConfig) -> np.ndarray:
    """Locating shared shingles costs a pass over both texts: only pairs that share at least
    a passage's worth of the smaller text are looked at."""
    shared_share = np.maximum(evidence.containment_ab, evidence.containment_ba)
    return (  # type: ignore[no-any-return]
        (evidence.smaller_size >= config.min_contained_shingles)
        & (shared_share * evidence.smaller_size >= config.min_contained_shingles)
        & (shared_share >= config.passage_share * config.passage_density)
    )


def _needs_chars(evidence: EvidenceColumns) -> np.ndarray:
    return (evidence.jaccard >= _MIN_WORD_JACCARD_FOR_CHARS) | (  # type: ignore[no-any-return]
        np.maximum(evidence.containment_ab, evidence.containment_ba)
        >= _MIN_WORD_CONTAINMENT_FOR_CHARS
    )


def _chars_may_count(evidence: EvidenceColumns, config: VerifyConfig) -> np.ndarray:
    """Whether a pair's verdict may depend on its character measures: not when it is the same
    text (exact), when it is a brief under another headline (never a duplicate), or when its
    words already make it contained (checked before the characters are)."""
    return ~(  # type: ignore[no-any-return]
        evidence.same_text
        | _short_and_unlike(evidence, config)
        | _contained_by_words(evidence, config)
    )


def _overlap_columns(
    firsts: list[np.ndarray], seconds: list[np.ndarray]
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """:func:`overlap_scores` of many pairs of sorted sets, as columns, and the smaller set's
    size."""
    n = len(firsts)
    size_a = np.fromiter(map(len, firsts), dtype=np.int64, count=n)
    size_b = np.fromiter(map(len, seconds), dtype=np.int64, count=n)
    shared = np.fromiter(map(shared_count, firsts, seconds), dtype=np.int64, count=n)
    # Pairs with an empty set score 0; dividing by at least 1 leaves the others' quotients.
    measured = (size_a > 0) & (size_b > 0)
    jaccard = np.where(measured, shared / np.maximum(size_a + size_b - shared, 1), 0.0)
    ab = np.where(measured, shared / np.maximum(size_a, 1), 0.0)
    ba = np.where(measured, shared / np.maximum(size_b, 1), 0.0)
    return jaccard, ab, ba, np.minimum(size_a, size_b)


def verify_pairs(
    pairs: Iterable[tuple[int, int]],
    *,
    texts: Sequence[str],
    bodies: Sequence[Sequence[str]],
    titles: Sequence[str],
    shingles: Sequence[np.ndarray],
    reranker: TfidfReranker | None = None,
    cosines: np.ndarray | None = None,
    config: VerifyConfig,
    on_each: Callable[[], None] | None = None,
) -> list[Match]:
    """Score each candidate pair and keep those that earn a relation, sorted by ``(a, b)``.

    The costly measures are taken only of the pairs whose verdict may depend on them, each in
    one batch over the articles that need it: character shingles (pairs that share enough
    words, and that their words alone do not decide), where shared shingles lie (pairs not
    yet duplicates that may hold a copied passage) and figures (pairs that would be
    duplicates). The evidence is kept as columns and classified all at once after each
    measure (:func:`classify_columns`); a pair's new measure can only change its own verdict.

    Args:
        pairs: candidate ``(a, b)`` positions with ``a < b``.
        texts: cleaned, normalized bodies (template removed).
        bodies: each body as read, templates included, as its normalized blocks
            (``dedup.boilerplate.normalize_blocks(text)[1]``), for the facts check: a template
            remover may take a recurring sentence that carries a report's figures. Only the
            bodies of pairs that would be duplicates are read.
        titles: normalized titles.
        shingles: sorted shingle hashes of each body.
        reranker: TF-IDF fitted on ``texts``, for the pairs' cosines...
        cosines: ... or the cosine of each pair, in the order of ``sorted(pairs)``.
        config: thresholds.
        on_each: called after each pair, to report progress.
    """
    ordered = sorted(pairs)
    if cosines is None:
        if reranker is None:
            raise ValueError("verify_pairs needs a fitted reranker or the pairs' cosines")
        cosines = reranker.cosines(ordered)
    features = _Features(texts, bodies, config.char_shingle_size)
    firsts = [a for a, _ in ordered]
    seconds = [b for _, b in ordered]

    # Words and titles: every pair.
    jaccard, ab, ba, smaller = _overlap_columns(
        [shingles[a] for a in firsts], [shingles[b] for b in seconds]
    )
    same_text = np.fromiter(
        (bool(texts[a]) and texts[a] == texts[b] for a, b in ordered),
        dtype=bool,
        count=len(ordered),
    )
    title_similarities = np.fromiter(
        (
            title_similarity(titles[a], titles[b]) if titles[a] and titles[b] else np.nan
            for a, b in ordered
        ),
        dtype=np.float64,
        count=len(ordered),
    )
    evidence = EvidenceColumns.of_words(
        same_text,
        (jaccard, ab, ba),
        smaller,
        np.asarray(cosines, dtype=np.float64),
        title_similarities,
    )

    # Characters.
    char_pairs = np.flatnonzero(_needs_chars(evidence) & _chars_may_count(evidence, config))
    if char_pairs.size:
        char_firsts = [firsts[k] for k in char_pairs.tolist()]
        char_seconds = [seconds[k] for k in char_pairs.tolist()]
        features.prepare_chars(char_firsts + char_seconds)
        char_jaccard, char_ab, char_ba, _ = _overlap_columns(
            [features.chars(a) for a in char_firsts], [features.chars(b) for b in char_seconds]
        )
        evidence.char_jaccard[char_pairs] = char_jaccard
        evidence.char_containment_ab[char_pairs] = char_ab
        evidence.char_containment_ba[char_pairs] = char_ba
    relations = classify_columns(evidence, config)

    # Copied passages, of pairs not yet duplicates (a brief under another headline never is).
    passage_pairs = np.flatnonzero(
        ~np.isin(relations, _DUPLICATE_CODES)
        & _may_hold_passage(evidence, config)
        & ~_short_and_unlike(evidence, config)
    )
    if passage_pairs.size:
        (
            evidence.passage_density[passage_pairs],
            evidence.passage_share[passage_pairs],
            evidence.passage_lead[passage_pairs],
            evidence.passage_first_lead[passage_pairs],
        ) = features.passages([ordered[k] for k in passage_pairs.tolist()])
        relations = classify_columns(evidence, config)

    # Figures: comparing them is costly, so only pairs that would be duplicates are checked.
    fact_pairs = np.flatnonzero(np.isin(relations, _DUPLICATE_CODES)).tolist()
    if fact_pairs:
        for k in fact_pairs:
            evidence.facts_agreeing[k], evidence.facts_conflicting[k] = features.facts(*ordered[k])
        relations = classify_columns(evidence, config)

    accepted = np.flatnonzero(relations).tolist()
    scores = [
        column[accepted].tolist()
        for column in (
            evidence.jaccard,
            evidence.containment_ab,
            evidence.containment_ba,
            evidence.cosine,
            np.nan_to_num(evidence.title_similarity, nan=0.0),
        )
    ]
    matches = [
        Match(
            a=firsts[k],
            b=seconds[k],
            relation=RELATION_CODES[code],  # type: ignore[arg-type]
            jaccard=round(jaccard_k, 4),
            containment_ab=round(ab_k, 4),
            containment_ba=round(ba_k, 4),
            cosine=round(cosine_k, 4),
            title_similarity=round(title_k, 4),
        )
        for k, code, jaccard_k, ab_k, ba_k, cosine_k, title_k in zip(
            accepted, relations[accepted].tolist(), *scores, strict=True
        )
    ]
    if on_each is not None:
        for _ in ordered:
            on_each()
    return matches
