import numpy as np
import pytest
from sklearn.feature_extraction.text import CountVectorizer, TfidfVectorizer

from dedup.normalize import normalize_text
from dedup.shingle import WordBatch, word_batch, word_hashes
from dedup.terms import (
    TOKEN_PATTERN,
    WORD_PATTERN,
    PackedKeys,
    TermCounter,
    _HashIndex,
    count_terms,
    count_words,
    count_words_by_hash,
    document_frequencies,
)
from dedup.tfidf import TfidfReranker

RAW = [
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
    "snake_case _private __dunder 3rd 4x4",
]
TEXTS = [normalize_text(text) for text in RAW]


def term_hash(term: str) -> int:
    hashes, _ = word_hashes([term])
    assert hashes.size == 1
    return int(hashes[0])


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


def columns_of(hashes: np.ndarray, terms) -> list[int]:
    """Our column of each scikit-learn feature, by its word's hash."""
    column = {int(h): i for i, h in enumerate(hashes.tolist())}
    return [column[term_hash(term)] for term in terms]


@pytest.mark.parametrize("chunk_size", [1, 3, 5, len(TEXTS)])
def test_terms_tfidf_equals_scikit_learn_up_to_column_order(chunk_size):
    expected = TfidfVectorizer(
        sublinear_tf=True, max_df=0.5, dtype=np.float32, token_pattern=TOKEN_PATTERN
    )
    vectors = expected.fit_transform(TEXTS)
    vectors.sort_indices()
    reranker = TfidfReranker().fit_counts(merged(TEXTS, chunk_size))
    names = expected.get_feature_names_out()
    permutation = columns_of(reranker.hashes_, names)
    assert sorted(permutation) == list(range(len(names)))  # the same terms are kept
    np.testing.assert_array_equal(reranker.idf_[permutation], expected.idf_)
    ours = reranker.matrix_[:, permutation]
    ours.sort_indices()
    np.testing.assert_array_equal(ours.indptr, vectors.indptr)
    np.testing.assert_array_equal(ours.indices, vectors.indices)
    assert ours.data.dtype == np.float32
    # Not bit for bit: rows are scaled by a float32 sum of squares taken in another order.
    np.testing.assert_allclose(ours.data, vectors.data, rtol=0, atol=1e-6)
    np.testing.assert_array_equal(reranker.figures_[permutation], [n[0].isdigit() for n in names])
    # The columns do not depend on the chunks: the matrices are the same bits.
    assert_same_csr(reranker.matrix_, TfidfReranker().fit(TEXTS).matrix_)


def test_terms_are_numbered_by_first_occurrence_in_the_run():
    counter = merged(TEXTS, 2)
    seen: dict[str, None] = {}
    for text in TEXTS:
        seen.update(
            dict.fromkeys(CountVectorizer(token_pattern=TOKEN_PATTERN).build_analyzer()(text))
        )
    assert counter.hashes.tolist() == [term_hash(term) for term in seen]
    assert counter.figures.tolist() == [term[0].isdigit() for term in seen]
    assert counter.documents == len(TEXTS)


def test_terms_rows_recounted_alone_equal_the_run_matrix():
    counter = merged(TEXTS, 4)
    reranker = TfidfReranker().fit_counts(counter)
    only_df = TfidfReranker().fit_counts(merged(TEXTS, 5, keep_rows=False))
    assert not hasattr(only_df, "matrix_")
    picked = [7, 0, 4]
    chunk = count_terms([TEXTS[i] for i in picked])
    assert_same_csr(only_df.vectors(chunk), reranker.matrix_[picked])
    assert_same_csr(reranker.transform([TEXTS[i] for i in picked]), reranker.matrix_[picked])
    assert_same_csr(only_df.vectors(count_terms(TEXTS)), reranker.matrix_)
    # Counts recounted against the counter give the rows of its matrix.
    assert_same_csr(counter.rows(chunk), counter.matrix()[picked])
    with pytest.raises(ValueError, match="not counted"):
        counter.rows(count_terms(["zebra"]))
    with pytest.raises(ValueError, match="document frequencies only"):
        only_df.cosine(0, 1)


def test_terms_vectors_of_new_texts_ignore_unknown_and_common_terms():
    reranker = TfidfReranker().fit([f"the w{i}" for i in range(10)] + ["oil", "oil"])
    vectors = reranker.transform(["zebra oil oil the", "zebra"])
    oil = columns_of(reranker.hashes_, ["oil"])[0]
    assert vectors.indices.tolist() == [oil]  # "the" is in over half the texts
    assert vectors.data.tolist() == [1.0]
    assert vectors.getrow(1).nnz == 0


def test_terms_counts_equal_count_vectorizer():
    reference = CountVectorizer(token_pattern=TOKEN_PATTERN, dtype=np.float32).fit(TEXTS)
    counter = merged(TEXTS, 2)
    order = columns_of(counter.hashes, reference.get_feature_names_out())
    np.testing.assert_array_equal(
        counter.matrix()[:, order].toarray(), reference.transform(TEXTS).toarray()
    )
    np.testing.assert_array_equal(counter.df[order], (reference.transform(TEXTS) > 0).sum(0).A1)


def test_terms_letters_only_equal_the_word_pattern():
    reference = CountVectorizer(token_pattern=WORD_PATTERN, dtype=np.float32).fit(TEXTS)
    counter = TermCounter()
    counter.add(count_terms(TEXTS, letters_only=True))
    order = columns_of(counter.hashes, reference.get_feature_names_out())
    assert sorted(order) == list(range(len(counter)))
    np.testing.assert_array_equal(
        counter.matrix()[:, order].toarray(), reference.transform(TEXTS).toarray()
    )
    assert not counter.figures.any()


def test_terms_small_input_exactly():
    chunk = count_terms(["b a b", "", "c a 10", "_x ٣ 7up"])
    assert chunk.terms.tolist() == [term_hash(t) for t in ["b", "a", "c", "10", "_x", "٣", "7up"]]
    # Figures start with an ASCII digit; a non-ASCII digit counts as a word.
    assert chunk.figures.tolist() == [False, False, False, True, False, False, True]
    assert chunk.indptr.tolist() == [0, 2, 2, 5, 8]
    assert chunk.indices.tolist() == [0, 1, 1, 2, 3, 4, 5, 6]
    assert chunk.counts.tolist() == [2, 1, 1, 1, 1, 1, 1, 1]
    words = count_terms(["b a b", "", "c a 10", "_x ٣ 7up"], letters_only=True)
    assert words.terms.tolist() == [term_hash(t) for t in ["b", "a", "c", "٣"]]
    assert words.indptr.tolist() == [0, 2, 2, 4, 5]
    assert words.indices.tolist() == [0, 1, 1, 2, 3]
    empty = count_terms(["", "!!"])
    assert (empty.terms.size, empty.indptr.tolist()) == (0, [0, 0, 0])
    assert len(count_terms([])) == 0


def test_terms_document_frequencies_small_input_exactly():
    frequencies = document_frequencies(word_batch(["b a b", "", "c a 10", "_x ٣ 7up a"]))
    assert frequencies.terms.tolist() == [
        term_hash(t) for t in ["b", "a", "c", "10", "_x", "٣", "7up"]
    ]
    assert frequencies.figures.tolist() == [False, False, False, True, False, False, True]
    assert frequencies.df.tolist() == [1, 3, 1, 1, 1, 1, 1]
    assert len(frequencies) == 4
    empty = document_frequencies(word_batch(["", "!!"]))
    assert (empty.terms.size, empty.df.size, len(empty)) == (0, 0, 2)


@pytest.mark.parametrize("chunk_size", [1, 4, len(TEXTS)])
def test_terms_counter_of_document_frequencies_equals_one_of_counts(chunk_size):
    counted = merged(TEXTS, chunk_size, keep_rows=False)
    counter = TermCounter(keep_rows=False)
    for start in range(0, len(TEXTS), chunk_size):
        counter.add(document_frequencies(word_batch(TEXTS[start : start + chunk_size])))
    assert counter.hashes.tolist() == counted.hashes.tolist()
    assert counter.figures.tolist() == counted.figures.tolist()
    assert counter.df.tolist() == counted.df.tolist()
    assert counter.documents == counted.documents == len(TEXTS)
    with pytest.raises(ValueError, match="needs each text's counts"):
        TermCounter().add(document_frequencies(word_batch(TEXTS)))


@pytest.mark.parametrize("texts", [TEXTS, ["b a b", "", "c a 10", "_x ٣ 7up a"], ["", "!!"], []])
def test_terms_counted_by_hash_equal_the_counts_by_first_occurrence(texts):
    words = word_batch(texts)
    expected, chunk = count_words(words), count_words_by_hash(words)
    assert sorted(chunk.terms.tolist()) == chunk.terms.tolist()
    assert sorted(chunk.terms.tolist()) == sorted(expected.terms.tolist())
    assert chunk.indptr.tolist() == expected.indptr.tolist()
    for text in range(len(texts)):
        entries = slice(chunk.indptr[text], chunk.indptr[text + 1])
        indices = chunk.indices[entries].tolist()
        assert indices == sorted(indices)
        counted = dict(
            zip(chunk.terms[indices].tolist(), chunk.counts[entries].tolist(), strict=True)
        )
        theirs = slice(expected.indptr[text], expected.indptr[text + 1])
        assert counted == dict(
            zip(
                expected.terms[expected.indices[theirs]].tolist(),
                expected.counts[theirs].tolist(),
                strict=True,
            )
        )
    figures = dict(zip(chunk.terms.tolist(), chunk.figures.tolist(), strict=True))
    assert figures == dict(zip(expected.terms.tolist(), expected.figures.tolist(), strict=True))


def test_terms_hashes_sharing_their_high_bits_stay_apart():
    """Words are grouped by sorting their hashes with their positions in the low bits; hashes
    that differ only there are told apart on the full hashes."""
    words = WordBatch(
        hashes=np.array([5, 4, 5, 6, 4], dtype=np.uint64),
        offsets=np.array([0, 3, 5]),
        initials=np.full(5, ord("a"), dtype=np.uint8),
    )
    chunk = count_words(words)
    assert chunk.terms.tolist() == [5, 4, 6]
    assert chunk.indptr.tolist() == [0, 2, 4]
    assert chunk.indices.tolist() == [0, 1, 1, 2]
    assert chunk.counts.tolist() == [2, 1, 1, 1]


def test_terms_hash_index_grows_and_finds_every_number():
    rng = np.random.default_rng(7)
    hashes = np.unique(rng.integers(0, 2**63, 200_000, dtype=np.uint64))
    # Hashes sharing their low bits probe the same slots.
    hashes = np.concatenate([hashes, np.arange(1, 200, dtype=np.uint64) << np.uint64(40)])
    index = _HashIndex(capacity=16)
    for start in range(0, hashes.size, 30_000):
        part = hashes[start : start + 30_000]
        index.insert(part, np.arange(start, start + part.size))
    assert len(index) == hashes.size
    np.testing.assert_array_equal(index.find(hashes), np.arange(hashes.size))
    assert index.find(np.array([3, 2**40 * 300], dtype=np.uint64)).tolist() == [-1, -1]


def test_terms_word_batch_matches_word_hashes_in_chunks(monkeypatch):
    import dedup.shingle as shingle

    whole = word_batch(TEXTS)
    hashes, offsets = word_hashes(TEXTS)
    np.testing.assert_array_equal(whole.hashes, hashes)
    np.testing.assert_array_equal(whole.offsets, offsets)
    monkeypatch.setattr(shingle, "_CHUNK_BYTES", 20)
    chunked = word_batch(TEXTS)
    for name in ("hashes", "offsets", "initials"):
        np.testing.assert_array_equal(getattr(chunked, name), getattr(whole, name))


def test_terms_without_any_term_gives_zero_vectors():
    reranker = TfidfReranker().fit(["!!!", "---"])
    assert reranker.matrix_.shape == (2, 1)
    assert reranker.cosine(0, 1) == 0.0
    assert reranker.transform(["oil"]).shape == (1, 1)


def count_words_by_hash_sorting_by_text(words: WordBatch):
    """The former formulation of count_words_by_hash: the entries in hash order, then a
    stable argsort by text."""
    hashes, n_texts = words.hashes, len(words)
    order = np.argsort(hashes, kind="stable")
    starts = np.ones(hashes.size, dtype=bool)
    starts[1:] = hashes[order][1:] != hashes[order][:-1]
    texts = np.repeat(np.arange(n_texts, dtype=np.int64), words.sizes)[order]
    changes = np.ones(hashes.size, dtype=bool)
    changes[1:] = texts[1:] != texts[:-1]
    entry_starts = np.flatnonzero(starts | changes)
    counts = np.diff(np.append(entry_starts, hashes.size))
    term_of_entry = np.cumsum(starts)[entry_starts] - 1
    entry_text = texts[entry_starts]
    by_text = np.argsort(entry_text, kind="stable")
    first = order[starts]
    return (
        hashes[first],
        (words.initials[first] >= ord("0")) & (words.initials[first] <= ord("9")),
        np.searchsorted(entry_text[by_text], np.arange(n_texts + 1)),
        term_of_entry[by_text],
        counts[by_text],
    )


WORD_CASES = [
    TEXTS,
    ["one"],
    ["", "", ""],
    ["", "a a a a", ""],
    ["10 10 x 10", "x 10", "9 9 9", "_a 1b b1 ٣"],
    [" ".join(f"w{i % 37}" for i in range(500)), "w1 w2", "", "w36 w36"],
]


@pytest.mark.parametrize("texts", WORD_CASES)
def test_terms_counted_by_hash_equal_the_former_formulation(texts):
    words = word_batch([normalize_text(text) for text in texts])
    if words.hashes.size == 0:
        return  # both give count_words's empty chunk
    chunk = count_words_by_hash(words)
    terms, figures, indptr, indices, counts = count_words_by_hash_sorting_by_text(words)
    assert chunk.terms.dtype == np.uint64 and chunk.terms.tolist() == terms.tolist()
    assert chunk.figures.tolist() == figures.tolist()
    assert chunk.indptr.dtype == np.int64 and chunk.indptr.tolist() == indptr.tolist()
    assert chunk.indices.dtype == np.int32 and chunk.indices.tolist() == indices.tolist()
    assert chunk.counts.dtype == np.int32 and chunk.counts.tolist() == counts.tolist()


def test_terms_counted_by_hash_when_the_keys_do_not_pack(monkeypatch):
    """Texts, terms and counts too many for 63 bits: the entries are sorted by text stably."""
    words = word_batch(TEXTS)
    packed = count_words_by_hash(words)
    monkeypatch.setattr(PackedKeys, "of", classmethod(lambda cls, fields, sizes: None))
    unpacked = count_words_by_hash(words)
    for field in ("terms", "figures", "indptr", "indices", "counts"):
        assert getattr(unpacked, field).dtype == getattr(packed, field).dtype
        assert getattr(unpacked, field).tolist() == getattr(packed, field).tolist()


def test_terms_counted_by_hash_keep_hashes_sharing_their_high_bits_apart():
    words = WordBatch(
        hashes=np.array([5, 4, 5, 6, 4, 4], dtype=np.uint64),
        offsets=np.array([0, 3, 3, 6]),
        initials=np.array([ord(c) for c in "a1a1a1"], dtype=np.uint8),
    )
    chunk = count_words_by_hash(words)
    expected = count_words_by_hash_sorting_by_text(words)
    for got, want in zip(
        (chunk.terms, chunk.figures, chunk.indptr, chunk.indices, chunk.counts),
        expected,
        strict=True,
    ):
        assert got.tolist() == want.tolist()
    assert chunk.terms.tolist() == [4, 5, 6]
    assert chunk.counts.tolist() == [1, 2, 2, 1]


def test_packed_keys_sort_rows_as_lexsort():
    rng = np.random.default_rng(3)
    first = rng.integers(0, 7, 500).astype(np.uint16)
    second = rng.integers(0, 1000, 500)
    third = rng.integers(0, 3, 500).astype(np.int32)
    keys = PackedKeys.of((first, second, third), (7, 1000, 3))
    assert keys is not None
    keys.sort()
    order = np.lexsort((third, second, first))
    assert keys.field(0, np.int64).tolist() == first[order].tolist()
    assert keys.field(1, np.int32).tolist() == second[order].tolist()
    assert keys.field(2, np.int64).tolist() == third[order].tolist()
    assert keys.field(1, np.int64, stop=10).tolist() == second[order][:10].tolist()
    starts = keys.starts(np.arange(8))
    assert starts.tolist() == np.searchsorted(first[order], np.arange(8)).tolist()
    assert PackedKeys.of((first, second), (1 << 40, 1 << 24)) is None
    assert PackedKeys.of((first, second), (1 << 40, 1 << 23)) is not None


def test_packed_keys_with_a_field_of_minus_one_sort_last():
    keys = PackedKeys.of(
        (np.array([1, 0, 1, 0]), np.array([-1, 2, 0, -1]), np.array([3, 1, 2, 0])), (2, 3, 4)
    )
    assert keys is not None
    keys.sort()
    assert keys.field(1, np.int64, stop=2).tolist() == [2, 0]
    assert keys.field(0, np.int64, stop=2).tolist() == [0, 1]
    assert keys.starts(np.arange(3), stop=2).tolist() == [0, 1, 2]
    assert (keys.keys[2:] >= np.uint64(1 << 63)).all()
