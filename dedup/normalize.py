"""Pure text normalization, so that reprints with other typography compare equal.

Unicode NFKC, case folding, typographic quotes and dashes to ASCII, words hyphenated across a line
break joined again, and whitespace collapsed.
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from collections.abc import Sequence

# NFKC leaves these as they are; reprints swap them freely.
_TYPOGRAPHY = {
    "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'",
    "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u201f": '"', "\u2033": '"',
    "\u00ab": '"', "\u00bb": '"',
    "\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2014": "-",
    "\u2015": "-", "\u2212": "-",
    "\u00ad": "",  # soft hyphen
    "\u200b": "",  # zero-width space
}  # fmt: skip
# Replaced by one regular-expression pass: str.translate with a mapping looks every character
# of a non-ASCII text up in it, about 60 µs for a paragraph, most of normalizing one.
_TYPOGRAPHIC = re.compile("[" + "".join(_TYPOGRAPHY) + "]")
_LINE_BREAK_HYPHEN = re.compile(r"(\w)-[ \t]*\r?\n[ \t]*(\w)")
# What every match of _LINE_BREAK_HYPHEN contains: searched first because a pattern that
# starts with a literal is found quickly, and most texts hold none.
_HYPHEN_AT_BREAK = re.compile(r"-[ \t]*\r?\n")
_WORD = re.compile(r"\w+")


def normalize_text(text: str) -> str:
    """Return ``text`` in the canonical form that shingles and exact matching compare.

    Example:
        >>> normalize_text("The \u201cinfor-\\nmation\u201d  \u2014 NEW")
        'the "information" - new'
    """
    if not text.isascii():  # ASCII text is already NFKC and holds no typography to map
        text = _TYPOGRAPHIC.sub(_typography, unicodedata.normalize("NFKC", text))
    # str.split() splits on exactly the characters ``\s`` matches, and is faster.
    return " ".join(join_hyphenated(text).casefold().split())


# The characters other than a blank and a line feed that str.split() splits ASCII text at.
_ASCII_OTHER_SPACES = "\t\x0b\x0c\r\x1c\x1d\x1e\x1f"
_ASCII_OTHER_SPACES_TO_BLANKS = str.maketrans(_ASCII_OTHER_SPACES, " " * len(_ASCII_OTHER_SPACES))


def normalize_texts(texts: Sequence[str]) -> list[str]:
    """:func:`normalize_text` of each text (a chunk's titles).

    The ASCII texts are joined by line feeds and normalized as one text, then split again: a
    call per title was about half a microsecond, most of it the calls. This holds when no text
    has a line feed of its own (else each is normalized alone): then none has a word
    hyphenated across a line break, ASCII text casefolds as it lowers, and its spaces are
    collapsed as str.split() and a join collapse them by turning the other ASCII spaces into
    blanks, runs of blanks into one, and dropping the blanks at each text's edges. Texts that
    are not ASCII (a few titles in a thousand) are normalized one by one.
    """
    is_ascii = list(map(str.isascii, texts))
    ascii_count = sum(is_ascii)
    joined = "\n".join(itertools.compress(texts, is_ascii))
    if not ascii_count or joined.count("\n") != ascii_count - 1:
        return list(map(normalize_text, texts))
    normalized = _collapse_ascii_spaces(joined.lower()).split("\n")
    if ascii_count == len(texts):
        return normalized
    ascii_normalized = iter(normalized)
    return [
        next(ascii_normalized) if plain else normalize_text(text)
        for text, plain in zip(texts, is_ascii, strict=True)
    ]


def _collapse_ascii_spaces(text: str) -> str:
    """ " ".join(line.split()) of each line of an ASCII text, the lines joined by line feeds
    again, by replacing substrings (each a fast scan of the whole text) rather than line by
    line."""
    if any(map(text.__contains__, _ASCII_OTHER_SPACES)):
        text = text.translate(_ASCII_OTHER_SPACES_TO_BLANKS)
    # Looked for by rfind: CPython's search backwards skips on the first character of what it
    # looks for, forwards on the last, and a blank is frequent (half the time of ``in`` here).
    while text.rfind("  ") >= 0:
        text = text.replace("  ", " ")
    if " \n" in text:
        text = text.replace(" \n", "\n")
    if text.rfind("\n ") >= 0:
        text = text.replace("\n ", "\n")
    if text.startswith(" "):
        text = text[1:]
    if text.endswith(" "):
        text = text[:-1]
    return text


def fold_text(text: str) -> str:
    """What :func:`normalize_text` does to a text without a line break before its spaces are
    collapsed: NFKC, typography mapped, case folded. Line breaks are kept where they are, so
    a text of blocks joined by line feeds folds each block as it would fold alone."""
    normal = unicodedata.normalize("NFKC", text)
    if normal.isascii():  # no typography, and ASCII folds as it lowers
        return normal.lower()
    try:
        data = normal.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate
        return fold_text_by_characters(normal)
    return _fold_utf8(data)


def fold_text_by_characters(normal: str) -> str:
    """:func:`fold_text` of an NFKC text, by mapping and folding each of its characters: what
    :func:`_fold_utf8` must give (and gives for a text with a lone surrogate, which UTF-8 cannot
    hold)."""
    return _TYPOGRAPHIC.sub(_typography, normal).casefold()


# ASCII bytes, which bytes.translate deletes to leave the UTF-8 of a text's other characters.
_ASCII_BYTES = bytes(range(128))
_TYPOGRAPHY_UTF8 = {
    char: (char.encode("utf-8"), plain.encode("utf-8")) for char, plain in _TYPOGRAPHY.items()
}
# Folding characters one by one is cheaper than decoding and str.casefold of the whole text up
# to about this many distinct characters that fold to something else: a bytes.replace costs
# about a quarter as much.
_MAX_FOLDED_BY_REPLACE = 3


def _fold_utf8(data: bytes) -> str:
    """:func:`fold_text_by_characters` of an NFKC text given as UTF-8.

    Mapping the typography with a regular expression and folding with str.casefold step
    through every character of a text that is not ASCII (22 µs for the 3,000 characters of a
    typical one, most of them ASCII with a pound sign or a curly quote); this takes a third of
    that, encoding included. Both map each character on its own, with no regard to its
    neighbours, so they are done as a bytes.replace per distinct character that is not ASCII
    and changes (UTF-8 finds a character's bytes only where that character is), and
    bytes.lower for ASCII, which folds as it lowers. Typography goes first, as in
    fold_text_by_characters. A character folds to characters that fold to themselves, so no
    replacement touches what an earlier one made (tests/test_normalize.py checks this for
    every character).
    """
    others = set(data.translate(None, _ASCII_BYTES).decode("utf-8"))
    for char in others & _TYPOGRAPHY.keys():
        data = data.replace(*_TYPOGRAPHY_UTF8[char])
    others -= _TYPOGRAPHY.keys()
    spelled = "".join(others)
    if spelled.casefold() != spelled:  # some character folds to another
        folding = [char for char in others if char.casefold() != char]
        if len(folding) > _MAX_FOLDED_BY_REPLACE:
            return data.decode("utf-8").casefold()
        for char in folding:
            data = data.replace(char.encode("utf-8"), char.casefold().encode("utf-8"))
    return data.lower().decode("utf-8")


def _typography(match: re.Match[str]) -> str:
    return _TYPOGRAPHY[match.group()]


def join_hyphenated(text: str) -> str:
    """Join words that a scan or a narrow column hyphenated across a line break."""
    if "\n" not in text or not _HYPHEN_AT_BREAK.search(text):  # nothing to join
        return text
    return _LINE_BREAK_HYPHEN.sub(r"\1\2", text)


def tokenize(normalized: str) -> list[str]:
    """Split normalized text into words, dropping punctuation."""
    return _WORD.findall(normalized)
