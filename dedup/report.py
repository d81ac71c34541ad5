"""Rendering a run's result: the output files, the JSON summary and the terminal tables.

No computation happens here beyond formatting what :class:`~dedup.pipeline.DedupResult` holds.
"""

from __future__ import annotations

import functools
import json
import operator
import os
import secrets
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

import numpy as np
from rich.console import Console
from rich.table import Table

from .errors import DedupError
from .types import ArticleId, Cluster, Match

if TYPE_CHECKING:
    from .pipeline import RunResult

CLUSTERS_FILE = "clusters.jsonl"
PAIRS_FILE = "pairs.jsonl"
DEDUPLICATED_FILE = "deduplicated.jsonl"


class OutputError(DedupError, OSError):
    """The output directory or a file in it cannot be written."""


def cluster_record(cluster: Cluster, ids: Sequence[ArticleId]) -> dict[str, Any]:
    """One line of ``clusters.jsonl``; ``ids`` are the run's article ids by position."""
    return {
        "cluster": cluster.id,
        "kind": cluster.kind,
        "representative": ids[cluster.representative],
        "members": [
            {"id": ids[m.index], "relation": m.relation, "score": m.score} for m in cluster.members
        ],
    }


def pair_record(match: Match, ids: Sequence[ArticleId]) -> dict[str, Any]:
    """One line of ``pairs.jsonl``."""
    return {
        "a": ids[match.a],
        "b": ids[match.b],
        "relation": match.relation,
        "jaccard": match.jaccard,
        "containment_ab": match.containment_ab,
        "containment_ba": match.containment_ba,
        "cosine": match.cosine,
        "title_similarity": match.title_similarity,
    }


Mark = tuple[str, ArticleId | None]
"""A clustered article's duplicate cluster, and the representative it copies (``None`` for the
representative itself)."""


def feed_marks(result: RunResult) -> dict[int, Mark]:
    """The :data:`Mark` of every article in a duplicate cluster, by position."""
    marks: dict[int, Mark] = {}
    for cluster in result.duplicate_clusters:
        for member in cluster.members:
            is_copy = member.index != cluster.representative
            marks[member.index] = (
                cluster.id,
                result.ids[cluster.representative] if is_copy else None,
            )
    return marks


def feed_record(
    record: dict[str, Any], mark: Mark | None, *, annotate: bool
) -> dict[str, Any] | None:
    """One record of the deduplicated feed, or ``None`` for a duplicate the feed drops."""
    cluster, duplicate_of = mark if mark is not None else (None, None)
    if duplicate_of is not None and not annotate:
        return None
    record = dict(record)
    record["cluster"] = cluster
    if annotate:
        record["duplicate_of"] = duplicate_of
    return record


_UTF8_BOM = "\ufeff".encode()
_NULL = b"null"


def feed_line(line: bytes, mark: Mark | None, *, annotate: bool) -> bytes | None:
    """:func:`feed_record` of a JSON Lines record as read, without parsing it again: the
    record's own bytes with the ``cluster`` (and ``duplicate_of``) members appended, so the feed
    keeps the input's records exactly as written (numbers, escapes, key order). ``None`` for a
    duplicate the feed drops. Bytes in and out: the feed is as large as the input, and decoding
    and encoding every line again cost more than the rest of writing it.

    Raises:
        ValueError: the line already has such a member, or is not one JSON object (a record
            of the run is): render its parsed record with :func:`feed_record` instead.
    """
    end = _feed_end(mark, annotate=annotate)
    if end is None:
        return None
    # A valid record ends in "}" and JSON whitespace, all of which bytes.rstrip removes.
    body = line.removeprefix(_UTF8_BOM).rstrip()
    # A member of the same name would be replaced, not repeated: only the parser knows where.
    if not body.endswith(b"}") or b'"cluster"' in body or (annotate and b'"duplicate_of"' in body):
        raise ValueError("the line cannot take the feed's members as text")
    return body[:-1] + end


def _feed_end(mark: Mark | None, *, annotate: bool) -> bytes | None:
    """What :func:`feed_line` puts in place of a line's closing brace: the feed's members, the
    brace and a line feed. ``None`` for a duplicate the feed drops."""
    cluster, duplicate_of = mark if mark is not None else (None, None)
    if duplicate_of is not None and not annotate:
        return None
    members = b', "cluster": ' + (_NULL if cluster is None else json.dumps(cluster).encode())
    if annotate:
        members += b', "duplicate_of": ' + json.dumps(duplicate_of, ensure_ascii=False).encode()
    return members + b"}\n"


# _feed_end of a line without a mark, by annotate.
_UNMARKED_ENDS = {
    False: b', "cluster": null}\n',
    True: b', "cluster": null, "duplicate_of": null}\n',
}
_WITHOUT_LAST_BYTE = operator.itemgetter(slice(None, -1))
_FIRST_BYTE, _LAST_BYTE = operator.itemgetter(0), operator.itemgetter(-1)


def feed_chunk(lines: Sequence[bytes], marks: dict[int, Mark], *, annotate: bool) -> bytes | None:
    """:func:`feed_line` of each of ``lines`` (JSON lines as read, with their marks by
    position), concatenated; or ``None`` unless it is provably that, and then render the lines
    one by one.

    The lines are joined at once, without their closing braces, with what replaces each brace:
    on 100 MB of news, 75 ms instead of 113 ms line by line; on 200k articles, 0.26 s instead
    of 0.38 s per run. What remains is mostly the search for the names, at 2 GB/s. (A
    ``bytes.replace`` of each ``}\\n`` in runs of unmarked lines would be simpler, but was three
    times slower than the lines one by one: a two-byte pattern is searched at 0.5 GB/s.)
    """
    if not all(lines):  # an empty line (no line is, as read)
        return None
    # Each line ends in "}", so feed_line strips no white space from it; none starts with the
    # byte order mark feed_line removes (nor with any other character of its first byte).
    last_bytes, first_bytes = bytes(map(_LAST_BYTE, lines)), bytes(map(_FIRST_BYTE, lines))
    if last_bytes.count(b"}") != len(lines) or _UTF8_BOM[0] in first_bytes:
        return None
    # Each line without its brace, then what replaces the brace: most lines have no mark.
    # (Copies of the lines: a memoryview of each cost three times as much.)
    pieces = [_UNMARKED_ENDS[annotate]] * (2 * len(lines))
    pieces[::2] = map(_WITHOUT_LAST_BYTE, lines)
    kept = len(lines)
    for position, mark in marks.items():
        end = _feed_end(mark, annotate=annotate)
        if end is None:  # a copy the feed drops
            pieces[2 * position] = end = b""
            kept -= 1
        pieces[2 * position + 1] = end
    feed = b"".join(pieces)
    # Each end holds one "cluster" (and "duplicate_of") name, and none can straddle an end and
    # a line (the name of a duplicate's representative may add one, rarely): more of them
    # means a line had one, which feed_line leaves to the parser.
    if feed.count(b'"cluster"') != kept or (annotate and feed.count(b'"duplicate_of"') != kept):
        return None
    return feed


def feed_chunk_size(line_bytes: np.ndarray, marks: dict[int, Mark], *, annotate: bool) -> int:
    """The length in bytes of :func:`feed_chunk` of lines of ``line_bytes`` bytes each, when it
    renders them (so that a chunk's place in the feed is known before it is rendered)."""
    unmarked = len(_UNMARKED_ENDS[annotate])
    # Each line without its closing brace, then what replaces the brace.
    size = int(line_bytes.sum()) + (unmarked - 1) * len(line_bytes)
    for position, mark in marks.items():
        end = _feed_end(mark, annotate=annotate)
        if end is None:  # a copy the feed drops
            size -= int(line_bytes[position]) - 1 + unmarked
        else:
            size += len(end) - unmarked
    return size


def jsonl_line(record: dict[str, Any]) -> str:
    """One line of an output file."""
    return json.dumps(record, ensure_ascii=False, default=str) + "\n"


def deduplicated_records(result: RunResult, *, annotate: bool = False) -> Iterator[dict[str, Any]]:
    """The input records in input order, with a ``cluster`` field.

    Without ``annotate``, duplicates other than each cluster's representative are dropped. With
    it, every record is kept, and ``duplicate_of`` names the representative a duplicate copies
    (``null`` for representatives and singletons).
    """
    marks = feed_marks(result)
    for index, original in enumerate(result.records()):
        record = feed_record(original, marks.get(index), annotate=annotate)
        if record is not None:
            yield record


def write_outputs(result: RunResult, out_dir: Path, *, annotate: bool = False) -> list[Path]:
    """Write ``clusters.jsonl``, ``pairs.jsonl`` and ``deduplicated.jsonl`` into ``out_dir``.

    Each file is written to a temporary name and renamed into place, so a failed run never
    leaves a half-written file behind.

    Raises:
        OutputError: the directory cannot be created or written.
    """
    ids = result.ids
    marks = feed_marks(result)
    contents: dict[str, Callable[[BinaryIO, str], None]] = {
        CLUSTERS_FILE: _lines_writer(
            jsonl_line(cluster_record(c, ids)).encode() for c in result.clusters
        ),
        PAIRS_FILE: _lines_writer(jsonl_line(pair_record(m, ids)).encode() for m in result.matches),
        DEDUPLICATED_FILE: functools.partial(result.write_feed, marks=marks, annotate=annotate),
    }
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        # The files are written at once: the feed's thread mostly waits for the run's workers
        # (StreamResult.write_feed) while the others render the clusters and pairs.
        with ThreadPoolExecutor(max_workers=len(contents)) as pool:
            written = [
                pool.submit(_write_file, out_dir / name, write) for name, write in contents.items()
            ]
            return [future.result() for future in written]
    except OSError as error:
        raise OutputError(f"cannot write to {out_dir}: {error.strerror or error}") from error


def _lines_writer(lines: Iterable[bytes]) -> Callable[[BinaryIO, str], None]:
    def write(stream: BinaryIO, _path: str) -> None:
        # A write call per line (180k for the feed of 200k articles) cost more CPU than
        # rendering the lines.
        stream.writelines(lines)

    return write


def _write_file(path: Path, write: Callable[[BinaryIO, str], None]) -> Path:
    """Write ``path`` with ``write(stream, name)``, given the file it writes open and by
    name, into a temporary file renamed into place when done."""
    handle, temporary = _create_beside(path)
    try:
        with os.fdopen(handle, "wb") as stream:
            write(stream, temporary)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return path


def _create_beside(path: Path) -> tuple[int, str]:
    """A new temporary file next to ``path``, to be renamed into place. Unlike
    ``tempfile.mkstemp``, whose files only their owner may read, it gets the permissions any
    new file gets (0o666 less the umask): the outputs are for other programs to read."""
    while True:
        temporary = path.parent / f".{path.name}.{secrets.token_hex(6)}.tmp"
        try:
            return os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666), str(temporary)
        except FileExistsError:  # another run chose the same name: choose again
            continue


def summarize(result: RunResult, *, largest: int = 10) -> dict[str, Any]:
    """The run's figures as plain data: the JSON summary, and what the tables show."""
    top = sorted(result.duplicate_clusters, key=lambda c: (-len(c.members), c.id))[:largest]
    return {
        "articles": len(result),
        "duplicate_clusters": len(result.duplicate_clusters),
        "removed": len(result.removed()),
        "related_clusters": len(result.related_clusters),
        "related_searched": result.related_searched,
        "pairs": len(result.matches),
        "candidates": result.candidates,
        "lsh": {
            "threshold": result.lsh.threshold,
            "num_perm": result.lsh.num_perm,
            "bands": result.lsh.bands,
            "rows": result.lsh.rows,
            "probability_at_threshold": round(result.lsh.probability_at_threshold, 4),
        },
        "seconds": {stage: round(seconds, 3) for stage, seconds in result.timings.items()},
        "largest_clusters": [
            {
                "cluster": cluster.id,
                "size": len(cluster.members),
                "representative": result.ids[cluster.representative],
                "title": result.title(cluster.representative),
            }
            for cluster in top
        ],
    }


def explain_templates(result: RunResult, *, top: int = 20) -> dict[str, Any]:
    """What template removal took out: the most often removed blocks, and how many articles
    lost how many words."""
    report = result.template_report()
    return {
        "articles_with_removals": report.articles_with_removals,
        "words_removed": report.words_removed,
        "blocks": [
            {"text": block, "articles": count}
            for block, count in report.removed_in.most_common(top)
        ],
    }


def render_explanation(explanation: dict[str, Any], console: Console) -> None:
    """Print what template removal took out, as a rich table."""
    table = Table(
        title=f"template blocks removed ({explanation['articles_with_removals']:,} articles, "
        f"{explanation['words_removed']:,} words)"
    )
    table.add_column("articles", justify="right")
    table.add_column("block")
    for row in explanation["blocks"]:
        table.add_row(f"{row['articles']:,}", row["text"])
    console.print(table)


def render_summary(summary: dict[str, Any], console: Console) -> None:
    """Print the summary as rich tables."""
    figures = Table(title="dedup find", show_header=False)
    figures.add_column("what")
    figures.add_column("value", justify="right")
    figures.add_row("articles read", f"{summary['articles']:,}")
    figures.add_row("duplicate clusters", f"{summary['duplicate_clusters']:,}")
    figures.add_row("articles that would be removed", f"{summary['removed']:,}")
    figures.add_row("related clusters", f"{summary['related_clusters']:,}")
    figures.add_row(
        "accepted pairs / candidates", f"{summary['pairs']:,} / {summary['candidates']:,}"
    )
    lsh = summary["lsh"]
    figures.add_row(
        "LSH bands x rows",
        f"{lsh['bands']} x {lsh['rows']}: P(candidate | J={lsh['threshold']}) = "
        f"{lsh['probability_at_threshold']:.3f}",
    )
    for stage, seconds in summary["seconds"].items():
        figures.add_row(f"time: {stage}", f"{seconds:.2f} s")
    console.print(figures)
    if summary["largest_clusters"]:
        clusters = Table(title="largest duplicate clusters")
        for column in ("cluster", "size", "representative", "title"):
            clusters.add_column(column, justify="right" if column == "size" else "left")
        for row in summary["largest_clusters"]:
            clusters.add_row(
                row["cluster"], str(row["size"]), str(row["representative"]), row["title"]
            )
        console.print(clusters)
