import pytest
from sklearn.exceptions import NotFittedError

from dedup.tfidf import TfidfReranker, pairs_at_least


def test_tfidf_reranker_contract():
    with pytest.raises(NotFittedError, match="not fitted yet"):
        TfidfReranker().cosine(0, 1)
    reranker = TfidfReranker().fit(["oil prices rose", "oil prices fell", "cats sleep all day"])
    assert reranker.cosine(0, 0) == pytest.approx(1.0)
    assert reranker.cosine(0, 2) == 0.0
    assert pairs_at_least(reranker.graph(0.2), 0.2).tolist() == [[0, 1]]
