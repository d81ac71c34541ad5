from dedup.normalize import join_hyphenated, normalize_text, tokenize


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
