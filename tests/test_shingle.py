import random
import re

import numpy as np
import pytest
from conftest import text_hashes_before

from dedup import shingle
from dedup.config import ShingleConfig
from dedup.errors import ConfigError
from dedup.shingle import (
    char_hashes,
    make_shingle_batch,
    make_shingles,
    ordered_shingle_batch,
    ordered_shingles,
    segment_hashes,
    shingle_strings,
    text_hashes,
    word_hashes,
)


def test_shingle_word_ngrams():
    config = ShingleConfig(kind="word", shingle_size=3)
    assert shingle_strings("a b, c d", config) == ["a b c", "b c d"]


def test_shingle_char_ngrams_ignore_punctuation():
    config = ShingleConfig(kind="char", shingle_size=4)
    assert shingle_strings("ab, cd", config) == ["ab c", "b cd"]


def test_shingle_short_text_is_one_shingle_and_empty_text_none():
    config = ShingleConfig(kind="word", shingle_size=5)
    assert shingle_strings("only three words", config) == ["only three words"]
    assert shingle_strings("!!", config) == []
    assert make_shingles("!!", config).size == 0


def test_shingle_hashes_are_sorted_unique_and_stable():
    """Pinned values: hashes must not change between processes or runs (no salted ``hash``),
    or signatures stored by one run would not match the next."""
    hashes = make_shingles("b a b", ShingleConfig(kind="word", shingle_size=1))
    assert hashes.dtype == np.uint32
    assert hashes.tolist() == [1496640526, 3397643549]
    three = make_shingles("oil prices rose, oil prices fell", ShingleConfig())
    assert three.tolist() == [1582607298, 1986796000, 2310019048, 4060196352]


TEXTS = [
    "",
    "!!",
    "a",
    "a b",
    "a b c",
    "b a b a b a",
    "the oil price rose. the oil price fell; the oil price rose",
    "naïve café – 日本語 テキスト, x_y ünïcödé words",
    "  spaced   out\ttext  ",
    "one two",  # short texts next to each other must not share units
    "three",
]


@pytest.mark.parametrize(
    "config",
    [ShingleConfig(), ShingleConfig(shingle_size=1), ShingleConfig(shingle_size=12),
     ShingleConfig(kind="char", shingle_size=5), ShingleConfig(kind="char", shingle_size=2)],
)  # fmt: skip
def test_shingle_batch_matches_shingle_strings_and_single_texts(config):
    batch = make_shingle_batch(TEXTS, config)
    assert len(batch) == len(TEXTS)
    for position, text in enumerate(TEXTS):
        hashes = batch[position]
        assert hashes.tolist() == sorted(set(hashes.tolist()))
        # One hash per distinct shingle string (no collisions on these few).
        assert hashes.size == len(set(shingle_strings(text, config)))
        assert np.array_equal(hashes, make_shingles(text, config))


def test_shingle_batch_distinguishes_order_and_short_texts():
    config = ShingleConfig(shingle_size=3)
    batch = make_shingle_batch(["a b c", "c b a", "a b", "a b c d"], config)
    assert batch[0].tolist() != batch[1].tolist()
    assert not set(batch[2].tolist()) & set(batch[3].tolist())
    assert set(batch[0].tolist()) < set(batch[3].tolist())


def test_shingle_batch_is_the_same_in_small_chunks(monkeypatch):
    texts = TEXTS * 5
    whole = make_shingle_batch(texts, ShingleConfig())
    monkeypatch.setattr(shingle, "_CHUNK_BYTES", 40)
    chunked = make_shingle_batch(texts, ShingleConfig())
    assert np.array_equal(whole.offsets, chunked.offsets)
    assert np.array_equal(whole.hashes, chunked.hashes)


def test_shingle_batch_of_no_texts_is_empty():
    batch = make_shingle_batch([], ShingleConfig())
    assert len(batch) == 0 and batch.hashes.size == 0 and batch.to_list() == []


def test_shingle_config_is_checked():
    with pytest.raises(ConfigError, match="shingle kind must be 'word' or 'char'; got 'line'"):
        ShingleConfig(kind="line")  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match="shingle_size must be a positive whole number; got 0"):
        ShingleConfig(shingle_size=0)


def test_shingle_ordered_keeps_text_order_and_repeats():
    config = ShingleConfig(kind="word", shingle_size=2)
    ordered = ordered_shingles("a b a b c", config)  # a-b, b-a, a-b, b-c
    assert ordered.size == 4
    assert ordered[0] == ordered[2] and len(set(ordered.tolist())) == 3
    assert np.array_equal(np.unique(ordered), make_shingles("a b a b c", config))
    assert ordered_shingles("", config).size == 0
    short = ShingleConfig(kind="word", shingle_size=5)
    assert np.array_equal(ordered_shingles("a b", short), make_shingles("a b", short))


def _fmix64(value):
    mask = (1 << 64) - 1
    value ^= value >> 33
    value = (value * 0xFF51AFD7ED558CCD) & mask
    value ^= value >> 33
    value = (value * 0xC4CEB9FE1A85EC53) & mask
    return value ^ (value >> 33)


def _unicode_texts():
    rng = random.Random(4)

    def character():
        if rng.random() < 0.3:
            return rng.choice(" ab.,!-_9\t\n'\"")
        while True:  # any code point but a surrogate, astral ones too
            point = rng.randrange(0x30000) if rng.random() < 0.3 else rng.randrange(0x3000)
            if not 0xD800 <= point < 0xE000:
                return chr(point)

    return TEXTS + ["".join(character() for _ in range(rng.randint(0, 40))) for _ in range(300)]


def test_shingle_char_units_are_the_characters_of_the_words_joined_by_spaces():
    """Words are what ``\\w+`` matches, in any script; punctuation runs become one space."""
    texts = _unicode_texts()
    units, offsets = char_hashes(texts)
    for position, text in enumerate(texts):
        joined = re.sub(r"\W+", " ", text).strip(" ")
        expected = [_fmix64(ord(c) + 0xC2B2AE3D27D4EB4F) for c in joined]
        assert units[offsets[position] : offsets[position + 1]].tolist() == expected, text


def _polynomial_hash(values, salt=0):
    """What segment_hashes computes, in Python integers."""
    mask = (1 << 64) - 1
    polynomial = sum(v * pow(0x9E3779B97F4A7C15, j, 1 << 64) for j, v in enumerate(values))
    return _fmix64((polynomial + len(values) * 0xC2B2AE3D27D4EB4F + salt) & mask)


def test_shingle_text_hashes_hash_each_whole_text_with_its_salt(monkeypatch):
    """Any text (empty, non-ASCII, astral), in pieces of any size: its UTF-8 bytes and salt."""
    texts = [*_unicode_texts(), "", "", "é" * 30]
    salts = np.array([(7 * i) << 50 for i in range(len(texts))], dtype=np.uint64)
    expected = [
        _polynomial_hash(text.encode("utf-8"), int(salt))
        for text, salt in zip(texts, salts, strict=True)
    ]
    for chunk_bytes in (250_000, 40, 1):
        monkeypatch.setattr(shingle, "_CHUNK_BYTES", chunk_bytes)
        assert text_hashes(texts, salts).tolist() == expected
        assert text_hashes(texts).tolist() == [_polynomial_hash(t.encode("utf-8")) for t in texts]
    assert text_hashes([]).size == 0


def test_shingle_segment_hashes_of_64_bit_values():
    values = np.array([2**64 - 1, 0, 12345, 2**63], dtype=np.uint64)
    starts, ends = np.array([0, 1, 4, 2]), np.array([4, 3, 4, 4])
    hashes = segment_hashes(values, starts, ends)
    assert hashes.tolist() == [
        _polynomial_hash(values[a:b].tolist()) for a, b in zip(starts, ends, strict=True)
    ]


def test_shingle_word_units_hash_each_word_on_its_own():
    """A word's hash is a function of its UTF-8 bytes alone (polynomial, length, mixing)."""
    mask = (1 << 64) - 1
    texts = _unicode_texts()
    units, offsets = word_hashes(texts)
    for position, text in enumerate(texts):
        expected = []
        for word in re.findall(r"\w+", text):
            encoded = word.encode("utf-8")
            polynomial = sum(b * pow(0x9E3779B97F4A7C15, j, 1 << 64) for j, b in enumerate(encoded))
            expected.append(_fmix64((polynomial + len(encoded) * 0xC2B2AE3D27D4EB4F) & mask))
        assert units[offsets[position] : offsets[position + 1]].tolist() == expected, text


@pytest.mark.parametrize(
    "config", [ShingleConfig(), ShingleConfig(shingle_size=1), ShingleConfig(kind="char")]
)
def test_shingle_ordered_batch_equals_each_text_alone(config, monkeypatch):
    texts = _unicode_texts()
    for chunk_bytes in (250_000, 40):
        monkeypatch.setattr(shingle, "_CHUNK_BYTES", chunk_bytes)
        batch = ordered_shingle_batch(texts, config)
        assert len(batch) == len(texts)
        for position, text in enumerate(texts):
            assert np.array_equal(batch[position], ordered_shingles(text, config))
            assert batch[position].dtype == np.uint32


def test_shingle_inverse_byte_powers_undo_the_byte_powers():
    modulus = 2**64
    assert int(shingle._BYTE_BASE) * shingle._BYTE_BASE_INVERSE % modulus == 1
    for size in (1, 5, 300, 5_000_000):  # the last beyond the cached capacities
        powers, inverses = shingle._byte_powers(size), shingle._inverse_byte_powers(size)
        for k in {0, size // 2, size - 1}:
            assert int(inverses[k]) == pow(int(shingle._BYTE_BASE), -(k + 1), modulus)
            assert int(powers[k]) * int(inverses[k]) % modulus == 1


def _bmp_texts():
    """Texts of the Basic Multilingual Plane only (the UTF-16 path of char_hashes), lone
    surrogates too, with ASCII ones: edge cases and random ones."""
    rng = random.Random(7)
    texts = [t for t in _unicode_texts() if all(ord(c) < 0x10000 for c in t)]
    texts += ["\ud800 lone", "x\udfffy", "abcd", "abcde", "a, b", "...", "one", " x ", "\t"]
    alphabet = "ab_9 .,-'\té–日"
    texts += ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 30))) for _ in range(300)]
    return texts


def test_shingle_char_units_of_bmp_texts_are_the_characters_of_the_words_joined_by_spaces():
    for texts in (_bmp_texts(), [t for t in _bmp_texts() if t.isascii()], ["", "!!"], ["ab"], []):
        units, offsets = char_hashes(texts)
        assert units.dtype == np.uint64 and offsets.tolist()[0] == 0
        assert len(offsets) == len(texts) + 1
        for position, text in enumerate(texts):
            joined = re.sub(r"\W+", " ", text).strip(" ")
            expected = [_fmix64(ord(c) + 0xC2B2AE3D27D4EB4F) for c in joined]
            assert units[offsets[position] : offsets[position + 1]].tolist() == expected, text


_MULTIPLIERS = shingle._POSITION_MULTIPLIERS
_SHORT_SALT = 0x9216D5D98979FB1B


def _reference_ngrams(units, size):
    """The n-gram hashes of one article's units in text order, in Python integers."""
    mask = (1 << 64) - 1
    if not units:
        return []
    if len(units) < size:
        total = sum(u * m for u, m in zip(units, _MULTIPLIERS, strict=False)) & mask
        return [_fmix64(total ^ _SHORT_SALT) >> 32]
    return [
        _fmix64(sum(u * m for u, m in zip(units[i : i + size], _MULTIPLIERS, strict=False)) & mask)
        >> 32
        for i in range(len(units) - size + 1)
    ]


@pytest.mark.parametrize("size", [1, 2, 5, 8])
def test_shingle_ngram_hashes_match_a_python_reference(size, monkeypatch):
    """Ordered n-grams, then sorted and unique per article, by either way of sorting."""
    for texts in ([*_unicode_texts(), "abcdefgh " * 30, "x" * 200], _bmp_texts()):
        units, offsets = char_hashes(texts)
        expected = [
            _reference_ngrams(units[offsets[i] : offsets[i + 1]].tolist(), size)
            for i in range(len(texts))
        ]
        hashes, counts = shingle._ngram_sequence(units, offsets, size)
        assert hashes.dtype == np.uint32
        assert counts.tolist() == [len(e) for e in expected]
        assert hashes.tolist() == [h for e in expected for h in e]
        for mean in (0, 10**9):  # each article sorted alone, or one sort of 64-bit keys
            monkeypatch.setattr(shingle, "_SEGMENT_SORT_MIN_MEAN", mean)
            unique, unique_offsets = shingle.ngram_hashes(units, offsets, size)
            assert unique.dtype == np.uint32 and unique_offsets.dtype == np.int64
            assert [
                unique[unique_offsets[i] : unique_offsets[i + 1]].tolist()
                for i in range(len(texts))
            ] == [sorted(set(e)) for e in expected]


def _edge_batch(seed: int) -> tuple[list[np.ndarray], shingle.ShingleBatch]:
    """Articles' hashes with empty articles, single values, repeats of 2**32 - 1, an article
    of exactly 64 and one of 65 (around _SEGMENT_SORT_MIN_MEAN), and the batch of them."""
    rng = np.random.default_rng(seed)
    sizes = [0, 0, 1, 2, 5, 0, 300, 64, 65, 1, 0]
    arrays = [rng.integers(0, 40, size).astype(np.uint32) for size in sizes]
    arrays[6] = rng.integers(0, 2**32, 300, dtype=np.uint64).astype(np.uint32)
    arrays[7][:] = 2**32 - 1  # all repeats, of the highest value
    offsets = np.zeros(len(arrays) + 1, dtype=np.int64)
    np.cumsum([a.size for a in arrays], out=offsets[1:])
    return arrays, shingle.ShingleBatch(hashes=np.concatenate(arrays), offsets=offsets)


@pytest.mark.parametrize("mean", [0, 64, 10**9])
def test_shingle_sorted_unique_batch_is_np_unique_of_each_article(mean, monkeypatch):
    monkeypatch.setattr(shingle, "_SEGMENT_SORT_MIN_MEAN", mean)
    arrays, batch = _edge_batch(3)
    before = batch.hashes.copy()
    unique = shingle.sorted_unique_batch(batch)
    assert np.array_equal(batch.hashes, before)  # the batch is left as it was
    assert unique.hashes.dtype == np.uint32 and unique.offsets.dtype == np.int64
    for got, array in zip(unique.to_list(), arrays, strict=True):
        assert got.dtype == np.uint32 and np.array_equal(got, np.unique(array))
    empty = shingle.ShingleBatch(np.zeros(0, dtype=np.uint32), np.zeros(1, dtype=np.int64))
    assert shingle.sorted_unique_batch(empty).to_list() == []


def test_shingle_sorted_unique_inverse_batch_is_np_unique_with_inverse():
    arrays, batch = _edge_batch(5)
    before = batch.hashes.copy()
    unique, inverse = shingle.sorted_unique_inverse_batch(batch)
    assert np.array_equal(batch.hashes, before)
    assert np.array_equal(unique.hashes, shingle.sorted_unique_batch(batch).hashes)
    assert np.array_equal(unique.offsets, shingle.sorted_unique_batch(batch).offsets)
    assert unique.hashes.dtype == np.uint32 and unique.offsets.dtype == np.int64
    assert inverse.dtype == np.int64
    for i, array in enumerate(arrays):
        expected, expected_inverse = np.unique(array, return_inverse=True)
        assert np.array_equal(unique[i], expected)
        assert np.array_equal(inverse[batch.offsets[i] : batch.offsets[i + 1]], expected_inverse)
    empty = shingle.ShingleBatch(np.zeros(0, dtype=np.uint32), np.zeros(1, dtype=np.int64))
    unique, inverse = shingle.sorted_unique_inverse_batch(empty)
    assert unique.to_list() == [] and inverse.size == 0


def test_shingle_batch_to_list_is_np_split():
    batch = make_shingle_batch(TEXTS, ShingleConfig(kind="char", shingle_size=5))
    listed = batch.to_list()
    split = np.split(batch.hashes, batch.offsets[1:-1])
    assert len(listed) == len(split) == len(TEXTS)
    for got, expected in zip(listed, split, strict=True):
        assert got.dtype == expected.dtype and np.array_equal(got, expected)
        assert got.base is not None  # a view, as np.split gives


def test_shingle_fmix64_high_bits_are_those_of_fmix64():
    rng = np.random.default_rng(5)
    values = rng.integers(0, 2**64, 1000, dtype=np.uint64, endpoint=False)
    values[:3] = [0, 1, 2**64 - 1]
    expected = [_fmix64(v) >> 32 for v in values.tolist()]
    high = shingle._fmix64_high_bits(values.copy(), np.empty_like(values))
    assert high.dtype == np.uint32 and high.tolist() == expected


def test_shingle_counts_before_are_running_counts_from_zero():
    rng = np.random.default_rng(2)
    for flags in (np.zeros(0, dtype=bool), np.ones(1, dtype=bool), rng.random(1000) < 0.3):
        counts = shingle._counts_before(flags)
        assert counts.dtype == np.int32
        assert counts.tolist() == [0, *np.cumsum(flags, dtype=np.int64).tolist()]


@pytest.mark.parametrize("piece_bytes", [65_536, 40, 7, 1])
def test_shingle_text_hashes_equal_the_former_formulation(piece_bytes, monkeypatch):
    """ASCII texts, other ones and both mixed, empty ones, texts longer than a piece, line
    feeds inside texts: the same hashes as the former text_hashes, in pieces of any size."""
    monkeypatch.setattr(shingle, "_POLYNOMIAL_PIECE_BYTES", piece_bytes)
    rng = random.Random(7)
    unicode_texts = _unicode_texts()
    ascii_texts = [*TEXTS, "", "a", "two\nlines", "x" * 100, " ", ""]
    ascii_texts = [text for text in ascii_texts if text.isascii()]
    mixed = ascii_texts + unicode_texts
    rng.shuffle(mixed)
    for texts in (ascii_texts, unicode_texts, mixed, [""], ["", ""], ["é"], ["a"], []):
        salts = np.array([rng.getrandbits(64) for _ in texts], dtype=np.uint64)
        assert text_hashes(texts, salts).tolist() == text_hashes_before(texts, salts).tolist()
        assert text_hashes(texts).tolist() == text_hashes_before(texts).tolist()
