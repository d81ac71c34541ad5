import random
import sys
import unicodedata

import pytest

from dedup.normalize import (
    fold_text,
    fold_text_by_characters,
    join_hyphenated,
    normalize_text,
    normalize_texts,
    tokenize,
)


def test_normalize_typography_case_and_whitespace():
    text = "\u201cThe  Bank\u2019s\u201d rate \u2014 cut\n\tto 2\u00a0pct"
    assert normalize_text(text) == '"the bank\'s" rate - cut to 2 pct'


def test_normalize_nfkc_folds_compatibility_characters():
    assert normalize_text("\ufb01nance \uff21\uff22\uff23 \u2460") == "finance abc 1"


def test_normalize_joins_words_hyphenated_across_lines():
    assert normalize_text("infor-\nmation and well-known") == "information and well-known"
    assert join_hyphenated("gov-  \n  ernment") == "government"


def test_normalize_drops_soft_hyphens_and_zero_width_spaces():
    assert normalize_text("co\u00adoperation\u200b now") == "cooperation now"


def test_normalize_tokenize_drops_punctuation():
    assert tokenize("the u.s. said, \"no\" - 12.5 pct") == [
        "the", "u", "s", "said", "no", "12", "5", "pct"
    ]  # fmt: skip


_TYPOGRAPHY_TABLE = str.maketrans(
    {
        **dict.fromkeys("\u2018\u2019\u201a\u201b\u2032", "'"),
        **dict.fromkeys("\u201c\u201d\u201e\u201f\u2033\u00ab\u00bb", '"'),
        **dict.fromkeys("\u2010\u2011\u2012\u2013\u2014\u2015\u2212", "-"),
        "\u00ad": "",
        "\u200b": "",
    }
)


@pytest.mark.parametrize(
    "text",
    [
        "plain ASCII, UPPER and lower\nsecond line",
        "\u201cQuoted\u201d \u2018single\u2019 \u00abguillemets\u00bb"
        " \u2014 \u2013 \u2212 co\u00adop\u200ber",
        "\u00a3 5 and \ufffd replaced, caf\u00e9",
        # Greek capital sigmas at word ends: str.lower would make some final, casefold does not
        "\u039f\u0394\u03a5\u03a3\u03a3\u0395\u03a5\u03a3 \u03a3. \u03c3\u03c2"
        " \u1f48\u03b4\u03c5\u03c3\u03c3\u03b5\u03cd\u03c2",
        "Stra\u00dfe STRASSE \u1e9e \ufb01ne \ufb00 \ufb03 \u0149",
        "\u0130stanbul \u0131\u0049 \u0069\u0307",
        "\u13a0\u13a1\u13a2 \uab70\uab71\uab72 \u13f8",  # Cherokee: folds small letters to capitals
        "\U00010400\U00010428 \U0001d504\U0001d56c \U0001e900",  # non-BMP letters
        "\u0410\u0411\u0412\u0413\u0414\u0415\u0416\u0417\u0418\u0419\u041a",  # many to fold
        "\u00b5 \u212a \u2126 \u00c5\u212b \u2160\u2170 \u24b6\u24d0 \uff21\uff41",
        "\u00a8 \u00b4 \u00a0 \u2003 \u3000 \u1680 x\u0301",
        "\ud800 lone surrogate \u201cQ\u201d",
        "\u201c\u201d",
        "",
    ],
)
def test_normalize_fold_text_maps_and_folds_every_character(text: str) -> None:
    reference = unicodedata.normalize("NFKC", text).translate(_TYPOGRAPHY_TABLE).casefold()
    assert fold_text(text) == reference
    assert fold_text_by_characters(unicodedata.normalize("NFKC", text)) == reference


def test_normalize_what_folding_utf8_relies_on() -> None:
    """fold_text folds a text's characters one by one, with bytes.replace and bytes.lower: true
    only because every character folds to characters that fold to themselves, and an ASCII
    one folds as bytes.lower lowers it."""
    for code in range(sys.maxunicode + 1):
        folded = chr(code).casefold()
        if folded != chr(code):
            assert folded.casefold() == folded, hex(code)
            assert all(char.casefold() == char for char in folded), hex(code)
    for code in range(128):
        assert chr(code).casefold().encode() == bytes([code]).lower()


def test_normalize_texts_is_normalize_text_of_each():
    """Titles of every kind together: ASCII ones with every ASCII space, runs of them and
    blanks at the edges, empty ones, non-ASCII ones; one with a line feed of its own."""
    rng = random.Random(11)
    alphabet = ["a", "B", "-", " ", "  ", "\t", "\x0b", "\x0c", "\r", "\x1c", "\x1f", "x"]
    ascii_titles = ["".join(rng.choices(alphabet, k=rng.randint(0, 12))) for _ in range(300)]
    ascii_titles += ["", " ", "Plain Title", "  Padded  ", "A  b\tc"]
    other_titles = ["Café  \u201cquoted\u201d ", "\u2028Ünïcode\u3000", "ﬁ"]
    cases = [
        [],
        [""],
        ["", ""],
        [" "],
        ascii_titles,
        other_titles,
        ascii_titles + other_titles,
        rng.sample(ascii_titles + other_titles, 100),
        ["in-\nformation", "Two  Lines"],  # a line feed of its own
        ["Résumé\nnew", "plain"],
    ]
    for titles in cases:
        assert normalize_texts(titles) == [normalize_text(title) for title in titles], titles
