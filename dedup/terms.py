"""Term counts of texts, counted chunk by chunk and merged into one run-wide vocabulary.

scikit-learn's ``CountVectorizer`` needs every text at once and counts strings in Python. Here
each chunk of texts is counted on its own, in a worker process (:func:`count_words`), from the
64-bit hashes of its words (:func:`dedup.shingle.word_batch`, which the shingle step computes
anyway) with array sorts, no Python code per word or per term. The words are the runs of
``\\w`` characters, exactly the tokens :data:`TOKEN_PATTERN` finds, and the texts are
normalized (case-folded) already, so ``CountVectorizer``'s lower-casing changes nothing: a term
is a word's hash, and two distinct words share a term only if their 64-bit hashes collide
(for a vocabulary of ten million words, a chance of about one in 400,000 per run).

A chunk lists its terms in the order they first occur, and :class:`TermCounter` merges the
chunks in input order: a term's run-wide number is then the order of its first occurrence in
the whole run, whatever the chunks. So the merged matrix equals
``CountVectorizer().fit_transform(texts)`` up to the order of its columns (``CountVectorizer``
sorts them alphabetically, which hashes cannot), and the TF-IDF vectors made from it
(:class:`dedup.tfidf.TfidfReranker`) equal ``TfidfVectorizer``'s with the columns permuted
(``tests/test_terms.py`` checks this).

A counter can also keep only each term's document frequency, not the rows: then memory grows
with the vocabulary, not with the number of texts, and rows are recounted for the few texts
that need them (:meth:`TermCounter.rows`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import sparse

from .shingle import WordBatch, starts_a_figure, word_batch

TOKEN_PATTERN = r"(?u)\b\w+\b"
"""Every run of word characters, single letters and figures included (the TF-IDF terms): the
words :func:`dedup.shingle.word_hashes` hashes."""
WORD_PATTERN = r"(?u)\b[^\W\d_]\w*\b"
"""Words only: figures recur by chance ("1987", "10") and say nothing about who a text is
about (the distinctive terms of :func:`dedup.tfidf.distinctive_columns`). Counted from hashes
(``count_words(..., letters_only=True)``), a word is a figure when its first character is an
ASCII digit: a word starting with a non-ASCII digit counts as a word."""


@dataclass(frozen=True)
class TermChunk:
    """Term counts of a chunk of texts, against the chunk's own vocabulary.

    Attributes:
        terms: the chunk's terms (``uint64`` word hashes) in order of first occurrence.
        figures: whether each term is a figure (its word starts with an ASCII digit).
        indptr: text ``i``'s entries are ``indptr[i]:indptr[i + 1]``.
        indices: each entry's term, a position in ``terms``, ascending within each text.
        counts: how often the text holds the term.
    """

    terms: np.ndarray
    figures: np.ndarray
    indptr: np.ndarray
    indices: np.ndarray
    counts: np.ndarray

    def __len__(self) -> int:
        return len(self.indptr) - 1


def count_terms(texts: Sequence[str], *, letters_only: bool = False) -> TermChunk:
    """Count the terms of normalized texts as ``CountVectorizer(token_pattern=TOKEN_PATTERN)``
    tokenizes them (or :data:`WORD_PATTERN` with ``letters_only``), numbering terms in order of
    first occurrence."""
    return count_words(word_batch(texts), letters_only=letters_only)


def count_words(words: WordBatch, *, letters_only: bool = False) -> TermChunk:
    """Count the terms of texts from their word hashes, numbering terms in order of first
    occurrence.

    Args:
        words: the texts' word hashes (:func:`dedup.shingle.word_batch`).
        letters_only: count only words that start with a letter (:data:`WORD_PATTERN`).
    """
    hashes, initials = words.hashes, words.initials
    n_texts = len(words)
    text_of = np.repeat(np.arange(n_texts, dtype=np.int64), words.sizes)
    if letters_only:
        keep = words.letters()
        hashes, initials, text_of = hashes[keep], initials[keep], text_of[keep]
    n = hashes.size
    if n == 0:
        return TermChunk(
            terms=np.zeros(0, dtype=np.uint64),
            figures=np.zeros(0, dtype=bool),
            indptr=np.zeros(n_texts + 1, dtype=np.int64),
            indices=np.zeros(0, dtype=np.int32),
            counts=np.zeros(0, dtype=np.int32),
        )
    order, starts = _group(hashes)
    first = order[starts]  # each term's first occurrence, terms in hash order
    occurs_first = np.zeros(n, dtype=bool)
    occurs_first[first] = True
    # A term's number is how many terms occur first before it.
    number_at = np.cumsum(occurs_first) - 1
    number = number_at[first]
    width = first.size
    term_of_sorted = number[np.cumsum(starts) - 1]
    # Entries: the distinct (text, term) pairs, sorted, and how often each occurs.
    keys = np.sort(text_of[order] * width + term_of_sorted)
    entry_starts = np.flatnonzero(_changes(keys))
    counts = np.diff(np.append(entry_starts, n))
    entries = keys[entry_starts]
    entry_text = entries // width
    by_number = np.flatnonzero(occurs_first)  # the first occurrences, in text order
    return TermChunk(
        terms=hashes[by_number],
        figures=starts_a_figure(initials[by_number]),
        indptr=np.searchsorted(entry_text, np.arange(n_texts + 1)).astype(np.int64),
        indices=(entries - entry_text * width).astype(np.int32),
        counts=counts.astype(np.int32),
    )


@dataclass(frozen=True)
class TermEntries:
    """The distinct (term, text) pairs of a chunk of texts, listed term by term (terms in
    hash order, each term's texts ascending): what :func:`count_words_by_hash` sorts by text,
    and :meth:`dedup.tfidf.TfidfWeights.vectors_of_words` by text and column.

    Attributes:
        terms: the chunk's terms (``uint64`` word hashes), sorted.
        figures: whether each term is a figure.
        texts: each entry's text.
        indices: each entry's term, a position in ``terms``.
        counts: how often the text holds the term.
        documents: how many texts the chunk has.
    """

    terms: np.ndarray
    figures: np.ndarray
    texts: np.ndarray
    indices: np.ndarray
    counts: np.ndarray
    documents: int


def term_entries(words: WordBatch) -> TermEntries:
    """The (term, text) entries of texts from their word hashes, with one sort of the words:
    sorted by hash, each term's words come in text order, so each entry is a run."""
    hashes, n_texts = words.hashes, len(words)
    if hashes.size == 0:
        empty = np.zeros(0, dtype=np.int64)
        return TermEntries(hashes, empty.astype(bool), empty, empty, empty, n_texts)
    order, starts = _group(hashes)
    # Text numbers in the smallest type: the gather in hash order then misses the cache less.
    text_type = np.uint16 if n_texts <= 1 << 16 else np.int64
    texts = np.repeat(np.arange(n_texts, dtype=text_type), words.sizes)[order]
    entry_starts = np.flatnonzero(starts | _changes(texts))
    # Every term starts an entry, so the terms can be numbered over the entries alone.
    first = order[starts]
    return TermEntries(
        terms=hashes[first],
        figures=starts_a_figure(words.initials[first]),
        texts=texts[entry_starts],
        indices=np.cumsum(starts[entry_starts]) - 1,
        counts=np.diff(entry_starts, append=hashes.size),
        documents=n_texts,
    )


def count_words_by_hash(words: WordBatch) -> TermChunk:
    """:func:`count_words`, but the terms numbered in order of their hashes rather than of
    first occurrence: for texts whose counts only become vectors against a fitted vocabulary
    (:meth:`dedup.tfidf.TfidfWeights.vectors`), where the numbering does not matter.

    It takes one sort of the words instead of two (:func:`term_entries`), and the entries are
    then sorted by (text, term) as packed 64-bit keys (:class:`PackedKeys`), which lists each
    text's terms in ascending order: 9 ms for a million entries, where a stable argsort by
    text and the gathers after it took 30 ms.
    """
    entries = term_entries(words)
    n_texts = entries.documents
    if entries.terms.size == 0:
        return count_words(words)
    indptr = np.zeros(n_texts + 1, dtype=np.int64)
    np.cumsum(np.bincount(entries.texts, minlength=n_texts), out=indptr[1:])
    fields = (entries.texts, entries.indices, entries.counts)
    keys = PackedKeys.of(fields, (n_texts, entries.terms.size, int(entries.counts.max()) + 1))
    if keys is None:  # too many texts, terms and words for 63 bits: sorted stably by text
        by_text = np.argsort(entries.texts, kind="stable")
        indices, counts = entries.indices[by_text], entries.counts[by_text]
    else:
        keys.sort()
        indices, counts = keys.field(1, np.int32), keys.field(2, np.int32)
    return TermChunk(
        terms=entries.terms,
        figures=entries.figures,
        indptr=indptr,
        indices=indices.astype(np.int32, copy=False),
        counts=counts.astype(np.int32, copy=False),
    )


class PackedKeys:
    """Rows of small non-negative integers (``fields[i][k]`` in ``[0, sizes[i])``) packed into
    one ``uint64`` key each, the first field in the highest bits: sorting the keys with numpy's
    plain sort, which is vectorized, sorts the rows, several times faster than an argsort and
    the gathers of each field after it. Rows fit in 63 bits, so a key with its highest bit set
    sorts after every row: a field of -1 (all bits set, as ``uint64``) gives one.

    Built only through :meth:`of`; fields are read back with :meth:`field`. Every step runs in
    place or straight into its result: a temporary of 8 bytes per row costs as much again in
    first writes to fresh memory as the pass over it.
    """

    def __init__(self, keys: np.ndarray, widths: tuple[int, ...]) -> None:
        self.keys = keys
        self.widths = widths

    @classmethod
    def of(cls, fields: Sequence[np.ndarray], sizes: Sequence[int]) -> PackedKeys | None:
        """The rows' keys, ``None`` when the fields take more than 63 bits."""
        widths = tuple(max(1, (size - 1).bit_length()) for size in sizes)
        if sum(widths) > 63:
            return None
        keys = np.asarray(fields[0]).astype(np.uint64)
        for field, width in zip(fields[1:], widths[1:], strict=True):
            keys <<= np.uint64(width)
            np.bitwise_or(keys, field, out=keys, casting="unsafe", dtype=np.uint64)
        return cls(keys, widths)

    def sort(self) -> None:
        self.keys.sort()

    def field(self, position: int, dtype: type, stop: int | None = None) -> np.ndarray:
        """Field ``position`` of the first ``stop`` keys (all of them by default)."""
        keys = self.keys[:stop]
        shift = sum(self.widths[position + 1 :])
        values = keys >> np.uint64(shift) if shift else keys
        result: np.ndarray = np.empty(keys.size, dtype=dtype)
        mask = np.uint64((1 << self.widths[position]) - 1)
        np.bitwise_and(values, mask, out=result, casting="unsafe")
        return result

    def starts(self, values: np.ndarray, stop: int | None = None) -> np.ndarray:
        """Where each of ``values`` of the first field starts among the first ``stop`` sorted
        keys (``stop`` for values after them all)."""
        shift = np.uint64(sum(self.widths[1:]))
        return np.searchsorted(self.keys[:stop], values.astype(np.uint64) << shift)


@dataclass(frozen=True)
class TermFrequencies:
    """In how many of a chunk's texts each of its terms occurs: what a run that keeps no
    rows needs of a chunk (:meth:`TermCounter.add`).

    Attributes:
        terms: the chunk's terms (``uint64`` word hashes) in order of first occurrence.
        figures: whether each term is a figure.
        df: how many of the chunk's texts hold each term.
        documents: how many texts the chunk has.
    """

    terms: np.ndarray
    figures: np.ndarray
    df: np.ndarray
    documents: int

    def __len__(self) -> int:
        return self.documents


def document_frequencies(words: WordBatch) -> TermFrequencies:
    """The document frequencies :func:`count_words` gives (its terms, in the same order, and
    the texts holding each), with one sort of the words rather than two: a text's distinct
    terms are not listed, only counted."""
    hashes = words.hashes
    if hashes.size == 0:
        empty = np.zeros(0, dtype=np.int64)
        return TermFrequencies(hashes, empty.astype(bool), empty, len(words))
    text_of = np.repeat(np.arange(len(words), dtype=np.int64), words.sizes)
    order, starts = _group(hashes)  # each term's words, in text order
    texts = text_of[order]
    # A term's word counts once per text: when it starts the term's run or follows another text.
    new_text = _changes(texts) | starts
    run_starts = np.flatnonzero(starts)
    df = np.add.reduceat(new_text.astype(np.int64), run_starts)
    first = order[run_starts]  # each term's first word, terms in hash order
    by_occurrence = np.argsort(first)
    initials = words.initials[first[by_occurrence]]
    return TermFrequencies(
        terms=hashes[first[by_occurrence]],
        figures=starts_a_figure(initials),
        df=df[by_occurrence],
        documents=len(words),
    )


def _changes(values: np.ndarray) -> np.ndarray:
    """Whether each element of a sorted array differs from the one before (the first does)."""
    changed = np.empty(values.size, dtype=bool)
    changed[:1] = True
    np.not_equal(values[1:], values[:-1], out=changed[1:])
    return changed


def _group(hashes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The positions of ``hashes`` sorted by ``(hash, position)``, and where each distinct
    hash's run starts among them.

    A plain sort of ``uint64`` is several times faster than an argsort: the position is packed
    into the low bits of each hash and the keys sorted. Words whose hashes then agree in all
    but those low bits would be one term; that is checked on the full hashes (for a chunk of
    200,000 words and 20,000 terms, a chance of about one in 300,000), and then the positions
    are sorted by the full hashes instead.
    """
    n = hashes.size
    bits = np.uint64(max(1, (n - 1).bit_length()))
    low = (np.uint64(1) << bits) - np.uint64(1)
    # In place, on one array: temporaries of 8 bytes per word cost as much as the sort.
    keys = hashes >> bits
    keys <<= bits
    keys |= np.arange(n, dtype=np.uint64)
    keys.sort()
    starts = _changes(keys | low)  # where the bits above the positions change
    keys &= low
    order = keys.view(np.int64)  # positions are below 2**63: the same values
    if np.array_equal(starts, _changes(hashes[order])):
        return order, starts
    order = np.argsort(hashes, kind="stable")
    return order, _changes(hashes[order])


class _HashIndex:
    """Term numbers by 64-bit term hash: an open-addressing table (linear probing, at most
    half full) probed for many hashes at once with array operations."""

    def __init__(self, capacity: int = 1 << 16) -> None:
        self._keys = np.zeros(capacity, dtype=np.uint64)
        self._values = np.full(capacity, -1, dtype=np.int64)
        self._size = 0

    def __len__(self) -> int:
        return self._size

    def find(self, hashes: np.ndarray) -> np.ndarray:
        """The number of each hash, -1 for hashes not in the table."""
        found = np.full(hashes.size, -1, dtype=np.int64)
        mask = np.uint64(self._keys.size - 1)
        pending = np.arange(hashes.size)
        slots = (hashes & mask).astype(np.int64)
        while pending.size:
            values = self._values[slots]
            hit = (values >= 0) & (self._keys[slots] == hashes[pending])
            found[pending[hit]] = values[hit]
            go_on = (values >= 0) & ~hit
            pending = pending[go_on]
            slots = (slots[go_on] + 1) & np.int64(mask)
        return found

    def insert(self, hashes: np.ndarray, numbers: np.ndarray) -> None:
        """Add distinct hashes that are not in the table, with distinct numbers."""
        if 2 * (self._size + hashes.size) > self._keys.size:
            self._grow(self._size + hashes.size)
        self._place(hashes, numbers)
        self._size += hashes.size

    def _place(self, hashes: np.ndarray, numbers: np.ndarray) -> None:
        mask = np.int64(self._keys.size - 1)
        pending = np.arange(hashes.size)
        slots = (hashes & np.uint64(mask)).astype(np.int64)
        while pending.size:
            free = self._values[slots] < 0
            candidates, taken = pending[free], slots[free]
            # Several hashes may want one free slot: one of the writes wins, read back.
            self._values[taken] = numbers[candidates]
            won = self._values[taken] == numbers[candidates]
            self._keys[taken[won]] = hashes[candidates[won]]
            placed = free.copy()
            placed[free] = won
            pending = pending[~placed]
            slots = (slots[~placed] + 1) & mask

    def _grow(self, size: int) -> None:
        occupied = self._values >= 0
        keys, values = self._keys[occupied], self._values[occupied]
        capacity = self._keys.size
        while 2 * size > capacity:
            capacity *= 2
        self._keys = np.zeros(capacity, dtype=np.uint64)
        self._values = np.full(capacity, -1, dtype=np.int64)
        self._place(keys, values)


def _grown(array: np.ndarray, size: int) -> np.ndarray:
    """``array`` with room for at least ``size`` elements (doubling, zero-filled)."""
    if size <= array.size:
        return array
    grown = np.zeros(max(size, 2 * array.size), dtype=array.dtype)
    grown[: array.size] = array
    return grown


class TermCounter:
    """Merges :class:`TermChunk` s, in input order, into one vocabulary.

    Args:
        keep_rows: keep every text's counts (for :meth:`matrix`); otherwise only the document
            frequencies are kept.
    """

    def __init__(self, *, keep_rows: bool = True) -> None:
        self.keep_rows = keep_rows
        self.documents = 0
        self._terms = 0
        self._index = _HashIndex()
        self._hashes = np.zeros(1024, dtype=np.uint64)
        self._figures = np.zeros(1024, dtype=bool)
        self._df = np.zeros(1024, dtype=np.int64)
        self._rows: list[sparse.csr_matrix] = []

    def __len__(self) -> int:
        """How many distinct terms the run has counted."""
        return self._terms

    def add(self, chunk: TermChunk | TermFrequencies) -> np.ndarray:
        """Count one chunk's texts as the next texts of the run (only their document
        frequencies, from :func:`document_frequencies`, when the counter keeps no rows).

        Returns:
            the run-wide number of each of the chunk's terms.
        """
        numbers = self._index.find(chunk.terms)
        new = np.flatnonzero(numbers < 0)
        if new.size:
            # New terms are numbered in the chunk's order: their order of first occurrence.
            numbers[new] = np.arange(self._terms, self._terms + new.size)
            self._index.insert(chunk.terms[new], numbers[new])
            size = self._terms + new.size
            self._hashes = _grown(self._hashes, size)
            self._figures = _grown(self._figures, size)
            self._df = _grown(self._df, size)
            self._hashes[self._terms : size] = chunk.terms[new]
            self._figures[self._terms : size] = chunk.figures[new]
            self._terms = size
        self.documents += len(chunk)
        if isinstance(chunk, TermFrequencies):
            if self.keep_rows:
                raise ValueError("a counter that keeps rows needs each text's counts")
            self._df[numbers] += chunk.df  # a chunk's terms are distinct
            return numbers
        global_indices = numbers[chunk.indices]
        self._df[: self._terms] += np.bincount(global_indices, minlength=self._terms)
        if self.keep_rows:
            self._rows.append(self._csr(chunk, global_indices))
        return numbers

    def _csr(self, chunk: TermChunk, global_indices: np.ndarray) -> sparse.csr_matrix:
        return count_rows(chunk.indptr, global_indices, chunk.counts, self._terms)

    @property
    def df(self) -> np.ndarray:
        """In how many texts each term occurs, by run-wide term number."""
        return self._df[: self._terms]

    @property
    def hashes(self) -> np.ndarray:
        """The run's terms (word hashes) by run-wide number (order of first occurrence)."""
        return self._hashes[: self._terms]

    @property
    def figures(self) -> np.ndarray:
        """Whether each term is a figure, by run-wide number."""
        return self._figures[: self._terms]

    def numbers(self, terms: np.ndarray) -> np.ndarray:
        """The run-wide number of each term hash, -1 for terms the run has not counted."""
        return self._index.find(terms)

    def matrix(self) -> sparse.csr_matrix:
        """Every text's counts (``float32``), columns by run-wide term number.

        Raises:
            ValueError: the counter keeps no rows.
        """
        if not self.keep_rows:
            raise ValueError("this TermCounter keeps document frequencies only (keep_rows=False)")
        width = max(self._terms, 1)
        parts = [_widen(part, width) for part in self._rows]
        if not parts:
            return sparse.csr_matrix((0, width), dtype=np.float32)
        return sparse.vstack(parts, format="csr", dtype=np.float32)  # type: ignore[return-value]

    def release_rows(self) -> None:
        """Drop the texts' counts (once they are turned into vectors); document frequencies
        and the vocabulary stay."""
        self._rows = []
        self.keep_rows = False

    def rows(self, chunk: TermChunk) -> sparse.csr_matrix:
        """The counts of texts counted again after the run (their terms are all known), with
        the run-wide columns: the rows :meth:`matrix` would hold for them.

        Raises:
            ValueError: a text holds a term the run has not counted.
        """
        numbers = self._index.find(chunk.terms)
        if (numbers < 0).any():
            raise ValueError("the texts hold terms this TermCounter has not counted")
        return self._csr(chunk, numbers[chunk.indices])


def count_rows(
    indptr: np.ndarray, indices: np.ndarray, counts: np.ndarray, width: int
) -> sparse.csr_matrix:
    """Rows of term counts with run-wide term numbers as a ``float32`` matrix, each row's
    entries sorted by term number: the form :meth:`TermCounter.matrix` holds them in."""
    matrix = sparse.csr_matrix(
        # Copies: the arrays may be read-only views of a buffer, and sorting is in place.
        (np.array(counts, dtype=np.float32), np.array(indices, dtype=np.int32), indptr),
        shape=(len(indptr) - 1, max(width, 1)),
    )
    # Sorted by term number: the order sums over a row are taken in.
    matrix.sort_indices()
    return matrix


def _widen(matrix: sparse.csr_matrix, width: int) -> sparse.csr_matrix:
    """The same rows with ``width`` columns (later chunks brought new terms)."""
    return sparse.csr_matrix(
        (matrix.data, matrix.indices, matrix.indptr), shape=(matrix.shape[0], width)
    )
