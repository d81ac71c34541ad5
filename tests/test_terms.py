import numpy as np
import pytest
from sklearn.feature_extraction.text import CountVectorizer, TfidfVectorizer

from dedup.terms import WORD_PATTERN, TermCounter, count_rows, count_terms
from dedup.verify import TfidfReranker

TEXTS = [
    "oil prices rose on monday as the cartel cut output",
    "oil prices fell on tuesday; the cartel said output would rise",
    "",
    "cats sleep all day, oil or no oil",
    "the 1987 budget: 12.5 billion dlrs, up from 10 billion",
    "Ünïcode wörds and the Straße",
    "the the the the cartel",
    "monday tuesday wednesday",
    "output output output rose",
    "a b c d e f g",
    "prices prices cartel budget",
    "!!! ---",
]


def merged(texts, chunk_size, **kwargs):
    counter = TermCounter(**kwargs)
    for start in range(0, len(texts), chunk_size):
        counter.add(count_terms(texts[start : start + chunk_size]))
    return counter


def assert_same_csr(first, second):
    assert first.shape == second.shape
    np.testing.assert_array_equal(first.indptr, second.indptr)
    np.testing.assert_array_equal(first.indices, second.indices)
    assert first.data.dtype == second.data.dtype
    np.testing.assert_array_equal(first.data, second.data)


@pytest.mark.parametrize("chunk_size", [1, 3, 5, len(TEXTS)])
def test_terms_tfidf_equals_scikit_learn_bit_for_bit(chunk_size):
    expected = TfidfVectorizer(
        sublinear_tf=True, max_df=0.5, dtype=np.float32, token_pattern=r"(?u)\b\w+\b"
    )
    vectors = expected.fit_transform(TEXTS)
    reranker = TfidfReranker().fit_counts(merged(TEXTS, chunk_size))
    assert reranker.terms_ == list(expected.get_feature_names_out())
    np.testing.assert_array_equal(reranker.idf_, expected.idf_)
    # In-row entry order too: it decides the float32 sums of cosines.
    assert_same_csr(reranker.matrix_, vectors)


def test_terms_rows_recounted_alone_equal_the_run_matrix():
    counter = merged(TEXTS, 4)
    reranker = TfidfReranker().fit_counts(counter)
    only_df = TfidfReranker().fit_counts(merged(TEXTS, 5, keep_rows=False))
    picked = [7, 0, 4]
    rows = only_df.vectors(counter.rows(count_terms([TEXTS[i] for i in picked])))
    assert_same_csr(rows, reranker.matrix_[picked])
    # Counts numbered when they were added give the same rows.
    again = TermCounter(keep_rows=False)
    chunk = count_terms(TEXTS)
    numbers = again.add(chunk)
    numbered = count_rows(chunk.indptr, numbers, chunk.counts, len(again.vocabulary))
    assert_same_csr(only_df.vectors(numbered), reranker.matrix_)
    with pytest.raises(ValueError, match="document frequencies only"):
        only_df.cosine(0, 1)


def test_terms_counts_equal_count_vectorizer():
    counter = merged(TEXTS, 2)
    expected = CountVectorizer(token_pattern=WORD_PATTERN, dtype=np.float32)
    words = merged(TEXTS, 2)
    del words
    matrix = counter.matrix()
    reference = CountVectorizer(token_pattern=r"(?u)\b\w+\b", dtype=np.float32).fit(TEXTS)
    order = [counter.vocabulary[term] for term in reference.get_feature_names_out()]
    np.testing.assert_array_equal(matrix[:, order].toarray(), reference.transform(TEXTS).toarray())
    assert expected.token_pattern == WORD_PATTERN


def test_terms_without_any_term_gives_zero_vectors():
    reranker = TfidfReranker().fit(["!!!", "---"])
    assert reranker.matrix_.shape == (2, 1)
    assert reranker.cosine(0, 1) == 0.0
