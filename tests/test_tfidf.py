import numpy as np
import pytest
from scipy import sparse
from sklearn.exceptions import NotFittedError
from sklearn.preprocessing import normalize

from dedup.shingle import word_batch
from dedup.terms import PackedKeys, count_words_by_hash
from dedup.tfidf import TfidfReranker, normalize_rows_l2, pairs_at_least, tfidf_rows


def test_tfidf_reranker_contract():
    with pytest.raises(NotFittedError, match="not fitted yet"):
        TfidfReranker().cosine(0, 1)
    reranker = TfidfReranker().fit(["oil prices rose", "oil prices fell", "cats sleep all day"])
    assert reranker.cosine(0, 0) == pytest.approx(1.0)
    assert reranker.cosine(0, 2) == 0.0
    assert pairs_at_least(reranker.graph(0.2), 0.2).tolist() == [[0, 1]]


@pytest.mark.parametrize("seed", range(5))
def test_tfidf_rows_scaled_as_scikit_learn_scales_them(seed):
    rng = np.random.default_rng(seed)
    matrix = sparse.random(40, 300, density=0.05, format="csr", dtype=np.float32, random_state=seed)
    matrix.data *= np.float32(rng.uniform(0.5, 20.0))
    matrix = matrix.tolil()
    matrix[3, :] = 0  # an empty row stays empty
    matrix = matrix.tocsr()
    matrix.sort_indices()
    expected = normalize(matrix.copy(), norm="l2")
    normalize_rows_l2(matrix)
    np.testing.assert_array_equal(matrix.indptr, expected.indptr)
    np.testing.assert_array_equal(matrix.data, expected.data)  # bit for bit
    assert matrix[3].nnz == 0


def test_tfidf_rows_of_nothing():
    empty = sparse.csr_matrix((0, 4), dtype=np.float32)
    normalize_rows_l2(empty)
    assert empty.shape == (0, 4)


def normalize_rows_l2_by_entry_position(matrix):
    """The former formulation of normalize_rows_l2: a numpy loop over entry positions."""
    data, indptr = matrix.data, matrix.indptr
    lengths = np.diff(indptr)
    order = np.argsort(-lengths, kind="stable")
    starts, longest = indptr[:-1][order], lengths[order]
    squares = (data * data).astype(np.float64)
    sums = np.zeros(len(order), dtype=np.float64)
    for k in range(int(longest[0]) if len(longest) else 0):
        active = int(np.searchsorted(-longest, -k, side="left"))
        sums[:active] += squares[starts[:active] + k]
    norms = np.ones(len(order), dtype=np.float64)
    norms[order] = np.where(sums == 0, 1.0, np.sqrt(sums))
    data[:] = data / np.repeat(norms, lengths)


def tfidf_rows_sorting_each_row(indptr, columns, counts, idf):
    """The former formulation of tfidf_rows: entries filtered, then each row sorted."""
    n_rows, width = len(indptr) - 1, len(idf)
    keep = columns >= 0
    row_of = np.repeat(np.arange(n_rows), np.diff(indptr))
    kept_indptr = np.zeros(n_rows + 1, dtype=np.int64)
    np.cumsum(np.bincount(row_of[keep], minlength=n_rows), out=kept_indptr[1:])
    data = np.asarray(counts)[keep].astype(np.float32)
    indices = np.asarray(columns)[keep].astype(np.int32)
    np.log(data, data)
    data += np.float32(1.0)
    data *= idf[indices]
    matrix = sparse.csr_matrix((data, indices, kept_indptr.astype(np.int32)), shape=(n_rows, width))
    matrix.sort_indices()
    normalize_rows_l2_by_entry_position(matrix)
    return matrix


def assert_same_bits(first, second):
    assert first.shape == second.shape
    for field in ("indptr", "indices", "data"):
        mine, theirs = getattr(first, field), getattr(second, field)
        assert mine.dtype == theirs.dtype
        assert mine.tobytes() == theirs.tobytes(), field


@pytest.mark.parametrize("seed", range(20))
def test_normalize_rows_l2_equals_the_sums_by_entry_position(seed):
    rng = np.random.default_rng(seed)
    rows, width = int(rng.integers(1, 80)), int(rng.integers(1, 400))
    matrix = sparse.random(rows, width, density=rng.uniform(0.001, 0.9), format="csr",
                           dtype=np.float32, random_state=seed)  # fmt: skip
    matrix.data = (rng.random(matrix.nnz) * 10 ** rng.uniform(-15, 15, matrix.nnz)).astype(
        np.float32
    )
    matrix.data[rng.random(matrix.nnz) < 0.1] = 0
    expected = matrix.copy()
    normalize_rows_l2_by_entry_position(expected)
    normalize_rows_l2(matrix)
    assert_same_bits(matrix, expected)


@pytest.mark.parametrize("seed", range(20))
def test_tfidf_rows_of_unsorted_entries_equal_the_rows_sorted_in_the_matrix(seed):
    rng = np.random.default_rng(seed)
    rows, width = int(rng.integers(1, 60)), int(rng.integers(1, 300))
    lengths = rng.integers(0, min(width, 40) + 1, rows)
    lengths[rng.random(rows) < 0.2] = 0  # empty rows
    indptr = np.zeros(rows + 1, dtype=np.int64)
    np.cumsum(lengths, out=indptr[1:])
    columns = np.concatenate([rng.permutation(width)[:n] for n in lengths]).astype(np.int64)
    columns[rng.random(columns.size) < 0.25] = -1  # terms without a column
    counts = rng.integers(1, 1 << int(rng.integers(1, 20)), columns.size).astype(np.int32)
    idf = (rng.random(width) * 10 + 1).astype(np.float32)
    expected = tfidf_rows_sorting_each_row(indptr, columns, counts, idf)
    assert_same_bits(tfidf_rows(indptr, columns, counts, idf), expected)
    # Whole float counts (a TermCounter's matrix) are taken as integers: the same rows.
    assert_same_bits(tfidf_rows(indptr, columns, counts.astype(np.float32), idf), expected)
    # Other float counts take the former path.
    halves = counts.astype(np.float32) + np.float32(0.5)
    expected = tfidf_rows_sorting_each_row(indptr, columns, halves, idf)
    assert_same_bits(tfidf_rows(indptr, columns, halves, idf), expected)


@pytest.mark.parametrize(
    "texts",
    [
        ["oil prices rose", "oil prices fell", "cats sleep all day", "", "oil oil oil 10 10"],
        ["one"],
        ["", ""],
        ["!!", "zebra", "the the the"],
    ],
)
def test_vectors_of_words_equal_the_vectors_of_their_counts(texts):
    fitted = TfidfReranker(max_df=0.7).fit(
        ["oil prices rose", "oil prices fell", "cats sleep all day", "the 10 cats", "oil"] * 3
    )
    weights = fitted.weights()
    words = word_batch(texts)
    chunk = count_words_by_hash(words)
    columns = weights.columns_of(chunk.terms)[chunk.indices]
    expected = tfidf_rows_sorting_each_row(chunk.indptr, columns, chunk.counts, weights.idf)
    assert_same_bits(weights.vectors(chunk), expected)
    assert_same_bits(weights.vectors_of_words(words), expected)
    assert weights.vectors_of_words(words).has_sorted_indices


def test_vectors_of_words_when_the_keys_do_not_pack(monkeypatch):
    """Rows, columns and counts too many for 63 bits: each row is sorted in the matrix."""
    weights = TfidfReranker().fit(["oil prices rose", "oil prices fell", "cats"]).weights()
    words = word_batch(["oil oil cats", "", "prices rose rose"])
    packed = weights.vectors_of_words(words)
    monkeypatch.setattr(PackedKeys, "of", classmethod(lambda cls, fields, sizes: None))
    assert_same_bits(weights.vectors_of_words(words), packed)
