import numpy as np
import pytest

from dedup import shingle
from dedup.config import ShingleConfig
from dedup.errors import ConfigError
from dedup.shingle import make_shingle_batch, make_shingles, ordered_shingles, shingle_strings


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
