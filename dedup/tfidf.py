"""TF-IDF vectors of a run's article bodies: the cosine of candidate pairs, and the cosine and
story graphs of the related-story search.

The vectors are scikit-learn's ``TfidfVectorizer``'s (:class:`TfidfReranker`), computed from
term counts merged chunk by chunk (:mod:`dedup.terms`), so a run need not hold its texts.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import sparse

from .config import VerifyConfig
from .errors import ConfigError
from .executor import ChunkExecutor, Shared
from .shingle import WordBatch
from .terms import (
    PackedKeys,
    TermChunk,
    TermCounter,
    count_terms,
    count_words_by_hash,
    term_entries,
)


@dataclass(frozen=True)
class TfidfWeights:
    """What makes TF-IDF vectors of texts from their terms, without the run's vocabulary by
    number: small enough to hand to worker processes.

    Attributes:
        hashes: the kept terms' hashes, sorted (for lookups)...
        columns: ... and the column of each.
        idf: the idf of each column.
    """

    hashes: np.ndarray
    columns: np.ndarray
    idf: np.ndarray

    def columns_of(self, terms: np.ndarray) -> np.ndarray:
        """The column of each term hash, -1 for terms dropped as too common or not in the
        run."""
        if self.hashes.size == 0:
            return np.full(terms.size, -1, dtype=np.int64)
        at = np.minimum(np.searchsorted(self.hashes, terms), self.hashes.size - 1)
        return np.where(self.hashes[at] == terms, self.columns[at], -1)

    def vectors(self, terms: TermChunk) -> sparse.csr_matrix:
        """The TF-IDF vectors of counted texts (:func:`dedup.terms.count_words`), terms
        outside the fitted vocabulary ignored. Each row depends only on its own counts and the
        fitted idf: a text's vector is the same whether it is computed with the others or alone.
        """
        columns = self.columns_of(terms.terms)[terms.indices]
        return tfidf_rows(terms.indptr, columns, terms.counts, self.idf)

    def vectors_of_words(self, words: WordBatch) -> sparse.csr_matrix:
        """``vectors(count_words_by_hash(words))``, the same matrix, with one sort of the
        entries fewer: the texts' (term, text) entries (:func:`dedup.terms.term_entries`) are
        sorted once, by text and column, rather than by text and term and then each text's
        by column."""
        entries = term_entries(words)
        n_rows, width = entries.documents, len(self.idf)
        if width and n_rows and entries.terms.size:
            columns = self.columns_of(entries.terms)[entries.indices]
            matrix = _tfidf_of_entries(entries.texts, columns, entries.counts, n_rows, self.idf)
            if matrix is not None:
                return matrix
        return self.vectors(count_words_by_hash(words))


def tfidf_rows(
    indptr: np.ndarray, columns: np.ndarray, counts: np.ndarray, idf: np.ndarray
) -> sparse.csr_matrix:
    """L2-normalized TF-IDF vectors of term counts: row ``i``'s entries are
    ``indptr[i]:indptr[i + 1]`` of ``columns`` (-1: a term without a column, left out) and
    ``counts``. Each row's entries are sorted by column before they are scaled, so a row comes
    out the same bits whatever the order of its entries."""
    n_rows, width = len(indptr) - 1, len(idf)
    if width == 0:  # no terms at all, e.g. every body is punctuation
        return sparse.csr_matrix((n_rows, 1), dtype=np.float32)
    if n_rows == 0:
        return sparse.csr_matrix((0, width), dtype=np.float32)
    counts = np.asarray(counts)
    if not np.issubdtype(counts.dtype, np.integer):
        # The run's count matrix holds its counts as float32: whole numbers, which the packed
        # sort below takes as integers (the same values, so the same bits).
        whole = counts.astype(np.int64)
        if np.array_equal(whole, counts):
            counts = whole
    if np.issubdtype(counts.dtype, np.integer) and counts.size:
        # Index type as small as the rows allow: less memory to write and to sort from.
        row_type = np.uint16 if n_rows <= 1 << 16 else np.int64
        rows = np.repeat(np.arange(n_rows, dtype=row_type), np.diff(indptr))
        matrix = _tfidf_of_entries(rows, columns, counts, n_rows, idf)
        if matrix is not None:
            return matrix
    keep = columns >= 0
    row_of = np.repeat(np.arange(n_rows), np.diff(indptr))
    kept_per_row = np.bincount(row_of[keep], minlength=n_rows)
    kept_indptr = np.zeros(n_rows + 1, dtype=np.int64)
    np.cumsum(kept_per_row, out=kept_indptr[1:])
    data = np.asarray(counts)[keep].astype(np.float32)
    indices = np.asarray(columns)[keep].astype(np.int32)
    # TfidfTransformer's steps: sublinear tf, times idf, rows scaled to unit length.
    np.log(data, data)
    data += np.float32(1.0)
    data *= idf[indices]
    matrix = sparse.csr_matrix((data, indices, kept_indptr.astype(np.int32)), shape=(n_rows, width))
    matrix.sort_indices()
    normalize_rows_l2(matrix)
    return matrix


def _tfidf_of_entries(
    rows: np.ndarray, columns: np.ndarray, counts: np.ndarray, n_rows: int, idf: np.ndarray
) -> sparse.csr_matrix | None:
    """:func:`tfidf_rows` of entries in any order: each entry's row, column (-1: left out) and
    integer count, each (row, column) once; ``None`` when they do not pack into 63 bits.

    The entries are sorted by (row, column) as packed keys (:class:`dedup.terms.PackedKeys`),
    the order ``sort_indices`` gives each row, with the left-out entries (a column of -1 sets
    every bit above it) after all the others. For a million entries this took 15 ms, scaling
    included, where filtering them, sorting each row's indices in the matrix and scaling took
    48 ms.
    """
    width = len(idf)
    keys = PackedKeys.of((rows, columns, counts), (n_rows, width, int(counts.max()) + 1))
    if keys is None:
        return None
    keys.sort()
    kept = int(np.count_nonzero(columns >= 0))
    # scipy's index type: 32 bits unless the entries outnumber them.
    index_type = np.int32 if kept < 2**31 else np.int64
    indptr = keys.starts(np.arange(n_rows + 1), stop=kept).astype(index_type)
    indices = keys.field(1, index_type, stop=kept)
    # TfidfTransformer's steps: sublinear tf, times idf, rows scaled to unit length.
    data = keys.field(2, np.float32, stop=kept)
    np.log(data, data)
    data += np.float32(1.0)
    data *= idf[indices]
    matrix = sparse.csr_matrix((data, indices, indptr), shape=(n_rows, width))
    matrix.has_sorted_indices = True
    normalize_rows_l2(matrix)
    return matrix


def normalize_rows_l2(matrix: sparse.csr_matrix) -> None:
    """Scale each row of a ``float32`` CSR matrix to unit length, in place, bit for bit as
    scikit-learn's ``normalize(matrix, norm="l2")`` does: its ``inplace_csr_row_normalize_l2``
    adds a row's float32 squares one by one to a float64 sum, in entry order, and divides by
    its square root in float64; rows of zeros stay.

    Written here rather than imported: scikit-learn takes most of a second to import, which
    every verification worker would pay for these few lines. The sums are a product with a
    vector of ones: scipy's ``csr_matvec`` adds each row's products to a float64 sum one by
    one, in entry order, and a square times 1.0 is the square. That takes 3 ms for a million
    entries, where a numpy loop over entry positions took 15 ms.
    """
    data, indptr = matrix.data, matrix.indptr
    squares = (data * data).astype(np.float64)
    ones = np.ones(matrix.shape[1])
    sums = sparse.csr_matrix((squares, matrix.indices, indptr), shape=matrix.shape) @ ones
    norms = np.where(sums == 0, 1.0, np.sqrt(sums))
    data[:] = data / np.repeat(norms, np.diff(indptr))


class TfidfReranker:
    """TF-IDF vectors of a run's article bodies, for cosine similarity between articles.

    Fitted on the run's own articles, so weights reflect what is common in this feed. The
    vectors equal scikit-learn's ``TfidfVectorizer(sublinear_tf=True, max_df=max_df,
    dtype=float32, token_pattern=r"(?u)\\b\\w+\\b")`` on normalized texts, with the columns
    permuted: they are computed from word-hash counts merged chunk by chunk
    (:mod:`dedup.terms`), so the texts need not be held at once, and the columns are the kept
    terms in order of first occurrence in the run (``TfidfVectorizer`` sorts them
    alphabetically). The values agree to float32 rounding, not bit for bit: each row is scaled
    to unit length by a float32 sum of squares taken in column order, and the order differs.

    Args:
        max_df: terms in more than this share of articles are ignored (site-wide words).

    Example:
        >>> reranker = TfidfReranker().fit(["oil prices rose", "oil prices fell", "cats sleep"])
        >>> round(reranker.cosine(0, 1), 2) > round(reranker.cosine(0, 2), 2)
        True
    """

    def __init__(self, *, max_df: float = 0.5) -> None:
        self.max_df = max_df

    def fit(self, texts: Sequence[str]) -> TfidfReranker:
        """Fit on normalized texts (:func:`dedup.normalize.normalize_text`)."""
        counter = TermCounter()
        counter.add(count_terms(texts))
        return self.fit_counts(counter)

    def fit_counts(self, counter: TermCounter) -> TfidfReranker:
        """Fit on the term counts of the run's texts.

        With a counter that kept its rows, :attr:`matrix_` holds every text's vector; with one
        that kept document frequencies only, vectors are made on demand by :meth:`vectors`.
        """
        if not 0.0 < self.max_df <= 1.0:
            raise ConfigError(f"max_df must be in (0, 1]; got {self.max_df}")
        n = counter.documents
        # max_df is a share only when there are enough articles for a share to mean anything.
        max_df = self.max_df if n >= 10 else 1.0
        df = counter.df
        # Columns are the kept terms in order of first occurrence (run-wide term number).
        kept = np.flatnonzero(df <= max_df * n)
        self.column_of_ = np.full(len(counter), -1, dtype=np.int64)
        self.column_of_[kept] = np.arange(kept.size)
        self.hashes_ = counter.hashes[kept]
        self.figures_ = counter.figures[kept]
        # Smoothed idf, computed in float32 as TfidfTransformer computes it.
        kept_df = df[kept].astype(np.float32) + np.float32(1.0)
        self.idf_ = np.full_like(kept_df, fill_value=n + 1, dtype=np.float32)
        self.idf_ /= kept_df
        np.log(self.idf_, out=self.idf_)
        self.idf_ += np.float32(1.0)
        self.documents_ = n
        if counter.keep_rows:
            counts = counter.matrix()
            self.matrix_: sparse.csr_matrix = tfidf_rows(
                counts.indptr, self.column_of_[counts.indices], counts.data, self.idf_
            )
        return self

    def vectors(self, terms: TermChunk) -> sparse.csr_matrix:
        """TF-IDF vectors of counted texts (:func:`dedup.terms.count_terms`), with the fitted
        columns: for a text the run fitted on, the row :attr:`matrix_` holds."""
        return self.weights().vectors(terms)

    def transform(self, texts: Sequence[str]) -> sparse.csr_matrix:
        """TF-IDF vectors of normalized texts, terms the fit did not keep ignored."""
        return self.vectors(count_terms(texts))

    def weights(self) -> TfidfWeights:
        """What making vectors takes (:class:`TfidfWeights`)."""
        if not hasattr(self, "idf_"):
            raise _not_fitted("TfidfReranker is not fitted yet; call fit(texts) first")
        if not hasattr(self, "weights_"):
            order = np.argsort(self.hashes_)
            self.weights_ = TfidfWeights(
                hashes=self.hashes_[order], columns=order.astype(np.int64), idf=self.idf_
            )
        return self.weights_

    def _check_fitted(self) -> None:
        if not hasattr(self, "idf_"):
            raise _not_fitted("TfidfReranker is not fitted yet; call fit(texts) first")
        if not hasattr(self, "matrix_"):
            raise _not_fitted(
                "TfidfReranker was fitted on document frequencies only; use vectors(counts)"
            )

    def cosine(self, first: int, second: int) -> float:
        """Cosine similarity of two fitted articles' TF-IDF vectors (rows are L2-normalized)."""
        self._check_fitted()
        return float(self.matrix_[first].multiply(self.matrix_[second]).sum())

    def cosines(self, pairs: Sequence[tuple[int, int]], *, chunk: int = 50_000) -> np.ndarray:
        """Cosine similarity of many pairs at once: one sparse product per chunk of pairs,
        rather than a row lookup per pair (which dominated verification)."""
        self._check_fitted()
        part = np.asarray(pairs, dtype=np.int64).reshape(-1, 2)
        return pair_cosines(self.matrix_, part[:, 0], part[:, 1], chunk=chunk)

    def graph(self, min_cosine: float, executor: ChunkExecutor | None = None) -> sparse.csr_matrix:
        """:func:`cosine_graph` of the fitted vectors. One pass serves both the related pairs
        (cosine >= ``related_threshold``) and the story graph (down to 0.1)."""
        self._check_fitted()
        return cosine_graph(self.matrix_, min_cosine, executor)

    def distinctive_terms(self, max_share: float) -> sparse.csr_matrix:
        """:func:`distinctive_columns` of the fitted texts, from the fitted vectors: the texts
        are not tokenized again."""
        self._check_fitted()
        present = self.matrix_.tocsc()
        df = np.diff(present.indptr)
        # Figures are the terms whose word starts with an ASCII digit (see WordBatch).
        words = ~self.figures_ if self.figures_.size else np.zeros(present.shape[1], dtype=bool)
        limit = max(2.0, max_share * present.shape[0])
        chosen = present[:, np.flatnonzero(words & (df >= 2) & (df <= limit))]
        chosen.data[:] = 1.0
        return chosen.tocsr()


def cosine_graph(
    matrix: sparse.csr_matrix, min_cosine: float, executor: ChunkExecutor | None = None
) -> sparse.csr_matrix:
    """Every pair of rows ``(i, j)``, ``i < j``, of L2-normalized vectors with cosine at least
    ``min_cosine``: an upper triangular sparse matrix of cosines (each pair once, half the
    memory and work).

    The upper triangle is computed in blocks of rows, each block's products bounded to about
    16 million: full texts share some word with almost every other, so one product over all
    rows would not fit in memory. With an ``executor`` the blocks are computed in its workers;
    the result is the same.
    """
    matrix = sparse.csr_matrix(matrix, dtype=np.float32)
    n = matrix.shape[0]
    chunk = max(1, min(4096, 2**24 // max(n, 1)))
    starts = range(0, n, chunk)
    if executor is None or executor.jobs == 1:
        parts = [_graph_rows((matrix, start, chunk, min_cosine)) for start in starts]
    else:
        shared = executor.share(matrix)
        parts = list(
            executor.map(_graph_rows_shared, ((shared, s, chunk, min_cosine) for s in starts))
        )
    return sparse.csr_matrix(
        (
            np.concatenate([values for _, _, values in parts]),
            (
                np.concatenate([rows for rows, _, _ in parts]),
                np.concatenate([cols for _, cols, _ in parts]),
            ),
        ),
        shape=(n, n),
        dtype=np.float32,
    )


GraphJob = tuple[sparse.csr_matrix, int, int, float]


def _graph_rows(job: GraphJob) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The pairs of one block of rows of the cosine graph (see :meth:`TfidfReranker.graph`)."""
    matrix, start, chunk, min_cosine = job
    block = matrix[start : start + chunk] @ matrix[start:].T
    # Nearly every pair of full texts shares a word, but few reach min_cosine: the entries are
    # filtered by value first and only the kept ones get their rows (searchsorted), rather
    # than every entry (tocoo), which took a seventh of this function's time.
    kept = np.flatnonzero(block.data >= min_cosine)
    rows = (np.searchsorted(block.indptr, kept, side="right") - 1).astype(block.indices.dtype)
    columns = block.indices[kept]
    upper = columns > rows
    kept, rows, columns = kept[upper], rows[upper], columns[upper]
    return rows + start, columns + start, np.minimum(block.data[kept], 1.0)


def _graph_rows_shared(
    job: tuple[Shared, int, int, float],
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    shared, start, chunk, min_cosine = job
    return _graph_rows((shared.get(), start, chunk, min_cosine))


def pair_cosines(
    vectors: sparse.csr_matrix, first: np.ndarray, second: np.ndarray, *, chunk: int = 50_000
) -> np.ndarray:
    """Cosine of rows ``first[k]`` and ``second[k]`` of L2-normalized vectors, for every ``k``:
    one sparse product per chunk of pairs. Each pair's value depends only on its two rows."""
    result = np.zeros(len(first), dtype=np.float32)
    for start in range(0, len(first), chunk):
        a, b = first[start : start + chunk], second[start : start + chunk]
        products = vectors[a].multiply(vectors[b])
        result[start : start + len(a)] = np.asarray(products.sum(axis=1)).ravel()
    return np.minimum(result, 1.0)


def pairs_at_least(graph: sparse.csr_matrix, min_cosine: float) -> np.ndarray:
    """The pairs ``(i, j)``, ``i < j``, of an upper triangular cosine graph whose cosine is at
    least ``min_cosine``, as an ``(m, 2)`` ``int64`` array sorted by ``(i, j)``."""
    upper = graph.tocoo()
    keep = upper.data >= min_cosine
    rows, cols = upper.row[keep].astype(np.int64), upper.col[keep].astype(np.int64)
    order = np.lexsort((cols, rows))
    return np.column_stack((rows[order], cols[order]))


def distinctive_columns(counter: TermCounter, max_share: float) -> sparse.csr_matrix:
    """Which rare words each text a counter (of :data:`WORD_PATTERN` terms) has counted, chunk
    by chunk, holds (binary, one column per word).

    A word is distinctive when at least two and at most ``max(2, max_share * texts)`` texts
    hold it: the names of people, companies and places that tell one story from another, not
    the vocabulary a wire template repeats across hundreds of reports ("shr", "qtly div").
    """
    df = counter.df
    limit = max(2.0, max_share * counter.documents)
    present = counter.matrix()[:, np.flatnonzero((df >= 2) & (df <= limit))]
    present.data[:] = 1.0
    return present.tocsr()  # type: ignore[no-any-return]


def own_titles(titles: Sequence[str], texts: Sequence[str]) -> np.ndarray:
    """Whether each article has a title of its own: one that is not empty and not its whole
    (normalized) text, as in a feed of headlines."""
    return np.array([bool(t) and t != x for t, x in zip(titles, texts, strict=True)], dtype=bool)


def share_terms(
    terms: sparse.csr_matrix, first: np.ndarray, second: np.ndarray, *, chunk: int = 200_000
) -> np.ndarray:
    """Whether each pair ``(first[k], second[k])`` holds a common column of ``terms``."""
    shared = np.zeros(len(first), dtype=bool)
    for start in range(0, len(first), chunk):
        a, b = first[start : start + chunk], second[start : start + chunk]
        common = terms[a].multiply(terms[b]).sum(axis=1)
        shared[start : start + len(a)] = np.asarray(common).ravel() > 0
    return shared


def story_graph(
    graph: sparse.csr_matrix,
    *,
    titled: np.ndarray,
    title_terms: sparse.csr_matrix,
    words: Sequence[int] | np.ndarray,
    text_terms: sparse.csr_matrix,
    config: VerifyConfig,
) -> sparse.csr_matrix:
    """The pairs of a cosine graph that are evidence of one story.

    A pair counts when its cosine is at least ``story_edge_threshold``, or
    ``short_story_edge_threshold`` when the shorter text has fewer than ``short_story_words``
    words (two headlines of one story often share a single word, while two full articles reach
    that cosine on a shared topic alone), and when the two share a distinctive word
    (:func:`distinctive_columns`): in their titles when both have a title of their own (a
    company's earnings brief names the company only there), else in their texts. Headlines
    (short texts with no title of their own) need no distinctive word: their one shared word is
    all the evidence a headline has.

    Args:
        graph: pair cosines, down to the lower edge threshold (:meth:`TfidfReranker.graph`).

    Returns:
        the kept pairs both ways (symmetric), for :func:`dedup.cluster.cluster_related`.
        titled: whether each article has a title of its own (:func:`own_titles`).
        title_terms: distinctive words of each own title (:func:`distinctive_columns` of the
            titles, "" for articles without one of their own).
        words: words of each body.
        text_terms: distinctive words of each body (:meth:`TfidfReranker.distinctive_terms`).
        config: thresholds.
    """
    coo = graph.tocoo()
    first, second, cosine = coo.row, coo.col, coo.data
    lengths = np.asarray(words)
    short = np.minimum(lengths[first], lengths[second]) < config.short_story_words
    strong = cosine >= np.where(
        short, config.short_story_edge_threshold, config.story_edge_threshold
    )
    first, second, cosine, short = first[strong], second[strong], cosine[strong], short[strong]

    own_title = titled[first] & titled[second]
    keep = short & ~own_title  # headlines
    by_title = np.flatnonzero(own_title)
    keep[by_title] = share_terms(title_terms, first[by_title], second[by_title])
    by_text = np.flatnonzero(~own_title & ~short)
    keep[by_text] = share_terms(text_terms, first[by_text], second[by_text])
    upper = sparse.csr_matrix(
        (cosine[keep], (first[keep], second[keep])), shape=graph.shape, dtype=np.float32
    )
    return (upper + upper.T).tocsr()


def _not_fitted(message: str) -> Exception:
    """scikit-learn's ``NotFittedError``, as its estimators raise it (imported when needed)."""
    from sklearn.exceptions import NotFittedError

    return NotFittedError(message)
