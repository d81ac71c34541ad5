import zlib

import numpy as np
import pytest

from dedup.config import ShingleConfig
from dedup.errors import ConfigError
from dedup.shingle import make_shingles, shingle_strings


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


def test_shingle_hashes_are_sorted_unique_crc32():
    config = ShingleConfig(kind="word", shingle_size=1)
    hashes = make_shingles("b a b", config)
    expected = sorted({zlib.crc32(b"a"), zlib.crc32(b"b")})
    assert hashes.dtype == np.uint32
    assert hashes.tolist() == expected


def test_shingle_config_is_checked():
    with pytest.raises(ConfigError, match="shingle kind must be 'word' or 'char'; got 'line'"):
        ShingleConfig(kind="line")  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match="shingle_size must be a positive whole number; got 0"):
        ShingleConfig(shingle_size=0)
