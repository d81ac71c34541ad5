"""Pure text normalization, so that reprints with other typography compare equal.

Unicode NFKC, case folding, typographic quotes and dashes to ASCII, words hyphenated across a line
break joined again, and whitespace collapsed.
"""

from __future__ import annotations

import re
import unicodedata

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


def fold_text(text: str) -> str:
    """What :func:`normalize_text` does to a text without a line break before its spaces are
    collapsed: NFKC, typography mapped, case folded. Line breaks are kept where they are, so
    a text of blocks joined by line feeds folds each block as it would fold alone."""
    return _TYPOGRAPHIC.sub(_typography, unicodedata.normalize("NFKC", text)).casefold()


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
