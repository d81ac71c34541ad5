"""Normalized text to a set of shingle hashes, for one article or a whole batch at once.

Hashing runs over a batch as numpy arrays (issue 5): the batch's text is encoded once into one
byte buffer, each word (or character) is hashed once, and consecutive unit hashes are combined
into n-gram hashes with array arithmetic, so no Python code runs per word or per shingle.

A batch of ragged per-article arrays is kept as one flat array plus offsets
(:class:`ShingleBatch`), the layout the signature and verify stages read.

Hashes are deterministic functions of the text (no Python ``hash``, which is salted per
process), so signatures made today match an index built yesterday. They are internal: the
``uint32`` values changed when hashing moved from CRC-32 of shingle strings to combined word
hashes, and any stored signatures must be rebuilt with them.
"""

from __future__ import annotations

import functools
import itertools
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import numpy as np

from .config import ShingleConfig
from .normalize import tokenize

_U64 = np.uint64
# Odd 64-bit constants (digits of pi, golden ratio): the polynomial base for bytes and the
# per-position multipliers of n-grams. Odd multipliers are invertible modulo 2**64.
_BYTE_BASE = _U64(0x9E3779B97F4A7C15)
# B**-1 modulo 2**64 (B is odd): B * _BYTE_BASE_INVERSE == 1, checked in the tests.
_BYTE_BASE_INVERSE = 0xF1DE83E19937733D
_LENGTH_MULTIPLIER = _U64(0xC2B2AE3D27D4EB4F)
_POSITION_MULTIPLIERS = (
    0x243F6A8885A308D3, 0x13198A2E03707345, 0xA4093822299F31D1, 0x082EFA98EC4E6C89,
    0x452821E638D01377, 0xBE5466CF34E90C6D, 0xC0AC29B7C97C50DD, 0x3F84D5B5B5470917,
)  # fmt: skip
_SHORT_TEXT_SALT = _U64(0x9216D5D98979FB1B)
# Text per chunk of the byte pipeline: about 30 bytes of temporary arrays per byte of text. A
# chunk's arrays then stay in the processor's cache: 250k characters shingled 30% faster than
# 4M (the sort, and each pass over the arrays).
_CHUNK_BYTES = 250_000
# Bytes per piece of the polynomial hashes of whole texts (_segment_polynomials): in the first
# pass, right after the blocks are made, pieces of 64k bytes took half the time of 250k ones.
_POLYNOMIAL_PIECE_BYTES = 65_536
_WORD_CHARACTER = re.compile(r"\w")
# Bytes of ASCII word characters (what ``\w`` matches in ASCII text), and every byte of a
# multi-byte UTF-8 sequence: non-ASCII texts have their non-word characters replaced first.
_WORD_BYTE = np.zeros(256, dtype=bool)
for _char in b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz":
    _WORD_BYTE[_char] = True
_WORD_BYTE[0x80:] = True


@dataclass(frozen=True)
class ShingleBatch:
    """The sorted, unique ``uint32`` shingle hashes of many articles, stored flat.

    Article ``i``'s hashes are ``hashes[offsets[i]:offsets[i + 1]]``.
    """

    hashes: np.ndarray
    offsets: np.ndarray

    def __len__(self) -> int:
        return len(self.offsets) - 1

    def __getitem__(self, position: int) -> np.ndarray:
        return self.hashes[self.offsets[position] : self.offsets[position + 1]]

    def __iter__(self) -> Iterator[np.ndarray]:
        return (self[i] for i in range(len(self)))

    @property
    def sizes(self) -> np.ndarray:
        """Number of distinct shingles of each article."""
        return np.diff(self.offsets)

    def to_list(self) -> list[np.ndarray]:
        """One array (a view) per article."""
        # Slices at the offsets as Python integers: less than half the time of ``np.split``.
        bounds = self.offsets.tolist()
        return [self.hashes[start:stop] for start, stop in itertools.pairwise(bounds)]


@dataclass(frozen=True)
class WordBatch:
    """The 64-bit hashes of every word of many texts (:func:`word_hashes`), stored flat, with
    the first byte of each word.

    Text ``i``'s words are ``hashes[offsets[i]:offsets[i + 1]]``, in text order, repeats kept.
    ``initials`` tells figures (a word whose first byte is an ASCII digit) and words starting
    with ``_`` from words of letters; a word starting with a non-ASCII character (its first
    UTF-8 byte is 0x80 or more) counts as a word of letters, non-ASCII digits included.
    """

    hashes: np.ndarray
    offsets: np.ndarray
    initials: np.ndarray

    def __len__(self) -> int:
        return len(self.offsets) - 1

    @property
    def sizes(self) -> np.ndarray:
        """Number of words of each text (what :func:`dedup.normalize.tokenize` finds)."""
        return np.diff(self.offsets)

    def figures(self) -> np.ndarray:
        """Whether each word starts with an ASCII digit."""
        return starts_a_figure(self.initials)

    def letters(self) -> np.ndarray:
        """Whether each word starts with neither a digit nor ``_`` (the words of
        :data:`dedup.terms.WORD_PATTERN`, but for non-ASCII digits, which count as letters)."""
        return ~self.figures() & (self.initials != ord("_"))


def starts_a_figure(initials: np.ndarray) -> np.ndarray:
    """Whether words with these first bytes are figures: they start with an ASCII digit."""
    return (initials >= ord("0")) & (initials <= ord("9"))


def word_batch(texts: Sequence[str]) -> WordBatch:
    """The hashes of every word of every text (:func:`word_hashes`), computed chunk by chunk
    over the batch to bound the temporary arrays."""
    parts: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
    for start, stop in _chunks(texts):
        parts.append(_hash_words(texts[start:stop]))
    if len(parts) == 1:
        return WordBatch(*parts[0])
    offsets = np.zeros(len(texts) + 1, dtype=np.int64)
    np.cumsum(np.concatenate([np.diff(part[1]) for part in parts]), out=offsets[1:])
    return WordBatch(
        hashes=np.concatenate([part[0] for part in parts]),
        offsets=offsets,
        initials=np.concatenate([part[2] for part in parts]),
    )


def make_shingles(normalized: str, config: ShingleConfig) -> np.ndarray:
    """Return the sorted, unique ``uint32`` hashes of the shingles of ``normalized``.

    A text shorter than one shingle yields a single shingle of the whole text, so short briefs
    can still match exact copies; an empty text yields an empty array. The values equal those
    :func:`make_shingle_batch` gives for the same text.

    Example:
        >>> make_shingles("a b c", ShingleConfig(kind="word", shingle_size=2)).size
        2
    """
    return make_shingle_batch([normalized], config)[0]


def make_shingle_batch(
    texts: Sequence[str], config: ShingleConfig, words: WordBatch | None = None
) -> ShingleBatch:
    """Shingle hashes of every text, computed chunk by chunk over the batch.

    Args:
        texts: normalized texts (:func:`dedup.normalize.normalize_text`).
        config: word or character n-grams, and n.
        words: the texts' word hashes (:func:`word_batch`) when the caller has them already:
            word shingles are then combined from them rather than hashed again.
    """
    parts: list[np.ndarray] = []
    sizes: list[np.ndarray] = []
    for start, stop in _chunks(texts):
        chunk = texts[start:stop]
        if config.kind == "word" and words is not None:
            first, last = words.offsets[start], words.offsets[stop]
            units, offsets = words.hashes[first:last], words.offsets[start : stop + 1] - first
        elif config.kind == "word":
            units, offsets = word_hashes(chunk)
        else:
            units, offsets = char_hashes(chunk)
        hashes, chunk_offsets = ngram_hashes(units, offsets, config.shingle_size)
        parts.append(hashes)
        sizes.append(np.diff(chunk_offsets))
    all_sizes = np.concatenate(sizes) if sizes else np.zeros(0, dtype=np.int64)
    offsets = np.zeros(len(texts) + 1, dtype=np.int64)
    np.cumsum(all_sizes, out=offsets[1:])
    hashes = np.concatenate(parts) if parts else np.zeros(0, dtype=np.uint32)
    return ShingleBatch(hashes=hashes, offsets=offsets)


def _chunks(texts: Sequence[str]) -> Iterator[tuple[int, int]]:
    """``(start, stop)`` ranges of texts holding about ``_CHUNK_BYTES`` characters each."""
    start = total = 0
    for position, text in enumerate(texts):
        total += len(text)
        if total >= _CHUNK_BYTES:
            yield start, position + 1
            start, total = position + 1, 0
    if start < len(texts) or not texts:
        yield start, len(texts)


def _fmix64(values: np.ndarray) -> np.ndarray:
    """MurmurHash3's 64-bit finalizer: every input bit affects every output bit, which the
    linear polynomial sums below do not give on their own."""
    values = values ^ (values >> _U64(33))
    values = values * _U64(0xFF51AFD7ED558CCD)
    values = values ^ (values >> _U64(33))
    values = values * _U64(0xC4CEB9FE1A85EC53)
    return values ^ (values >> _U64(33))


@functools.cache
def _powers_of_capacity(base: int, capacity: int) -> np.ndarray:
    powers = np.full(capacity, base, dtype=np.uint64).cumprod()  # wraps modulo 2**64
    powers.flags.writeable = False
    return powers


def _powers(base: int, size: int) -> np.ndarray:
    """``base**(k + 1)`` modulo 2**64 for ``k < size``: computed once per power-of-two capacity up
    to four times a chunk's size and reused; a longer buffer (one huge text) gets its own."""
    capacity = 1 << max(size - 1, 1).bit_length()
    if capacity > 4 * _CHUNK_BYTES:
        return np.full(size, base, dtype=np.uint64).cumprod()
    return _powers_of_capacity(base, capacity)[:size]


def _byte_powers(size: int) -> np.ndarray:
    """``B**(k + 1)`` for ``k < size``."""
    return _powers(int(_BYTE_BASE), size)


def _inverse_byte_powers(size: int) -> np.ndarray:
    """``B**-(k + 1)`` modulo 2**64 for ``k < size``: the inverses of :func:`_byte_powers`, as
    powers of ``B``'s inverse. Looked up, they take a fifth of the time of inverting the power
    at each segment's start by Newton's iteration, which was a third of hashing the words."""
    return _powers(_BYTE_BASE_INVERSE, size)


def segment_hashes(
    values: np.ndarray, starts: np.ndarray, ends: np.ndarray, salts: np.ndarray | None = None
) -> np.ndarray:
    """A 64-bit hash of each segment ``values[starts[i]:ends[i]]`` of one array of unsigned
    integers (bytes of text, or 64-bit keys), all segments at once.

    The hash is the polynomial ``sum(values[start + j] * B**j)`` modulo 2**64, taken from prefix
    sums of ``values[k] * B**k`` and shifted back by the inverse of ``B**start``, plus the
    segment's length times a constant and its salt (``salts[i]``, when given), mixed by
    :func:`_fmix64`. Segments may be empty, overlap, or end at ``values.size``.
    """
    powers = _byte_powers(values.size + 1)  # ``B**(start + 1)`` of an empty segment at the end too
    prefix = np.empty(values.size + 1, dtype=np.uint64)
    prefix[0] = 0
    # In place: a temporary array of eight bytes per value cost a tenth more.
    np.multiply(values, powers[: values.size], out=prefix[1:])
    np.cumsum(prefix[1:], out=prefix[1:])
    polynomial = (prefix[ends] - prefix[starts]) * _inverse_byte_powers(values.size + 1)[starts]
    mixed = polynomial + (ends - starts).astype(np.uint64) * _LENGTH_MULTIPLIER
    if salts is not None:
        mixed += salts
    return _fmix64(mixed)


def text_hashes(texts: Sequence[str], salts: np.ndarray | None = None) -> np.ndarray:
    """A 64-bit hash of each whole text: :func:`segment_hashes` of its UTF-8 bytes, with its
    salt (``salts[i]``, when given).

    The ASCII texts (most news) are joined into one string and encoded at once, the others
    into another: encoding a string that holds a single character beyond ASCII steps through
    every character (0.7 µs per article of 1,300 characters), an ASCII one is copied. An ASCII
    text has as many bytes as characters; another's bytes are found in its buffer
    (:func:`_byte_offsets`). Each buffer is hashed by :func:`_segment_polynomials`.
    """
    lengths = np.fromiter(map(len, texts), dtype=np.int64, count=len(texts))
    is_ascii = list(map(str.isascii, texts))
    if all(is_ascii):
        polynomials = _segment_polynomials(_utf8_buffer("".join(texts)), lengths)
    else:
        polynomials = np.zeros(len(texts), dtype=np.uint64)
        narrow = np.fromiter(is_ascii, dtype=bool, count=len(texts))
        ascii_texts = "".join(itertools.compress(texts, is_ascii))
        polynomials[narrow] = _segment_polynomials(_utf8_buffer(ascii_texts), lengths[narrow])
        wide = np.flatnonzero(~narrow)
        buffer = _utf8_buffer("".join([texts[i] for i in wide.tolist()]))
        byte_ends = _byte_offsets(buffer, np.cumsum(lengths[wide]))
        lengths[wide] = np.diff(byte_ends, prepend=0)
        polynomials[wide] = _segment_polynomials(buffer, lengths[wide])
    mixed = polynomials + lengths.astype(np.uint64) * _LENGTH_MULTIPLIER
    if salts is not None:
        mixed += salts
    return _fmix64(mixed)


def _utf8_buffer(text: str) -> np.ndarray:
    return np.frombuffer(text.encode("utf-8"), dtype=np.uint8)


def _segment_polynomials(buffer: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """The polynomial of :func:`segment_hashes`, ``sum(buffer[start + j] * B**j)`` modulo
    2**64, of each of consecutive segments of the given lengths that fill ``buffer``.

    The buffer is taken about ``_POLYNOMIAL_PIECE_BYTES`` bytes at a time (whole segments), so
    that the products of its bytes and powers stay in the processor's cache. The bytes are
    copied into one array of 64-bit integers made once and multiplied by the powers in place
    (a fifth less time than multiplying the bytes, which numpy casts in small buffers), and
    each non-empty segment's products are summed by ``np.add.reduceat`` at the segments'
    starts (an empty segment's polynomial is 0): half the time of a running sum taken at
    each segment's start and end.
    """
    ends = np.cumsum(lengths)
    starts = ends - lengths
    total = int(ends[-1]) if ends.size else 0
    step = _POLYNOMIAL_PIECE_BYTES
    cuts = np.searchsorted(ends, np.arange(step, total, step), side="right")
    bounds = np.unique(np.concatenate([[0], cuts, [lengths.size]]).astype(np.int64))
    piece_starts, piece_ends = starts[bounds[:-1]], ends[bounds[1:] - 1]
    # The non-empty segments, where each piece's are among them, and where each starts in its
    # piece: found for all pieces at once, so that a piece costs three numpy calls (with 64k
    # pieces, their calls were a sixth of the time).
    filled = np.flatnonzero(lengths)
    piece_filled = np.searchsorted(filled, bounds)
    at = starts[filled] - np.repeat(piece_starts, np.diff(piece_filled))
    capacity = int((piece_ends - piece_starts).max(initial=0))
    products = np.empty(capacity, dtype=np.uint64)
    powers = _byte_powers(capacity)
    sums = np.empty(filled.size, dtype=np.uint64)
    pieces = zip(
        itertools.pairwise(piece_filled.tolist()),
        piece_starts.tolist(),
        piece_ends.tolist(),
        strict=True,
    )
    for (first, stop), begin, end in pieces:
        if first == stop:  # empty segments only: no bytes
            continue
        piece = products[: end - begin]
        np.copyto(piece, buffer[begin:end])
        np.multiply(piece, powers[: piece.size], out=piece)
        np.add.reduceat(piece, at[first:stop], out=sums[first:stop])
    polynomials = np.zeros(lengths.size, dtype=np.uint64)
    polynomials[filled] = sums * _inverse_byte_powers(capacity)[at]
    return polynomials


def _byte_offsets(buffer: np.ndarray, characters: np.ndarray) -> np.ndarray:
    """Offsets of characters into UTF-8 text (``buffer``) as offsets of bytes: each adds the
    continuation bytes (``10xxxxxx``) of the characters before it. Only the bytes of non-ASCII
    characters are looked for, not every character's start: in news they are few."""
    wide = np.flatnonzero(buffer >= np.uint8(0x80))
    continuing = wide[buffer[wide] < np.uint8(0xC0)]
    # The k-th continuation byte, at p, is part of character p - k - 1 (k bytes before it are
    # continuation bytes too): it lies before the offset of every character after that one.
    owners = continuing - np.arange(continuing.size)
    return characters + np.searchsorted(owners, characters, side="right")


def word_hashes(texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """A 64-bit hash of every word of every text, with the articles' offsets into them.

    Words are the runs of ``\\w`` characters (:func:`dedup.normalize.tokenize`). All texts are
    encoded into one buffer, separated by a space; ASCII texts (most news) are classified byte
    by byte, other texts first have their non-word characters replaced by spaces, so that every
    byte left that is not a space belongs to a word. A word's hash is the polynomial
    ``sum(byte[j] * B**j)`` modulo 2**64, taken from prefix sums of ``byte[k] * B**k`` and
    shifted back by the inverse of ``B**start``, then mixed with its length.

    Returns:
        ``(hashes, offsets)``: ``uint64`` hashes, flat; text ``i``'s are
        ``hashes[offsets[i]:offsets[i + 1]]``.
    """
    hashes, offsets, _ = _hash_words(texts)
    return hashes, offsets


def _hash_words(texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """:func:`word_hashes`, and the first byte of each word."""
    prepared = _blank_non_words(texts)
    buffer = np.frombuffer(" ".join(prepared).encode("utf-8") + b" ", dtype=np.uint8)
    lengths = np.fromiter(
        (len(text) if text.isascii() else len(text.encode("utf-8")) for text in prepared),
        dtype=np.int64,
        count=len(prepared),
    )
    text_starts = np.cumsum(lengths + 1) - (lengths + 1)

    is_word = _WORD_BYTE[buffer]
    edges = np.diff(is_word.view(np.int8), prepend=np.int8(0))
    starts = np.flatnonzero(edges == 1)
    ends = np.flatnonzero(edges == -1)  # the buffer ends in a space, so every word ends

    hashes = segment_hashes(buffer, starts, ends)
    offsets = np.searchsorted(starts, np.append(text_starts, buffer.size))
    return hashes, offsets, buffer[starts]


def _blank_non_words(texts: Sequence[str]) -> list[str]:
    """The texts, with every non-word character of the non-ASCII ones replaced by a space
    (what is left of those that is not a space is a word character)."""
    prepared = list(texts)
    wide = [i for i, text in enumerate(texts) if not text.isascii()]
    if not wide:
        return prepared
    points = np.frombuffer("".join(texts[i] for i in wide).encode("utf-32-le"), dtype=np.uint32)
    blanked = np.where(_word_characters(points), points, np.uint32(32)).astype(np.uint32)
    joined = blanked.tobytes().decode("utf-32-le")
    at = 0
    for i in wide:
        stop = at + len(texts[i])
        prepared[i] = joined[at:stop]
        at = stop
    return prepared


def char_hashes(texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """The characters of each text's words joined by single spaces, as 64-bit hashes.

    Punctuation is dropped and words are joined by one space, as in :func:`shingle_strings`:
    each text becomes ``re.sub(r"\\W+", " ", text).strip(" ")``. That is done over the whole
    batch as arrays: every code point is classified as a word character or not, and of each
    run of non-word characters only the first is kept, as a space, unless it ends the text.
    """
    # One separator after each text: a non-word character, so runs never cross texts.
    joined_texts = " ".join(texts) + " "
    encoded = joined_texts.encode("utf-16-le", "surrogatepass")
    if len(encoded) == 2 * len(joined_texts):
        # Every code point is in the Basic Multilingual Plane, so each is one UTF-16 unit:
        # half the memory of UTF-32 for every step below. One look-up gives each point, or a
        # space for a non-word one (a space is no word character).
        spaced = _spaced_point_table()[np.frombuffer(encoded, dtype=np.uint16)]
        is_word = spaced != np.uint16(32)
    else:
        points = np.frombuffer(joined_texts.encode("utf-32-le"), dtype=np.uint32)
        is_word = _word_characters(points)
        spaced = np.where(is_word, points, np.uint32(32))
    lengths = np.fromiter(map(len, texts), dtype=np.int64, count=len(texts))
    # Words, and the first non-word character after each word, as a space.
    kept = is_word.copy()
    kept[1:] |= is_word[:-1]
    kept_before = _counts_before(kept)
    # Each text's stretch (the text and its separator) ends with the character after its
    # last word, when it has one: that one ends the text, and goes. It is the last kept
    # character of the stretch: the first whose count of kept characters up to it reaches
    # the stretch's.
    ends = np.cumsum(lengths + 1)
    kept_by_end = kept_before[ends]
    counts = np.diff(kept_by_end, prepend=0)
    has_words = counts > 0
    kept[np.searchsorted(kept_before, kept_by_end[has_words]) - 1] = False
    counts -= has_words
    offsets = np.zeros(len(texts) + 1, dtype=np.int64)
    np.cumsum(counts, out=offsets[1:])
    # One np.compress rather than indexing with two masks: half the time.
    return _char_units(np.compress(kept, spaced)), offsets


def _counts_before(flags: np.ndarray) -> np.ndarray:
    """How many of ``flags`` are true before each position, and in all (``flags.size + 1``
    counts).

    As ``int32`` when they fit: a third of the time of ``int64`` counts in the shingle
    pipeline (half the memory to write, in arrays of hundreds of kilobytes).
    """
    dtype = np.int32 if flags.size < 2**31 else np.int64
    counts = np.zeros(flags.size + 1, dtype=dtype)
    np.cumsum(flags, dtype=dtype, out=counts[1:])
    return counts


@functools.cache
def _spaced_point_table() -> np.ndarray:
    """Each code point of the Basic Multilingual Plane if it is a word character, else a
    space, as ``uint16``."""
    points = np.arange(0x10000, dtype=np.uint16)
    table = np.where(_word_character_table(), points, np.uint16(32))
    table.flags.writeable = False
    return table


@functools.cache
def _word_character_table() -> np.ndarray:
    """Whether each code point of the Basic Multilingual Plane is a word character (what
    ``\\w`` matches)."""
    table = np.zeros(0x10000, dtype=bool)
    everything = "".join(map(chr, range(0x10000)))  # lone surrogates too: they are \\W
    table[[match.start() for match in _WORD_CHARACTER.finditer(everything)]] = True
    table.flags.writeable = False
    return table


def _word_characters(points: np.ndarray) -> np.ndarray:
    """Whether each code point is a word character."""
    table = _word_character_table()
    if points.size == 0 or int(points.max()) < table.size:
        return table[points]  # type: ignore[no-any-return]
    is_word = table[np.minimum(points, table.size - 1)]
    beyond = np.flatnonzero(points >= table.size)
    is_word[beyond] = [_WORD_CHARACTER.match(chr(p)) is not None for p in points[beyond].tolist()]
    return is_word  # type: ignore[no-any-return]


@functools.cache
def _char_unit_table() -> np.ndarray:
    table = _fmix64(np.arange(0x10000, dtype=np.uint64) + _LENGTH_MULTIPLIER)
    table.flags.writeable = False
    return table


def _char_units(points: np.ndarray) -> np.ndarray:
    """The hash of each code point: looked up for the Basic Multilingual Plane."""
    if points.size == 0 or int(points.max()) >= 0x10000:
        return _fmix64(points.astype(np.uint64) + _LENGTH_MULTIPLIER)
    return _char_unit_table()[points]


def ngram_hashes(
    units: np.ndarray, offsets: np.ndarray, size: int
) -> tuple[np.ndarray, np.ndarray]:
    """Combine consecutive unit hashes into n-gram hashes, sorted and unique per article.

    Returns:
        ``(hashes, offsets)``: ``uint32`` hashes, flat, and each article's offsets into them.
    """
    grams = _ngrams_at_every_unit(units, offsets, size)
    # Each article's n-grams sorted where they lie, among the units: dropping the positions
    # that start none first would take another pass over the array (for character shingles,
    # a sixth of the time).
    return _sort_unique_segments(grams.hashes, offsets[:-1], grams.counts, grams.starts_ngram)


def sorted_unique_batch(batch: ShingleBatch) -> ShingleBatch:
    """Each article's hashes sorted and unique (``np.unique`` of each), all at once: an
    eighth of the time of ``np.unique`` article by article (ordered word shingles in verify)."""
    hashes, offsets = _sort_unique_segments(batch.hashes.copy(), batch.offsets[:-1], batch.sizes)
    return ShingleBatch(hashes=hashes, offsets=offsets)


def sorted_unique_inverse_batch(batch: ShingleBatch) -> tuple[ShingleBatch, np.ndarray]:
    """:func:`sorted_unique_batch` of ``batch``, and where each of ``batch``'s hashes lies
    among its article's sorted unique hashes (``np.unique(..., return_inverse=True)`` of each
    article), as ``int64`` positions within the article, in ``batch.hashes``'s order."""
    sizes = batch.sizes
    starts = np.repeat(np.arange(len(batch), dtype=np.uint64) << _U64(32), sizes)
    keys = starts | batch.hashes  # the article in the high 32 bits: its run stays in place
    # One argsort of 64-bit keys: a third less time than an argsort per article.
    order = np.argsort(keys)
    ranked = keys[order]
    distinct = np.empty(ranked.size, dtype=bool)
    distinct[:1] = True
    np.not_equal(ranked[1:], ranked[:-1], out=distinct[1:])
    distinct_before = _counts_before(distinct).astype(np.int64)
    offsets = distinct_before[batch.offsets]
    inverse = np.empty(ranked.size, dtype=np.int64)
    inverse[order] = distinct_before[1:] - 1  # a repeat takes the place of its first copy
    inverse -= np.repeat(offsets[:-1], sizes)
    unique = ShingleBatch(hashes=np.compress(distinct, ranked).astype(np.uint32), offsets=offsets)
    return unique, inverse


# Below this many hashes per article on average, one sort of 64-bit keys (each hash with its
# article in the high bits) beats sorting each article on its own, which costs a Python call
# per article.
_SEGMENT_SORT_MIN_MEAN = 64


def _sort_unique_segments(
    hashes: np.ndarray, starts: np.ndarray, counts: np.ndarray, inside: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """The ``uint32`` hashes of each article, ``hashes[starts[i] : starts[i] + counts[i]]``,
    sorted and without repeats. Sorts ``hashes`` in place.

    Args:
        hashes: the articles' hashes, in article order; there may be other values between
            two articles' (gaps), which ``inside`` then tells apart.
        starts: where each article's hashes start.
        counts: how many hashes each article has.
        inside: whether each value belongs to an article (when there are gaps).

    Returns:
        ``(hashes, offsets)``: the sorted, unique hashes of each article, flat, and the
        articles' offsets into them.
    """
    if hashes.size < _SEGMENT_SORT_MIN_MEAN * counts.size:
        contiguous = hashes if inside is None else np.compress(inside, hashes)
        return _sort_unique_keys(contiguous, counts)
    # Each article sorted in place as ``uint32``: half the time of one sort of 64-bit keys
    # with the article in the high bits (SIMD sorts are twice as fast on 32-bit values, and
    # small arrays sort faster per value).
    for start, stop in zip(starts.tolist(), (starts + counts).tolist(), strict=True):
        if stop - start > 1:
            hashes[start:stop].sort()
    distinct = np.empty(hashes.size, dtype=bool)
    distinct[:1] = True
    np.not_equal(hashes[1:], hashes[:-1], out=distinct[1:])
    if inside is not None:
        distinct &= inside
    distinct[starts[counts > 0]] = True  # an article's first hash is new to it
    offsets = _counts_before(distinct)[np.append(starts, hashes.size)].astype(np.int64)
    # np.compress takes half the time of indexing with the mask.
    return np.compress(distinct, hashes), offsets


def _sort_unique_keys(hashes: np.ndarray, counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """:func:`_sort_unique_segments` of contiguous articles by one sort of 64-bit keys, each
    hash with its article in the high 32 bits: sorted, the articles' runs are in order."""
    articles = np.arange(counts.size + 1, dtype=np.uint64) << _U64(32)
    keys = np.repeat(articles[:-1], counts)
    keys |= hashes
    # Sort and drop repeats rather than np.unique, whose hash-based path in numpy 2.x was 80
    # times slower here.
    keys.sort()
    keys = keys[np.append(True, keys[1:] != keys[:-1])] if keys.size else keys
    new_offsets = np.searchsorted(keys, articles)
    return keys.astype(np.uint32), new_offsets  # the low 32 bits: the hashes


def ordered_shingles(normalized: str, config: ShingleConfig) -> np.ndarray:
    """The ``uint32`` shingle hashes of one text in text order, repeats kept: the same values
    as :func:`make_shingles`, for finding where in a text the shared shingles lie."""
    if config.kind == "word":
        units, offsets = word_hashes([normalized])
    else:
        units, offsets = char_hashes([normalized])
    hashes, _ = _ngram_sequence(units, offsets, config.shingle_size)
    return hashes


def ordered_shingle_batch(texts: Sequence[str], config: ShingleConfig) -> ShingleBatch:
    """:func:`ordered_shingles` of many texts at once: each text's hashes in text order,
    repeats kept, stored flat (the :class:`ShingleBatch` layout, not sorted)."""
    parts: list[np.ndarray] = []
    sizes: list[np.ndarray] = []
    for start, stop in _chunks(texts):
        chunk = texts[start:stop]
        units, offsets = word_hashes(chunk) if config.kind == "word" else char_hashes(chunk)
        hashes, counts = _ngram_sequence(units, offsets, config.shingle_size)
        parts.append(hashes)
        sizes.append(counts)
    all_sizes = np.concatenate(sizes) if sizes else np.zeros(0, dtype=np.int64)
    offsets = np.zeros(len(texts) + 1, dtype=np.int64)
    np.cumsum(all_sizes, out=offsets[1:])
    hashes = np.concatenate(parts) if parts else np.zeros(0, dtype=np.uint32)
    return ShingleBatch(hashes=hashes, offsets=offsets)


def _ngram_sequence(
    units: np.ndarray, offsets: np.ndarray, size: int
) -> tuple[np.ndarray, np.ndarray]:
    """Every n-gram hash in text order (``uint32``), and how many each article has."""
    grams = _ngrams_at_every_unit(units, offsets, size)
    return np.compress(grams.starts_ngram, grams.hashes), grams.counts


@dataclass(frozen=True)
class _UnitNgrams:
    """The n-gram hash at every unit (``uint32``), whether an n-gram starts there, and how
    many each article has: an article's n-grams are the first ``counts[i]`` positions from
    its start."""

    hashes: np.ndarray
    starts_ngram: np.ndarray
    counts: np.ndarray


def _ngrams_at_every_unit(units: np.ndarray, offsets: np.ndarray, size: int) -> _UnitNgrams:
    """The hash of the n-gram that starts at each unit.

    The n-gram at ``i`` hashes ``sum(units[i + j] * M_j)`` modulo 2**64 with a different odd
    multiplier per position (so order counts), mixed and cut to its high 32 bits. An article of
    fewer than ``size`` units gets one shingle of all of them, salted apart from full n-grams.
    """
    n = units.size
    counts = np.diff(offsets)
    multipliers = _position_multipliers(size)
    window = min(size, int(counts.max()) if counts.size else 0)
    # Sums of shifted products into preallocated arrays: the units beyond the end count as
    # zeros (there are no n-grams there, but for short articles, whose sums are mended below).
    combined = units * multipliers[0]
    term = np.empty(n, dtype=np.uint64)
    for j in range(1, window):
        np.multiply(units[j:], multipliers[j], out=term[: n - j])
        np.add(combined[: n - j], term[: n - j], out=combined[: n - j])

    # An n-gram starts at every position at least ``size`` units before its article's end; an
    # article of fewer units has one, at its start.
    starts, ends = offsets[:-1], offsets[1:]
    starts_ngram = np.ones(n, dtype=bool)
    for j in range(1, size):
        tail = ends - j
        starts_ngram[tail[tail >= starts]] = False
    is_short = (counts > 0) & (counts < size)
    short_positions = starts[is_short]
    short_counts = counts[is_short]
    starts_ngram[short_positions] = True
    # A short article's sum covers all its units (the units after its end may be the next
    # article's, so those terms are removed again).
    for j in range(1, window):
        beyond = short_positions[(short_counts <= j) & (short_positions + j < n)]
        combined[beyond] -= units[beyond + j] * multipliers[j]
    combined[short_positions] ^= _SHORT_TEXT_SALT

    return _UnitNgrams(
        hashes=_fmix64_high_bits(combined, term),
        starts_ngram=starts_ngram,
        counts=np.where(counts >= size, counts - size + 1, is_short.astype(np.int64)),
    )


def _fmix64_high_bits(values: np.ndarray, shifted: np.ndarray) -> np.ndarray:
    """The high 32 bits of :func:`_fmix64` of ``values`` (``uint32``), overwriting ``values``
    and ``shifted`` (an array of the same size and type) rather than making temporary ones.

    The finalizer's last step, ``x ^ (x >> 33)``, leaves the high 32 bits of ``x`` as they
    are, so it is skipped: two passes fewer over the array.
    """
    for multiplier in (_U64(0xFF51AFD7ED558CCD), _U64(0xC4CEB9FE1A85EC53)):
        np.right_shift(values, _U64(33), out=shifted)
        np.bitwise_xor(values, shifted, out=values)
        np.multiply(values, multiplier, out=values)
    np.right_shift(values, _U64(32), out=values)
    return values.astype(np.uint32)


def _position_multipliers(size: int) -> np.ndarray:
    """One odd multiplier per n-gram position; beyond the fixed list, derived by mixing."""
    fixed = np.array(_POSITION_MULTIPLIERS, dtype=np.uint64)
    if size <= fixed.size:
        return fixed[:size]
    extra = _fmix64(np.arange(fixed.size, size, dtype=np.uint64) + _SHORT_TEXT_SALT) | _U64(1)
    return np.concatenate([fixed, extra])


def shingle_strings(normalized: str, config: ShingleConfig) -> list[str]:
    """The shingles themselves, for explanations and tests."""
    size = config.shingle_size
    if config.kind == "word":
        units: list[str] = tokenize(normalized)
        joiner = " "
    else:
        units = list(" ".join(tokenize(normalized)))
        joiner = ""
    if not units:
        return []
    if len(units) <= size:
        return [joiner.join(units)]
    return [joiner.join(units[i : i + size]) for i in range(len(units) - size + 1)]
