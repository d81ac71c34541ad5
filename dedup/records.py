"""The record of each article that the first pass writes to the run's spill, and its reading.

The first pass parses and normalizes every article once and packs what the later passes need
of it (:class:`ArticleRecord`). The later passes read records back a chunk at a time
(:class:`RecordColumns`), and most of what they do with one is to take its template blocks
out: that is done for the whole chunk at once, as arrays, so an article with no template
block (most of them) costs a decode and a replace.
"""

from __future__ import annotations

import struct
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from .boilerplate import CleanedArticle, clean_blocks, is_template
from .config import BoilerplateConfig

# Block count, whether the blocks as written are kept, and the byte lengths of the five fields.
_HEADER = struct.Struct("<2I5I")


@dataclass(frozen=True)
class ArticleRecord:
    """What the passes after the first need of an article, packed into the run's spill by the
    first (:func:`dedup.passes.scan_batch`): its body's normalized blocks and their template
    keys, from which the cleaned body is made once the run's template is known, and its title.

    Attributes:
        blocks: the body's blocks as read, normalized (:func:`dedup.boilerplate.normalize_blocks`).
        keys: their :func:`dedup.boilerplate.block_keys` (empty when templates are not removed).
        title: the title as read.
        normalized_title: the title normalized.
        original: the blocks as written, when asked for (see :func:`scan_batch`).
    """

    blocks: list[str]
    keys: np.ndarray
    title: str
    normalized_title: str
    original: list[str] | None = None

    def pack(self) -> bytes:
        """The record as bytes (:func:`pack_record`)."""
        return pack_record(
            self.blocks,
            self.keys.astype("<u8").tobytes(),
            self.title,
            self.normalized_title,
            self.original,
        )

    @classmethod
    def unpack(cls, packed: bytes) -> ArticleRecord:
        """The record of :meth:`pack`."""
        data = packed
        count, has_original, *lengths = _HEADER.unpack_from(data)
        fields, at = [], _HEADER.size
        for length in lengths:
            fields.append(data[at : at + length])
            at += length
        blocks, keys, title, normalized_title, original = fields
        return cls(
            blocks=_split_blocks(blocks.decode("utf-8"), count),
            keys=np.frombuffer(keys, dtype="<u8").astype(np.uint64),
            title=title.decode("utf-8"),
            normalized_title=normalized_title.decode("utf-8"),
            original=_split_blocks(original.decode("utf-8"), count) if has_original else None,
        )

    def clean(self, frequent: np.ndarray, config: BoilerplateConfig) -> CleanedArticle:
        """The body without the run's template blocks (``frequent``)."""
        return clean_blocks(
            self.original if self.original is not None else self.blocks,
            self.blocks,
            self.keys,
            frequent,
            config,
        )


def packed_title(packed: bytes) -> str:
    """The title of a record :meth:`ArticleRecord.pack` made, read without the rest: a run
    reads those of its clusters' representatives (19k of 200k articles), which took 0.1 s
    unpacked whole."""
    _, _, body, keys, title, _, _ = _HEADER.unpack_from(packed)
    at = _HEADER.size + body + keys
    return packed[at : at + title].decode("utf-8")


def pack_record(
    blocks: Sequence[str],
    keys: bytes,
    title: str,
    normalized_title: str,
    original: Sequence[str] | None,
) -> bytes:
    """:meth:`ArticleRecord.pack` of the record of these fields, ``keys`` given as their
    little-endian bytes: the first pass packs its articles' records this way, with the keys of
    a chunk turned into bytes at once, rather than making an ArticleRecord and an array of
    keys of each (two thirds of the time of packing one).

    Blocks hold no line breaks (normalized or stripped), so they are stored joined by one. Not
    compressed: zlib at its fastest level cost 30 µs per article and 10 µs per read back of
    each, several times the rest of the record's handling, to save 40% of a temporary file
    about the size of the input.
    """
    fields = [
        "\n".join(blocks).encode("utf-8"),
        keys,
        title.encode("utf-8"),
        normalized_title.encode("utf-8"),
        b"" if original is None else "\n".join(original).encode("utf-8"),
    ]
    header = _HEADER.pack(len(blocks), original is not None, *map(len, fields))
    return header + b"".join(fields)


def _split_blocks(joined: str, count: int) -> list[str]:
    return joined.split("\n") if count else []


class RecordColumns:
    """The packed records of a chunk's articles, read column by column.

    Reading a record whole (:meth:`ArticleRecord.unpack`) and cleaning it one at a time cost
    14 µs per article, a tenth of the sketch pass and more in verification, which reads most
    articles again. Here each body stays one string (its blocks joined by line feeds) until
    something needs its blocks, and template blocks are found for the whole chunk with one
    search of the template keys.

    Args:
        packed: records as :meth:`ArticleRecord.pack` made them.
    """

    def __init__(self, packed: Sequence[bytes]) -> None:
        self.bodies: list[str] = []
        self.titles: list[str] = []
        self.normalized_titles: list[str] = []
        self._originals: list[str | None] = []
        counts: list[int] = []
        keys: list[bytes] = []
        header = _HEADER.size
        for data in packed:
            count, has_original, body, key, title, normalized, original = _HEADER.unpack_from(data)
            counts.append(count)
            at = header + body
            self.bodies.append(data[header:at].decode("utf-8"))
            keys.append(data[at : at + key])
            at += key
            self.titles.append(data[at : at + title].decode("utf-8"))
            at += title
            self.normalized_titles.append(data[at : at + normalized].decode("utf-8"))
            at += normalized
            self._originals.append(
                data[at : at + original].decode("utf-8") if has_original else None
            )
        self.counts = np.asarray(counts, dtype=np.int64)
        self.keys = np.frombuffer(b"".join(keys), dtype="<u8").astype(np.uint64)
        self._key_starts = np.zeros(len(counts) + 1, dtype=np.int64)
        if self.keys.size:  # keys are kept only when templates are removed
            np.cumsum(self.counts, out=self._key_starts[1:])

    def __len__(self) -> int:
        return len(self.bodies)

    def blocks(self, position: int) -> list[str]:
        """An article's normalized blocks."""
        return _split_blocks(self.bodies[position], int(self.counts[position]))

    def record(self, position: int) -> ArticleRecord:
        """An article's whole record, as :meth:`ArticleRecord.unpack` reads it."""
        original = self._originals[position]
        count = int(self.counts[position])
        return ArticleRecord(
            blocks=self.blocks(position),
            keys=self.keys[self._key_starts[position] : self._key_starts[position + 1]],
            title=self.titles[position],
            normalized_title=self.normalized_titles[position],
            original=None if original is None else _split_blocks(original, count),
        )

    def clean(self, frequent: np.ndarray, config: BoilerplateConfig) -> list[CleanedArticle]:
        """Every article's :meth:`ArticleRecord.clean`."""
        may_change = self._may_lose_blocks(frequent, config)
        cleaned = []
        for position, body in enumerate(self.bodies):
            if may_change[position]:
                cleaned.append(self.record(position).clean(frequent, config))
            else:  # what joining its blocks with spaces gives
                cleaned.append(CleanedArticle(body.replace("\n", " "), ()))
        return cleaned

    def _may_lose_blocks(self, frequent: np.ndarray, config: BoilerplateConfig) -> np.ndarray:
        """Articles whose cleaned body may be other than their blocks joined by spaces: those
        with a template block or a block twice (equal blocks have equal keys), and those with
        an empty block (which joining skips). The others need no more than a replace."""
        n = len(self.bodies)
        empty_block = np.fromiter(
            (
                count > 1 and ("\n\n" in body or body[:1] == "\n" or body[-1:] == "\n")
                for body, count in zip(self.bodies, self.counts.tolist(), strict=True)
            ),
            dtype=bool,
            count=n,
        )
        if not config.enabled:
            return empty_block
        if self.keys.size != int(self.counts.sum()):  # no keys: every article the slow way
            return np.ones(n, dtype=bool)
        flagged = is_template(self.keys, frequent)
        article = np.repeat(np.arange(n), self.counts)
        order = np.lexsort((self.keys, article))
        twice = (self.keys[order][1:] == self.keys[order][:-1]) & (
            article[order][1:] == article[order][:-1]
        )
        flagged[order[1:][twice]] = True
        result = empty_block
        result[article[flagged]] = True
        return result
