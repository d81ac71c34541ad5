import numpy as np
import pytest
from scipy import sparse
from sklearn.exceptions import NotFittedError
from sklearn.preprocessing import normalize

from dedup.tfidf import TfidfReranker, normalize_rows_l2, pairs_at_least


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
