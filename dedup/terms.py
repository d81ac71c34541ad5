"""Term counts of texts, counted chunk by chunk and merged into one run-wide vocabulary.

scikit-learn's ``CountVectorizer`` needs every text at once. Here each chunk of texts is counted
on its own, in a worker process (:func:`count_terms`), with the chunk's terms listed in the
order they first occur, and :class:`TermCounter` merges the chunks in input order: a term's
run-wide number is then the order of its first occurrence in the whole run, exactly as
``CountVectorizer`` numbers it before sorting. So the merged matrix equals
``CountVectorizer().fit_transform(texts)`` down to the order of the entries in each row, and
the TF-IDF vectors made from it (:class:`dedup.verify.TfidfReranker`) equal
``TfidfVectorizer``'s bit for bit (``tests/test_terms.py`` checks this).

A counter can also keep only each term's document frequency, not the rows: then memory grows
with the vocabulary, not with the number of texts, and rows are recounted for the few texts
that need them (:meth:`TermCounter.rows`).
"""

from __future__ import annotations

import functools
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import CountVectorizer

TOKEN_PATTERN = r"(?u)\b\w+\b"
"""Every run of word characters, single letters and figures included (the TF-IDF terms)."""
WORD_PATTERN = r"(?u)\b[^\W\d_]\w*\b"
"""Words only: figures recur by chance ("1987", "10") and say nothing about who a text is
about (the distinctive terms of :func:`dedup.verify.distinctive_columns`)."""


@dataclass(frozen=True)
class TermChunk:
    """Term counts of a chunk of texts, against the chunk's own vocabulary.

    Attributes:
        terms: the chunk's terms in order of first occurrence.
        indptr: text ``i``'s entries are ``indptr[i]:indptr[i + 1]``.
        indices: each entry's term, a position in ``terms``, in order of first occurrence in
            the text.
        counts: how often the text holds the term.
    """

    terms: list[str]
    indptr: np.ndarray
    indices: np.ndarray
    counts: np.ndarray

    def __len__(self) -> int:
        return len(self.indptr) - 1


@functools.cache
def _analyzer(token_pattern: str) -> Callable[[str], list[str]]:
    return CountVectorizer(token_pattern=token_pattern).build_analyzer()  # type: ignore[no-any-return]


def count_terms(texts: Sequence[str], token_pattern: str = TOKEN_PATTERN) -> TermChunk:
    """Count the terms of each text as ``CountVectorizer(token_pattern=...)`` tokenizes it
    (lower-cased, unigrams), numbering terms in order of first occurrence."""
    analyze = _analyzer(token_pattern)
    vocabulary: dict[str, int] = {}
    indices: list[int] = []
    counts: list[int] = []
    indptr = [0]
    for text in texts:
        # A Counter lists a text's terms in order of first occurrence, counted in C.
        found = Counter(analyze(text))
        indices.extend([vocabulary.setdefault(term, len(vocabulary)) for term in found])
        counts.extend(found.values())
        indptr.append(len(indices))
    return TermChunk(
        terms=list(vocabulary),
        indptr=np.asarray(indptr, dtype=np.int64),
        indices=np.asarray(indices, dtype=np.int32),
        counts=np.asarray(counts, dtype=np.int32),
    )


class TermCounter:
    """Merges :class:`TermChunk` s, in input order, into one vocabulary.

    Args:
        keep_rows: keep every text's counts (for :meth:`matrix`); otherwise only the document
            frequencies are kept.
    """

    def __init__(self, *, keep_rows: bool = True) -> None:
        self.keep_rows = keep_rows
        self.vocabulary: dict[str, int] = {}
        self.documents = 0
        self._df = np.zeros(1024, dtype=np.int64)
        self._rows: list[sparse.csr_matrix] = []

    def add(self, chunk: TermChunk) -> np.ndarray:
        """Count one chunk's texts as the next texts of the run.

        Returns:
            the run-wide number of each entry's term (``chunk.indices`` renumbered).
        """
        numbers = self._numbers(chunk.terms, grow=True)
        global_indices = numbers[chunk.indices]
        self._df[: len(self.vocabulary)] += np.bincount(
            global_indices, minlength=len(self.vocabulary)
        )
        self.documents += len(chunk)
        if self.keep_rows:
            self._rows.append(self._csr(chunk, global_indices))
        return global_indices

    def _numbers(self, terms: list[str], *, grow: bool) -> np.ndarray:
        vocabulary = self.vocabulary
        if grow:
            numbers = [vocabulary.setdefault(term, len(vocabulary)) for term in terms]
            if len(vocabulary) > self._df.size:
                self._df = np.concatenate(
                    [self._df, np.zeros(max(len(vocabulary), self._df.size), dtype=np.int64)]
                )
        else:
            numbers = [vocabulary[term] for term in terms]
        return np.asarray(numbers, dtype=np.int64)

    def _csr(self, chunk: TermChunk, global_indices: np.ndarray) -> sparse.csr_matrix:
        return count_rows(chunk.indptr, global_indices, chunk.counts, len(self.vocabulary))

    @property
    def df(self) -> np.ndarray:
        """In how many texts each term occurs, by run-wide term number."""
        return self._df[: len(self.vocabulary)]

    def terms(self) -> list[str]:
        """The run's terms by run-wide number (order of first occurrence)."""
        return list(self.vocabulary)

    def matrix(self) -> sparse.csr_matrix:
        """Every text's counts (``float32``), columns by run-wide term number.

        Raises:
            ValueError: the counter keeps no rows.
        """
        if not self.keep_rows:
            raise ValueError("this TermCounter keeps document frequencies only (keep_rows=False)")
        width = max(len(self.vocabulary), 1)
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
        the run-wide columns: the rows :meth:`matrix` would hold for them."""
        global_indices = self._numbers(chunk.terms, grow=False)[chunk.indices]
        return self._csr(chunk, global_indices)


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
    # Sorted as CountVectorizer sorts them: the order sums over a row are taken in.
    matrix.sort_indices()
    return matrix


def _widen(matrix: sparse.csr_matrix, width: int) -> sparse.csr_matrix:
    """The same rows with ``width`` columns (later chunks brought new terms)."""
    return sparse.csr_matrix(
        (matrix.data, matrix.indices, matrix.indptr), shape=(matrix.shape[0], width)
    )
