import json
import os
from datetime import datetime

import numpy as np
import pytest
from conftest import make_article
from rich.console import Console

from dedup import find_duplicates
from dedup.ingest import RecordChunk
from dedup.passes import Batch, render_batch
from dedup.report import (
    OutputError,
    deduplicated_records,
    feed_chunk,
    feed_chunk_size,
    feed_line,
    feed_record,
    jsonl_line,
    render_summary,
    summarize,
    write_outputs,
)


@pytest.fixture
def result(stories):
    articles = [
        make_article("late", stories["robot"], title="Robot sorts rubbish",
                     published=datetime(2024, 5, 2)),
        make_article("other", stories["museum"], title="Museum reopens"),
        make_article("early", stories["robot"], title="Student robot sorts waste",
                     published=datetime(2024, 5, 1)),
    ]  # fmt: skip
    return find_duplicates(articles)


def test_report_deduplicated_drops_duplicates_and_adds_cluster(result, stories):
    records = list(deduplicated_records(result))
    assert [(r["id"], r["cluster"]) for r in records] == [("other", None), ("early", "dup-000001")]
    assert records[0] == {"id": "other", "title": "Museum reopens", "text": stories["museum"],
                          "cluster": None}  # fmt: skip


def test_report_deduplicated_annotate_keeps_all(result):
    records = list(deduplicated_records(result, annotate=True))
    assert [(r["id"], r["cluster"], r["duplicate_of"]) for r in records] == [
        ("late", "dup-000001", "early"), ("other", None, None), ("early", "dup-000001", None)
    ]  # fmt: skip


def test_report_writes_the_three_files(result, tmp_path):
    written = write_outputs(result, tmp_path / "out")
    assert [path.name for path in written] == [
        "clusters.jsonl", "pairs.jsonl", "deduplicated.jsonl"
    ]  # fmt: skip
    clusters = [json.loads(line) for line in written[0].read_text().splitlines()]
    assert clusters == [{
        "cluster": "dup-000001", "kind": "duplicate", "representative": "early",
        "members": [{"id": "early", "relation": "representative", "score": 1.0},
                    {"id": "late", "relation": "exact", "score": 1.0}],
    }]  # fmt: skip
    pairs = [json.loads(line) for line in written[1].read_text().splitlines()]
    assert pairs == [{"a": "late", "b": "early", "relation": "exact", "jaccard": 1.0,
                      "containment_ab": 1.0, "containment_ba": 1.0, "cosine": 1.0,
                      "title_similarity": pairs[0]["title_similarity"]}]  # fmt: skip
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [
        "clusters.jsonl", "deduplicated.jsonl", "pairs.jsonl"
    ]  # fmt: skip


def test_report_outputs_get_the_permissions_of_any_new_file(result, tmp_path):
    """Not the owner-only mode of a temporary file: the outputs are for others to read."""
    old_mask = os.umask(0o027)
    try:
        written = write_outputs(result, tmp_path / "out")
    finally:
        os.umask(old_mask)
    assert [path.stat().st_mode & 0o777 for path in written] == [0o640, 0o640, 0o640]


def test_report_output_error_when_out_is_a_file(result, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(OutputError, match="cannot write to"):
        write_outputs(result, blocker)


def test_report_summary_and_tables(result):
    summary = summarize(result)
    assert {k: summary[k] for k in ("articles", "duplicate_clusters", "removed")} == {
        "articles": 3, "duplicate_clusters": 1, "removed": 1
    }  # fmt: skip
    assert summary["largest_clusters"] == [
        {"cluster": "dup-000001", "size": 2, "representative": "early",
         "title": "Student robot sorts waste"}
    ]  # fmt: skip
    console = Console(record=True, width=120)
    render_summary(summary, console)
    text = console.export_text()
    assert "articles that would be removed" in text
    assert "Student robot sorts waste" in text


def test_report_explain_templates_on_the_seeds():
    from conftest import SEEDS

    from dedup import read_articles
    from dedup.report import explain_templates

    result = find_duplicates(read_articles([SEEDS]).articles)
    assert explain_templates(result) == {
        "articles_with_removals": 1,
        "words_removed": 33,
        "blocks": [
            {"text": "Need to access the insight?", "articles": 1},
            {"text": "Start your 7-day free trial now", "articles": 1},
        ],
    }


def test_report_feed_line_extends_the_record_as_written():
    line = '\ufeff{"id":"a",  "text":"Caf\\u00e9 costs 1.0", "n":1.50} \r\n'.encode()
    assert feed_line(line, None, annotate=False) == (
        b'{"id":"a",  "text":"Caf\\u00e9 costs 1.0", "n":1.50, "cluster": null}\n'
    )
    assert feed_line(b'{"id": 7}\n', ("dup-000002", None), annotate=True) == (
        b'{"id": 7, "cluster": "dup-000002", "duplicate_of": null}\n'
    )
    assert feed_line(b'{"id": 8}\n', ("dup-000002", "é7"), annotate=True) == (
        '{"id": 8, "cluster": "dup-000002", "duplicate_of": "é7"}\n'.encode()
    )
    assert feed_line(b'{"id": 8}\n', ("dup-000002", 7), annotate=False) is None
    for taken in (b'{"id": 1, "cluster": 3}', b'{"id": 1, "duplicate_of": 3}', b"[1]"):
        with pytest.raises(ValueError, match="cannot take"):
            feed_line(taken, None, annotate=True)


# --- The feed of a chunk of JSON lines at once (feed_chunk) against the lines one by one ---

BOM = "\ufeff".encode()
# Lines as a chunk holds them (no line feed); the odd ones are what feed_chunk must leave to
# the lines one by one, or render exactly as they would be.
PLAIN = [b'{"id": %d, "text": "caf\xc3\xa9 %d"}' % (i, i) for i in range(8)]
ODD = [
    b'{"id": "crlf"}\r',
    b'{"id": "spaces"}  \t',
    BOM + b'{"id": "bom"}',
    b'{"id": "theirs", "cluster": 3}',
    b'{"id": "word", "text": "a \\"cluster\\" of stars"}',
    b'{"id": "value", "text": "cluster", "tag": "cluster"}',
    b'{"id": "dup", "duplicate_of": "x"}',
    '{"id": "ünï", "text": "日本語 \\u00e9"}'.encode(),
]
NOT_OBJECTS = [b"[1, 2]", b'"text}"', b'{"a": 1} {"b": 2}', b"", b" ", b"}"]


def per_line_feed(lines: list[bytes], marks: dict, *, annotate: bool) -> bytes:
    """The feed of the lines one by one, as before feed_chunk: feed_line, or the parser."""
    feed = []
    for position, raw in enumerate(lines):
        mark = marks.get(position)
        try:
            line = feed_line(raw, mark, annotate=annotate)
        except ValueError:
            record = feed_record(
                json.loads(raw.decode().removeprefix("\ufeff")), mark, annotate=annotate
            )
            line = None if record is None else jsonl_line(record).encode()
        if line is not None:
            feed.append(line)
    return b"".join(feed)


def mark_layouts(count: int) -> list[dict]:
    """Marks at the start, at the end, on adjacent lines, on every line; representatives and
    copies (which the feed drops unless it annotates), with names that need escaping."""
    rep, copy, other = ("dup-000001", None), ("dup-000001", 'é"7'), ("dup-000002", 7)
    layouts = [
        {},
        {0: rep},
        {count - 1: copy},
        {0: copy, 1: rep, count - 1: other},
        {2: rep, 3: copy, 4: copy},
        dict.fromkeys(range(count), copy),
        {position: (rep, copy, other)[position % 3] for position in range(count)},
    ]
    return [{p: mark for p, mark in marks.items() if p < count} for marks in layouts]


def render(lines: list[bytes], marks: dict, *, annotate: bool) -> bytes:
    chunk = RecordChunk("feed.jsonl", list(range(1, len(lines) + 1)), lines=lines)
    return b"".join(render_batch((Batch(records=chunk), len(lines), marks), annotate))


@pytest.mark.parametrize("annotate", [False, True])
def test_report_feed_chunk_is_the_lines_one_by_one(annotate: bool):
    for odd in [None, *ODD]:
        for where in (0, 4, 8):
            lines = list(PLAIN)
            if odd is not None:
                lines.insert(where, odd)
            for marks in mark_layouts(len(lines)):
                expected = per_line_feed(lines, marks, annotate=annotate)
                assert render(lines, marks, annotate=annotate) == expected
                fast = feed_chunk(lines, marks, annotate=annotate)
                if odd is None or odd == ODD[-1]:  # the lines it is there for
                    assert fast == expected
                else:  # the lines one by one, but for a dropped copy, which needs nothing
                    assert fast in (None, expected), (odd, marks)


@pytest.mark.parametrize("annotate", [False, True])
def test_report_feed_chunk_leaves_any_line_feed_line_refuses(annotate: bool):
    """A line that is not one object: feed_chunk gives exactly what feed_line gives each line
    (which does not parse them), or None where feed_line raises for any of them."""
    for odd in NOT_OBJECTS:
        lines = [PLAIN[0], odd, PLAIN[1]]
        for marks in mark_layouts(len(lines)):
            try:
                feed = [
                    feed_line(line, marks.get(i), annotate=annotate) for i, line in enumerate(lines)
                ]
                expected: bytes | None = b"".join(line for line in feed if line is not None)
            except ValueError:
                expected = None
            assert feed_chunk(lines, marks, annotate=annotate) in (None, expected), (odd, marks)


@pytest.mark.parametrize("annotate", [False, True])
def test_report_feed_chunk_size_is_the_length_of_feed_chunk(annotate: bool):
    for odd in [None, *ODD]:
        lines = list(PLAIN) if odd is None else [*PLAIN[:4], odd, *PLAIN[4:]]
        sizes = np.array([len(line) for line in lines])
        for marks in mark_layouts(len(lines)):
            fast = feed_chunk(lines, marks, annotate=annotate)
            if fast is not None:
                assert feed_chunk_size(sizes, marks, annotate=annotate) == len(fast)
    assert feed_chunk_size(np.zeros(0, dtype=np.int64), {}, annotate=annotate) == 0


def test_report_feed_chunk_exact_bytes():
    lines = [b'{"id": 1}', b'{"id": 2,"t":"\xc3\xa9"}', b'{"id": 3}', b'{"id": 4}']
    marks = {1: ("dup-000001", None), 2: ("dup-000001", "\u00e92")}
    assert feed_chunk(lines, marks, annotate=False) == (
        b'{"id": 1, "cluster": null}\n'
        b'{"id": 2,"t":"\xc3\xa9", "cluster": "dup-000001"}\n'
        b'{"id": 4, "cluster": null}\n'
    )
    assert feed_chunk(lines, marks, annotate=True) == (
        b'{"id": 1, "cluster": null, "duplicate_of": null}\n'
        b'{"id": 2,"t":"\xc3\xa9", "cluster": "dup-000001", "duplicate_of": null}\n'
        b'{"id": 3, "cluster": "dup-000001", "duplicate_of": "\xc3\xa92"}\n'
        b'{"id": 4, "cluster": null, "duplicate_of": null}\n'
    )
    assert feed_chunk([], {}, annotate=False) == b""
    # A duplicate's representative whose id holds the name: the lines one by one, then.
    assert feed_chunk(lines, {3: ("dup-000001", 'x"cluster')}, annotate=True) is None


@pytest.mark.parametrize("annotate", [False, True])
def test_report_streamed_feed_is_the_lines_one_by_one(
    tmp_path, stories, site_template, annotate: bool
):
    """A streamed run over odd lines, in chunks of three (marks at their edges): CRLF,
    trailing white space, a byte order mark, blank and white-space lines, the feed's names
    in a record, a bad line skipped, text that is not ASCII."""
    from conftest import mixed_records

    from dedup import DedupConfig
    from dedup.config import VerifyConfig
    from dedup.pipeline import find_duplicates_in_files
    from dedup.report import feed_marks

    records = mixed_records(stories, site_template)
    lines = [
        json.dumps(record, ensure_ascii=i % 2 == 0).encode() for i, record in enumerate(records)
    ]
    lines[0] = BOM + lines[0]
    lines[1] += b"\r"
    lines[2] += b"  "
    lines[3] = lines[3][:-1] + b', "cluster": "theirs"}'
    lines[4] = lines[4][:-1] + b', "note": "cluster"}'
    bad = b'{"id": "no text"}'
    data = b"\n".join([*lines[:5], b"", b" \t", bad, *lines[5:]]) + b"\n"
    path = tmp_path / "feed.jsonl"
    path.write_bytes(data)
    config = DedupConfig(verify=VerifyConfig(related=False), chunk_size=3, jobs=1)
    with find_duplicates_in_files([path], config, on_error="skip") as result:
        assert len(result.skipped) == 1 and result.duplicate_clusters
        marks = feed_marks(result)
        feed = b"".join(result.feed_lines(marks, annotate=annotate))
    assert feed == per_line_feed(lines, marks, annotate=annotate)


@pytest.mark.parametrize("annotate", [False, True])
@pytest.mark.parametrize("odd", [False, True])
def test_report_feed_written_by_workers_is_the_lines_one_by_one(
    tmp_path, stories, site_template, monkeypatch, annotate: bool, odd: bool
):
    """Two worker processes read, render and write the feed of a streamed run, each chunk at
    its place (blank lines, a bad line skipped, text that is not ASCII); should a chunk not
    render to its expected size (a record with the feed's names), this process writes the
    feed instead, and it is the same."""
    from conftest import mixed_records

    from dedup import DedupConfig
    from dedup.config import VerifyConfig
    from dedup.pipeline import StreamResult, find_duplicates_in_files
    from dedup.report import feed_marks

    records = mixed_records(stories, site_template)
    lines = [
        json.dumps(record, ensure_ascii=i % 2 == 0).encode() for i, record in enumerate(records)
    ]
    if odd:
        lines[4] = lines[4][:-1] + b', "cluster": "theirs"}'
    data = b"\n".join([*lines[:5], b"", b'{"id": "no text"}', *lines[5:]]) + b"\n"
    path = tmp_path / "feed.jsonl"
    path.write_bytes(data)
    serial_feed = StreamResult.feed_lines
    rendered_here = []

    def feed_lines(*args, **kwargs):
        rendered_here.append(True)
        return serial_feed(*args, **kwargs)

    monkeypatch.setattr(StreamResult, "feed_lines", feed_lines)
    config = DedupConfig(verify=VerifyConfig(related=False), chunk_size=3, jobs=2)
    with find_duplicates_in_files([path], config, on_error="skip") as result:
        assert result.duplicate_clusters and result.executor is not None
        marks = feed_marks(result)
        (written,) = [
            out
            for out in write_outputs(result, tmp_path / "out", annotate=annotate)
            if out.name == "deduplicated.jsonl"
        ]
        assert rendered_here == ([True] if odd else [])
        assert written.read_bytes() == b"".join(serial_feed(result, marks, annotate=annotate))
    assert written.read_bytes() == per_line_feed(lines, marks, annotate=annotate)
