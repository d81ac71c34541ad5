"""Verification of candidate pairs.

LSH candidates are only likely matches. Each one is scored exactly (Jaccard and containment of
the shingle sets, TF-IDF cosine of the bodies from :mod:`dedup.tfidf`, fuzzy title similarity,
figures stated in the same place) and given a relation, or dropped.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, replace

import numpy as np
from rapidfuzz import fuzz

from .boilerplate import normalize_blocks
from .config import ShingleConfig, VerifyConfig
from .shingle import make_shingle_batch, ordered_shingle_batch, sorted_unique_batch
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
_MAY_HOLD_FIGURE = re.compile(r"[\d#]")
_EDGE_PUNCTUATION = ".,;:!?()[]\"'"
# The end of a sentence: a word that ends in a full stop, question or exclamation mark, maybe
# followed by closing quotes or brackets.
_SENTENCE_END = re.compile(r"[.!?][\"'”’)\]]*(?=\s|$)")
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


def _segments(block: str) -> Iterator[list[str]]:
    """The words of each sentence of a block (line or paragraph) that may hold a figure,
    edge punctuation stripped.

    Only sentences with a digit (or a word "#", which :func:`_block_figures` cannot tell from
    a masked figure) are split into words: the others hold no figure.

    Args:
        block: a normalized block of a body (:func:`dedup.boilerplate.normalize_blocks`).
    """
    if not _MAY_HOLD_FIGURE.search(block):  # most blocks of prose: nothing to split
        return
    start = 0
    for end in [m.end() for m in _SENTENCE_END.finditer(block)] + [len(block)]:
        sentence = block[start:end]
        start = end
        if _MAY_HOLD_FIGURE.search(sentence):
            words = [word.strip(_EDGE_PUNCTUATION) for word in sentence.split()]
            if any(words):
                yield [word for word in words if word]


def _block_figures(block: str) -> list[Figure]:
    """Each figure of a normalized block with its contexts; other figures in a context are
    masked as "#". Contexts stop at the block's sentences, so a body's figures are those of
    its blocks, in order.

    A context of nothing but edges (before a sentence's first word, after its last) says
    nothing and is left out.
    """
    # The contexts of _CONTEXT_WIDTHS, written out (the hot loop of the figure check).
    figures: list[Figure] = []
    for words in _segments(block):
        # A figure starts with a digit (what \d matches: str.isdecimal).
        masked = ["#" if w[0].isdecimal() and _NUMBER.match(w) else w for w in words]
        if "#" not in masked:
            continue
        last = len(words) - 1
        padded = [_EDGE, _EDGE, _EDGE, *masked, _EDGE, _EDGE, _EDGE]
        for i, mask in enumerate(masked):
            if mask == "#":
                at = i + 3
                contexts: list[Context] = []
                if i:
                    before = padded[at - 1]
                    contexts.append(("<", padded[at - 2], before))
                    contexts.append(("<", padded[at - 3], padded[at - 2], before))
                if i < last:
                    after = padded[at + 1]
                    contexts.append((">", after, padded[at + 2]))
                    contexts.append((">", after, padded[at + 2], padded[at + 3]))
                figures.append((words[i].rstrip(".,/-"), contexts))
    return figures


def _numbers_in_context(blocks: Iterable[str]) -> list[Figure]:
    """Each figure of a body (its normalized blocks) with its contexts (:func:`_block_figures`)."""
    return [figure for block in blocks for figure in _block_figures(block)]


def _unique_contexts(blocks: Iterable[str]) -> FigureContexts:
    """:func:`_figure_contexts` of a body's figures."""
    return _figure_contexts(_numbers_in_context(blocks))


def _figure_contexts(figures: list[Figure]) -> FigureContexts:
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


FigureContexts = tuple[dict[Context, str], list[list[Context]]]


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


def _compare_figures(mine: FigureContexts, theirs: FigureContexts) -> tuple[int, int]:
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
    """Everything verification measured about one candidate pair.

    Not frozen: a frozen dataclass sets each field through ``object.__setattr__``, and making
    one per candidate pair (twice for many) took 1.7 µs against 0.4.
    """

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


def _facts_differ(evidence: PairEvidence, config: VerifyConfig) -> bool:
    compared = evidence.facts_agreeing + evidence.facts_conflicting
    return evidence.facts_conflicting > config.max_fact_conflicts * compared


def _short_and_unlike(evidence: PairEvidence, config: VerifyConfig) -> bool:
    """A brief of a few words ("Qtly div 22 cts vs 22 cts prior") reads the same for many
    companies: for such bodies the headlines must agree, and one changed word (a fifth of a
    brief's shingles) already makes another notice."""
    if evidence.smaller_size >= config.min_contained_shingles:
        return False
    other_title = (
        evidence.title_similarity is not None
        and evidence.title_similarity < config.short_title_similarity
    )
    return other_title or evidence.jaccard < config.short_near_threshold


def _contained(ab: float, ba: float, threshold: float, config: VerifyConfig) -> bool:
    return max(ab, ba) >= threshold and abs(ab - ba) >= config.containment_margin


def _copied_passage(evidence: PairEvidence, config: VerifyConfig) -> bool:
    headlines_agree = (
        evidence.title_similarity is None
        or evidence.title_similarity >= config.passage_title_similarity
    )
    lead = evidence.passage_first_lead if headlines_agree else evidence.passage_lead
    return (
        evidence.smaller_size >= config.min_contained_shingles
        and evidence.passage_density >= config.passage_density
        and evidence.passage_share >= config.passage_share
        and lead <= config.passage_lead
    )


def classify(evidence: PairEvidence, config: VerifyConfig) -> Relation | None:
    """The relation a pair's evidence earns, strongest first, or ``None`` to reject the pair.

    Duplicates (``exact``, ``contained``, ``near``) must also state the same facts and, for very
    short bodies, carry similar titles; a pair that fails those can still be ``related``.
    """
    if not (_facts_differ(evidence, config) or _short_and_unlike(evidence, config)):
        if evidence.same_text:
            return "exact"
        # Contained: the shorter text lies almost wholly inside the longer, clearly more than the
        # reverse (a truncated or excerpted copy), even when the two are also "near".
        if evidence.smaller_size >= config.min_contained_shingles and (
            _contained(
                evidence.containment_ab,
                evidence.containment_ba,
                config.containment_threshold,
                config,
            )
            or _contained(
                evidence.char_containment_ab,
                evidence.char_containment_ba,
                config.char_containment_threshold,
                config,
            )
        ):
            return "contained"
        if (
            evidence.jaccard >= config.near_threshold
            or evidence.char_jaccard >= config.char_near_threshold
            or _copied_passage(evidence, config)
        ):
            return "near"
    if config.related and evidence.cosine >= config.related_threshold:
        return "related"
    return None


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


def _members(values: np.ndarray, sorted_unique: np.ndarray) -> np.ndarray:
    """``np.isin(values, sorted_unique)`` for a sorted array of unique values: one binary
    search per value, no sort."""
    if sorted_unique.size == 0:
        return np.zeros(values.size, dtype=bool)
    at = np.searchsorted(sorted_unique, values)
    at[at == sorted_unique.size] = 0
    return sorted_unique[at] == values  # type: ignore[no-any-return]


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
        self._figures: dict[int, FigureContexts] = {}
        self._figure_blocks: dict[int, list[str]] = {}
        self._block_figures: dict[str, list[Figure]] = {}
        self._ordered: dict[int, tuple[np.ndarray, np.ndarray]] = {}
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

    def prepare_ordered(self, positions: Iterable[int]) -> None:
        """Ordered word shingles of many articles in one batch."""
        missing = sorted(set(positions) - self._ordered.keys())
        batch = ordered_shingle_batch([self._texts[p] for p in missing], self._word_config)
        unique = sorted_unique_batch(batch)  # np.unique of each, all at once
        self._ordered.update(
            zip(missing, zip(batch.to_list(), unique.to_list(), strict=True), strict=True)
        )

    def ordered(self, position: int) -> tuple[np.ndarray, np.ndarray]:
        """Word-shingle hashes in text order, repeats kept (for where shared shingles lie),
        and the same sorted and unique."""
        if position not in self._ordered:
            self.prepare_ordered([position])
        return self._ordered[position]

    def passage(self, first: int, second: int) -> tuple[float, float, int, int]:
        """:func:`passage_scores` of two articles."""
        ordered_a, unique_a = self.ordered(first)
        ordered_b, unique_b = self.ordered(second)
        return _passage_scores(
            _stretch(_members(ordered_a, unique_b)), _stretch(_members(ordered_b, unique_a))
        )

    def figure_blocks(self, position: int) -> list[str]:
        """The blocks of an article's body that may hold a figure: its figures and their
        contexts depend on these alone."""
        if position not in self._figure_blocks:
            self._figure_blocks[position] = [
                block for block in self._bodies[position] if _MAY_HOLD_FIGURE.search(block)
            ]
        return self._figure_blocks[position]

    def block_figures(self, block: str) -> list[Figure]:
        """:func:`_block_figures`, once per distinct block: copies share most of theirs."""
        found = self._block_figures.get(block)
        if found is None:
            found = self._block_figures[block] = _block_figures(block)
        return found

    def figures(self, position: int) -> FigureContexts:
        if position not in self._figures:
            figures = []
            for block in self.figure_blocks(position):
                figures += self.block_figures(block)
            self._figures[position] = _figure_contexts(figures)
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
        blocks = self.figure_blocks(first)
        if not blocks:  # no figure: nothing to compare
            return 0, 0
        others = self.figure_blocks(second)
        if blocks == others:
            return 0, 0
        shared = set(blocks).intersection(others)
        theirs_only = [block for block in others if block not in shared]
        if not theirs_only:  # a truncated copy, or one with paragraphs added: parse nothing
            return 0, 0
        mine: dict[Context, set[str]] = {}
        for block in blocks:
            if block not in shared:
                for number, contexts in self.block_figures(block):
                    for context in contexts:
                        mine.setdefault(context, set()).add(number)
        if not mine or all(
            mine.get(context, {number}) == {number}
            for block in theirs_only
            for number, contexts in self.block_figures(block)
            for context in contexts
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


def _may_hold_passage(evidence: PairEvidence, config: VerifyConfig) -> bool:
    """Locating shared shingles costs a pass over both texts: only pairs that share at least
    a passage's worth of the smaller text are looked at."""
    shared_share = max(evidence.containment_ab, evidence.containment_ba)
    return (
        evidence.smaller_size >= config.min_contained_shingles
        and shared_share * evidence.smaller_size >= config.min_contained_shingles
        and shared_share >= config.passage_share * config.passage_density
    )


def _needs_chars(word_scores: tuple[float, float, float]) -> bool:
    jaccard, containment_ab, containment_ba = word_scores
    return (
        jaccard >= _MIN_WORD_JACCARD_FOR_CHARS
        or max(containment_ab, containment_ba) >= _MIN_WORD_CONTAINMENT_FOR_CHARS
    )


def _chars_may_count(evidence: PairEvidence, config: VerifyConfig) -> bool:
    """Whether a pair's verdict may depend on its character measures: not when it is the same
    text (exact), when it is a brief under another headline (never a duplicate), or when its
    words already make it contained (checked before the characters are)."""
    return not (
        evidence.same_text
        or _short_and_unlike(evidence, config)
        or (
            evidence.smaller_size >= config.min_contained_shingles
            and _contained(
                evidence.containment_ab,
                evidence.containment_ba,
                config.containment_threshold,
                config,
            )
        )
    )


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
    duplicates).

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

    # Words and titles: every pair.
    evidence = []
    char_pairs = []
    for k, ((a, b), cosine) in enumerate(zip(ordered, cosines.tolist(), strict=True)):
        scores = overlap_scores(shingles[a], shingles[b])
        titled = bool(titles[a]) and bool(titles[b])
        pair = PairEvidence(
            same_text=bool(texts[a]) and texts[a] == texts[b],
            jaccard=scores[0],
            containment_ab=scores[1],
            containment_ba=scores[2],
            smaller_size=min(shingles[a].size, shingles[b].size),
            cosine=cosine,
            title_similarity=title_similarity(titles[a], titles[b]) if titled else None,
        )
        evidence.append(pair)
        if _needs_chars(scores) and _chars_may_count(pair, config):
            char_pairs.append(k)

    # Characters.
    features.prepare_chars(position for k in char_pairs for position in ordered[k])
    for k in char_pairs:
        a, b = ordered[k]
        char_jaccard, char_ab, char_ba = overlap_scores(features.chars(a), features.chars(b))
        pair = evidence[k]
        evidence[k] = PairEvidence(  # what replace() makes, in half its time
            same_text=pair.same_text,
            jaccard=pair.jaccard,
            containment_ab=pair.containment_ab,
            containment_ba=pair.containment_ba,
            smaller_size=pair.smaller_size,
            cosine=pair.cosine,
            title_similarity=pair.title_similarity,
            char_jaccard=char_jaccard,
            char_containment_ab=char_ab,
            char_containment_ba=char_ba,
        )
    relations = [classify(pair, config) for pair in evidence]

    # Copied passages, of pairs not yet duplicates (a brief under another headline never is).
    passage_pairs = [
        k
        for k, (pair, relation) in enumerate(zip(evidence, relations, strict=True))
        if relation not in DUPLICATE_RELATIONS
        and _may_hold_passage(pair, config)
        and not _short_and_unlike(pair, config)
    ]
    features.prepare_ordered(position for k in passage_pairs for position in ordered[k])
    for k in passage_pairs:
        density, share, later, earlier = features.passage(*ordered[k])
        evidence[k] = replace(
            evidence[k],
            passage_density=density,
            passage_share=share,
            passage_lead=later,
            passage_first_lead=earlier,
        )
        relations[k] = classify(evidence[k], config)

    # Figures: comparing them is costly, so only pairs that would be duplicates are checked.
    for k, relation in enumerate(relations):
        if relation in DUPLICATE_RELATIONS:
            agreeing, conflicting = features.facts(*ordered[k])
            evidence[k] = replace(
                evidence[k], facts_agreeing=agreeing, facts_conflicting=conflicting
            )
            relations[k] = classify(evidence[k], config)

    matches = []
    for (a, b), pair, relation in zip(ordered, evidence, relations, strict=True):
        if relation is not None:
            matches.append(
                Match(
                    a=a,
                    b=b,
                    relation=relation,
                    jaccard=round(pair.jaccard, 4),
                    containment_ab=round(pair.containment_ab, 4),
                    containment_ba=round(pair.containment_ba, 4),
                    cosine=round(pair.cosine, 4),
                    title_similarity=round(pair.title_similarity or 0.0, 4),
                )
            )
        if on_each is not None:
            on_each()
    return matches
