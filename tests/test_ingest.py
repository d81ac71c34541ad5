"""Tests of dedup.ingest: reading articles from JSONL, CSV, directories and stdin."""

from __future__ import annotations

import gzip
import io
import json
import re
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from dedup import ingest
from dedup.errors import InputError
from dedup.ingest import FieldMap, ReadResult, read_articles

BODY_ONE = "The harbour council approved a tidal energy plant at the mouth of the estuary."
BODY_TWO = "Detectives recovered three illuminated manuscripts stolen from a monastery."
BODY_THREE = "A fourteen year old won the European junior chess championship in Riga."

# A saved news page: navigation, an article of three paragraphs (>= 40 words each), a footer.
PARAGRAPHS = [
    "The harbour council of Port Elwyn voted on Tuesday to approve a tidal energy plant at the "
    "mouth of the Carrow estuary, ending four years of argument between fishermen, engineers "
    "and birdwatchers who had fought over the plan at every public meeting since it was first "
    "proposed.",
    "The plant will place twelve submerged turbines in the channel where the tide runs "
    "fastest, and engineers from the firm Morlais Dynamics say the machines could supply about "
    "nine thousand homes once the final cables are laid in the spring of next year, weather "
    "permitting.",
    "Fishermen who opposed the scheme won a promise that the turbines will stop during the "
    "herring migration each autumn, and an independent panel will count seabirds along the "
    "mudflats every month and publish its findings on the council website for anyone to read.",
]
NAV_TEXT = "Weather forecasts"
FOOTER_TEXT = "Copyright 2024 Elwyn Gazette. All rights reserved."
HTML_PAGE = f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Tidal plant approved in Port Elwyn</title>
</head>
<body>
<nav><ul>
<li><a href="/">Home</a></li><li><a href="/news">News</a></li>
<li><a href="/sport">Sport</a></li><li><a href="/weather">{NAV_TEXT}</a></li>
</ul></nav>
<article>
<h1>Tidal plant approved in Port Elwyn</h1>
<p>{PARAGRAPHS[0]}</p>
<p>{PARAGRAPHS[1]}</p>
<p>{PARAGRAPHS[2]}</p>
</article>
<footer><p>{FOOTER_TEXT} Contact us | Privacy policy | Cookie settings</p></footer>
</body>
</html>
"""

UNSUPPORTED = (
    "expected .jsonl, .jsonl.gz, .csv, a directory of .txt or .html files, "
    "or - for JSON Lines on stdin"
)


def exact(message: str) -> str:
    """A ``match`` pattern that accepts exactly ``message``."""
    return f"^{re.escape(message)}$"


def write_jsonl(path: Path, records: list[Any]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


def ids(result: ReadResult) -> list[Any]:
    return [article.id for article in result.articles]


# --- formats -------------------------------------------------------------------------------


def test_ingest_jsonl_reads_every_field(tmp_path: Path) -> None:
    path = write_jsonl(
        tmp_path / "news.jsonl",
        [
            {
                "id": "a",
                "title": "Tidal plant approved",
                "text": BODY_ONE,
                "source": "Elwyn Gazette",
                "url": "https://example.org/a",
                "published": "2024-01-02T09:15:00",
            },
            {"id": "b", "text": BODY_TWO},
        ],
    )
    result = read_articles([path])
    assert result.skipped == []
    first, second = result.articles
    assert first.id == "a"
    assert first.title == "Tidal plant approved"
    assert first.text == BODY_ONE
    assert first.source == "Elwyn Gazette"
    assert first.url == "https://example.org/a"
    assert first.published == datetime(2024, 1, 2, 9, 15)
    assert first.origin == f"{path}:1"
    assert (second.id, second.title, second.source, second.url, second.published) == (
        "b",
        "",
        None,
        None,
        None,
    )
    assert second.origin == f"{path}:2"


def test_ingest_jsonl_blank_lines_are_skipped_and_line_numbers_kept(tmp_path: Path) -> None:
    path = tmp_path / "news.jsonl"
    first = json.dumps({"id": 1, "text": BODY_ONE})
    second = json.dumps({"id": 2, "text": BODY_TWO})
    path.write_text(f"\n{first}\n   \n{second}\n", encoding="utf-8")
    result = read_articles([path])
    assert [a.origin for a in result.articles] == [f"{path}:2", f"{path}:4"]


@pytest.mark.parametrize("block_bytes", [1, 7, 1 << 20])
def test_jsonl_chunks_split_lines_as_iterating_the_file_does(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, block_bytes: int
) -> None:
    # Blank and whitespace-only lines, CRLF, a line longer than a block, no final line feed.
    data = b'\n{"id": 1}\r\n \t\n{"id": 2, "text": "' + b"x" * 40 + b'"}\n\n\r\n{"id": 3}'
    path = tmp_path / "news.jsonl"
    path.write_bytes(data)
    monkeypatch.setattr(ingest, "_BLOCK_BYTES", block_bytes)
    chunks = list(ingest.InputFiles([path], chunk_size=2).chunks())
    expected = [
        (number, line.rstrip(b"\n"))
        for number, line in enumerate(io.BytesIO(data), start=1)
        if line.strip()
    ]
    assert [(len(chunk), chunk.name) for chunk in chunks] == [(2, str(path)), (1, str(path))]
    assert [
        pair for chunk in chunks for pair in zip(chunk.line_numbers, chunk.lines or [], strict=True)
    ] == (expected)
    assert [number for number, _ in expected] == [2, 4, 7]


@pytest.mark.parametrize("block_bytes", [1, 7, 1 << 20])
def test_jsonl_chunks_spans_hold_their_lines(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, block_bytes: int
) -> None:
    # Blank lines before, inside and between chunks, CRLF, no final line feed.
    data = b'\n{"id": 1}\r\n \t\n{"id": 22}\n\n{"id": 333}\n\r\n\n{"id": 4}\n{"id": 5}'
    path = tmp_path / "news.jsonl"
    path.write_bytes(data)
    monkeypatch.setattr(ingest, "_BLOCK_BYTES", block_bytes)
    chunks = list(ingest.InputFiles([path], chunk_size=2).chunks())
    spans = [chunk.span for chunk in chunks]
    assert [(span.path, span.start, span.stop) for span in spans if span] == [
        (str(path), 1, 26),
        (str(path), 27, 52),
        (str(path), 52, 62),  # up to the line feed the file's last line does not have
    ]
    for chunk, span in zip(chunks, spans, strict=True):
        assert span is not None and span.read_lines() == chunk.lines
        assert span.line_bytes.tolist() == [len(line) for line in chunk.lines or []]


def test_jsonl_chunks_span_of_a_changed_file_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "news.jsonl"
    path.write_bytes(b'{"id": 1}\n{"id": 2}\n')
    (chunk,) = ingest.InputFiles([path], chunk_size=2).chunks()
    path.write_bytes(b'{"id": 1}\n{"id": 20}\n')
    assert chunk.span is not None
    with pytest.raises(InputError, match="the input changed while it was read"):
        chunk.span.read_lines()


def test_jsonl_chunks_spans_of_stdin_are_in_its_spool(tmp_path: Path) -> None:
    data = b'{"id": 1}\n\n{"id": 2}\n{"id": 3}\n'
    files = ingest.InputFiles(["-"], stdin=io.BytesIO(data), chunk_size=2)
    with files:
        chunks = list(files.chunks())
        assert [chunk.span.read_lines() for chunk in chunks if chunk.span] == [
            [b'{"id": 1}', b'{"id": 2}'],
            [b'{"id": 3}'],
        ]


def test_chunk_shipped_as_span_parses_as_the_chunk(tmp_path: Path) -> None:
    data = b'{"id": "a", "text": "one"}\n\n{"id": "b", "text": 2}\n{"id": "c", "text": "three"}\n'
    path = tmp_path / "news.jsonl"
    path.write_bytes(data)
    (chunk,) = ingest.InputFiles([path], chunk_size=3).chunks()
    shipped = chunk.shipped_as_span()
    assert shipped.lines is None and shipped.span == chunk.span
    assert shipped.line_numbers == [1, 3, 4]
    parsed = ingest.parse_chunk(shipped, ingest.FieldMap())
    assert [getattr(item, "id", None) for item in parsed] == ["a", None, "c"]
    assert str(parsed[1]) == str(ingest.parse_chunk(chunk, ingest.FieldMap())[1])
    assert str(parsed[1]).startswith(f"{path}:3: ")


def test_chunk_without_a_span_is_shipped_with_its_lines(tmp_path: Path) -> None:
    path = tmp_path / "news.jsonl.gz"
    path.write_bytes(gzip.compress(b'{"id": 1}\n'))
    (chunk,) = ingest.InputFiles([path]).chunks()
    assert chunk.shipped_as_span() is chunk


def test_stdin_span_is_readable_while_stdin_is_still_read(tmp_path: Path) -> None:
    # A worker reads a chunk's span from the spool before the main process reads further.
    data = b'{"id": 1}\n{"id": 2}\n{"id": 3}\n'
    with ingest.InputFiles(["-"], stdin=io.BytesIO(data), chunk_size=2) as files:
        chunks = files.chunks()
        first = next(chunks)
        assert first.shipped_as_span().raw_lines() == [b'{"id": 1}', b'{"id": 2}']
        assert [chunk.lines for chunk in chunks] == [[b'{"id": 3}']]


def test_jsonl_chunks_of_a_compressed_file_have_no_span(tmp_path: Path) -> None:
    path = tmp_path / "news.jsonl.gz"
    path.write_bytes(gzip.compress(b'{"id": 1}\n'))
    assert [chunk.span for chunk in ingest.InputFiles([path]).chunks()] == [None]


@pytest.mark.parametrize("suffix", [".jsonl.gz", ".ndjson.gz"])
def test_ingest_jsonl_gz(tmp_path: Path, suffix: str) -> None:
    path = tmp_path / f"news{suffix}"
    lines = [{"id": "a", "text": BODY_ONE}, {"id": "b", "text": BODY_TWO}]
    path.write_bytes(gzip.compress("".join(json.dumps(r) + "\n" for r in lines).encode()))
    result = read_articles([path])
    assert ids(result) == ["a", "b"]
    assert [a.text for a in result.articles] == [BODY_ONE, BODY_TWO]
    assert result.articles[1].origin == f"{path}:2"


def test_ingest_ndjson_suffix(tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "news.ndjson", [{"id": "a", "text": BODY_ONE}])
    assert ids(read_articles([path])) == ["a"]


def test_ingest_csv_with_quoted_multiline_body(tmp_path: Path) -> None:
    path = tmp_path / "news.csv"
    path.write_text(
        "id,title,text,published\n"
        'a,"Tidal plant, approved","First paragraph.\nSecond paragraph, with a comma.\n'
        'Third ""quoted"" paragraph.",2024-01-02\n'
        f"b,Manuscripts found,{BODY_TWO},\n",
        encoding="utf-8",
    )
    result = read_articles([path])
    first, second = result.articles
    assert first.id == "a"  # CSV values are strings
    assert first.title == "Tidal plant, approved"
    assert first.text == (
        'First paragraph.\nSecond paragraph, with a comma.\nThird "quoted" paragraph.'
    )
    assert first.published == datetime(2024, 1, 2)
    assert first.origin == f"{path}:2"
    # The multi-line body spans lines 2-4, so the next record starts on line 5.
    assert (second.id, second.text, second.published) == ("b", BODY_TWO, None)
    assert second.origin == f"{path}:5"


def test_ingest_csv_gz_and_missing_values(tmp_path: Path) -> None:
    path = tmp_path / "news.csv.gz"
    path.write_bytes(gzip.compress(f"id,text,title\nx,{BODY_ONE}\n".encode()))
    (article,) = read_articles([path]).articles
    assert (article.id, article.text, article.title) == ("x", BODY_ONE, "")
    assert article.record == {"id": "x", "text": BODY_ONE}  # missing values are left out


def test_ingest_csv_with_utf8_bom(tmp_path: Path) -> None:
    path = tmp_path / "news.csv"
    path.write_bytes(b"\xef\xbb\xbf" + f"id,text\nx,{BODY_ONE}\n".encode())
    assert ids(read_articles([path])) == ["x"]


def test_ingest_txt_directory(tmp_path: Path) -> None:
    root = tmp_path / "articles"
    (root / "sub").mkdir(parents=True)
    (root / "first.txt").write_text(
        f"Tidal plant approved\n{BODY_ONE}\nA second body line.\n", encoding="utf-8"
    )
    (root / "sub" / "name.txt").write_text(f"\n  Manuscripts found  \n\n{BODY_TWO}\n")
    (root / "notes.md").write_text("not an article\n")  # other suffixes are ignored
    result = read_articles([root])
    assert ids(result) == ["first", "sub/name"]
    first, nested = result.articles
    assert first.title == "Tidal plant approved"
    assert first.text == f"{BODY_ONE}\nA second body line."
    assert first.origin == f"{root / 'first.txt'}:1"
    assert nested.title == "Manuscripts found"
    assert nested.text == BODY_TWO
    assert nested.origin == f"{root / 'sub' / 'name.txt'}:1"
    assert nested.record == {"id": "sub/name", "title": "Manuscripts found", "text": BODY_TWO}


def test_ingest_html_page_main_text(tmp_path: Path) -> None:
    pytest.importorskip("trafilatura")
    root = tmp_path / "pages"
    (root / "2024").mkdir(parents=True)
    (root / "2024" / "tidal.html").write_text(HTML_PAGE, encoding="utf-8")
    (article,) = read_articles([root]).articles
    assert article.id == "2024/tidal"
    assert article.title == "Tidal plant approved in Port Elwyn"
    for paragraph in PARAGRAPHS:
        assert paragraph in article.text
    assert NAV_TEXT not in article.text
    assert FOOTER_TEXT not in article.text
    assert article.origin == f"{root / '2024' / 'tidal.html'}:1"


def test_ingest_stdin(tmp_path: Path) -> None:
    data = (
        json.dumps({"id": 1, "text": BODY_ONE}) + "\n\n" + json.dumps({"id": 2, "text": BODY_TWO})
    ).encode()
    result = read_articles(["-"], stdin=io.BytesIO(data))
    assert ids(result) == [1, 2]
    assert [a.origin for a in result.articles] == ["<stdin>:1", "<stdin>:3"]


def test_ingest_several_inputs_keep_input_order(tmp_path: Path) -> None:
    csv_path = tmp_path / "z.csv"
    csv_path.write_text(f"id,text\nc1,{BODY_ONE}\nc2,{BODY_TWO}\n", encoding="utf-8")
    jsonl_path = write_jsonl(
        tmp_path / "a.jsonl", [{"id": "j1", "text": BODY_THREE}, {"id": "j2", "text": BODY_ONE}]
    )
    directory = tmp_path / "m"
    directory.mkdir()
    (directory / "t1.txt").write_text(f"Title\n{BODY_TWO}\n", encoding="utf-8")
    stdin = io.BytesIO(json.dumps({"id": "s1", "text": BODY_THREE}).encode())
    result = read_articles([csv_path, directory, "-", jsonl_path], stdin=stdin)
    assert ids(result) == ["c1", "c2", "t1", "s1", "j1", "j2"]


# --- fields, ids, dates, records -----------------------------------------------------------


def test_ingest_field_map(tmp_path: Path) -> None:
    record = {"doc_id": "n-1", "headline": "Tidal plant approved", "body": BODY_ONE, "id": "x"}
    path = write_jsonl(tmp_path / "news.jsonl", [record])
    fields = FieldMap(id="doc_id", text="body", title="headline")
    (article,) = read_articles([path], fields=fields).articles
    assert (article.id, article.title, article.text) == ("n-1", "Tidal plant approved", BODY_ONE)
    assert article.record == record


def test_ingest_field_map_names_the_field_in_errors(tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "news.jsonl", [{"doc_id": "n-1", "text": BODY_ONE}])
    with pytest.raises(
        InputError, match=exact(f"{path}:1: record has no text (field 'body'; see --text-field)")
    ):
        read_articles([path], fields=FieldMap(id="doc_id", text="body"))
    with pytest.raises(
        InputError, match=exact(f"{path}:1: record has no id (field 'key'; see --id-field)")
    ):
        read_articles([path], fields=FieldMap(id="key"))


def test_ingest_ids_kept_as_given(tmp_path: Path) -> None:
    path = write_jsonl(
        tmp_path / "news.jsonl",
        [
            {"id": 17, "text": BODY_ONE},
            {"id": "0042", "text": BODY_TWO},
            {"id": 0, "text": BODY_THREE},
        ],
    )
    result = read_articles([path])
    assert ids(result) == [17, "0042", 0]
    assert type(result.articles[0].id) is int
    assert type(result.articles[2].id) is int


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2024-01-02", datetime(2024, 1, 2)),
        ("2024-01-02T10:30:00", datetime(2024, 1, 2, 10, 30)),
        ("2024-01-02T10:30:00Z", datetime(2024, 1, 2, 10, 30)),
        ("2024-01-02T12:30:00+02:00", datetime(2024, 1, 2, 10, 30)),
        ("2024-01-01T23:30:00-05:00", datetime(2024, 1, 2, 4, 30)),
        ("", None),
        (None, None),
    ],
)
def test_ingest_published_iso8601(
    tmp_path: Path, value: str | None, expected: datetime | None
) -> None:
    path = write_jsonl(tmp_path / "news.jsonl", [{"id": "a", "text": BODY_ONE, "published": value}])
    (article,) = read_articles([path]).articles
    assert article.published == expected
    if expected is not None:
        assert article.published.tzinfo is None  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("value", "shown"),
    [("yesterday", "'yesterday'"), ("2024-13-01", "'2024-13-01'"), (20240102, "20240102")],
)
def test_ingest_bad_published_names_file_and_line(tmp_path: Path, value: Any, shown: str) -> None:
    path = write_jsonl(
        tmp_path / "news.jsonl",
        [{"id": "a", "text": BODY_ONE}, {"id": "b", "text": BODY_TWO, "published": value}],
    )
    with pytest.raises(
        InputError, match=exact(f"{path}:2: published must be an ISO 8601 date; got {shown}")
    ):
        read_articles([path])


def test_ingest_record_kept_unchanged(tmp_path: Path) -> None:
    record = {
        "id": 5,
        "title": "Tidal plant approved",
        "text": BODY_ONE,
        "published": "2024-01-02T10:30:00+02:00",
        "tags": ["energy", "wales"],
        "extra": {"nested": None},
    }
    path = write_jsonl(tmp_path / "news.jsonl", [record])
    (article,) = read_articles([path]).articles
    assert article.record == record
    assert article.record["published"] == "2024-01-02T10:30:00+02:00"  # not the parsed value
    assert article.published == datetime(2024, 1, 2, 8, 30)


# --- errors --------------------------------------------------------------------------------


def test_ingest_error_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "missing.jsonl"
    with pytest.raises(InputError, match=exact(f"input not found: {path}")):
        read_articles([path])


def test_ingest_error_malformed_json_names_line(tmp_path: Path) -> None:
    path = tmp_path / "news.jsonl"
    path.write_text(
        json.dumps({"id": "a", "text": BODY_ONE}) + '\n{"id": "b", "text": }\n', encoding="utf-8"
    )
    with pytest.raises(
        InputError, match=exact(f"{path}:2: malformed JSON: Expecting value (column 21)")
    ):
        read_articles([path])


@pytest.mark.parametrize(("line", "kind"), [("[1, 2]", "list"), ('"text"', "str"), ("7", "int")])
def test_ingest_error_json_line_not_an_object(tmp_path: Path, line: str, kind: str) -> None:
    path = tmp_path / "news.jsonl"
    path.write_text(line + "\n", encoding="utf-8")
    with pytest.raises(InputError, match=exact(f"{path}:1: expected a JSON object; got {kind}")):
        read_articles([path])


def _json_line_as_first_parsed(raw: bytes, origin: str) -> dict[str, Any] | str:
    """What a JSON line gave when every line went through json.loads: the object, or the
    message of the error."""
    try:
        line = raw.decode("utf-8-sig").rstrip("\r\n")
    except UnicodeDecodeError as error:
        return f"{origin}: not valid UTF-8 (byte {raw[error.start]:#04x})"
    try:
        record = json.loads(line)
    except json.JSONDecodeError as error:
        return f"{origin}: malformed JSON: {error.msg} (column {error.colno})"
    if not isinstance(record, dict):
        return f"{origin}: expected a JSON object; got {type(record).__name__}"
    return record


_JSON_LINES = [
    b'{"id": "a", "text": "body", "n": 1.5e3, "t": true, "x": null, "l": [1, {"b": "c"}]}',
    b'{"id": "a"}\r',
    b'{"id": "a"}\r\n',
    b'{"id": "a"} \t ',
    b'{"id": "a"}\n',
    b'{"id": "a"}\x0b',  # not a space JSON allows
    b'{"id": "a"} x',
    b'{"id": "a"}{"id": "b"}',
    b'{"id": "a"}, {"id": "b"}',
    b'{"id": "a", "id": "b"}',  # the last of equal keys
    b'{"id": "a", "text": NaN, "m": -Infinity}',
    b'{"id": "\\ud800", "s": "\\u00e9\\ud83d\\ude00"}',
    '{"id": "caf\u00e9", "text": "\u201cq\u201d"}'.encode(),
    b'{"id": "a", "text": }',
    b'{"id": "a", "text": "b"',
    b'{"id": "a", "text": "tab\tinside"}',  # a control character in a string
    b'{"id": "a", "text": "\xff"}',  # not UTF-8
    b"{",
    b"{}",
    b'\xef\xbb\xbf{"id": "a"}',  # a BOM
    b'  {"id": "a"}',
    b"[1, 2]",
    b'"text"',
    b"7",
    b"\xff",
]


@pytest.mark.parametrize("raw", _JSON_LINES)
def test_ingest_json_line_as_json_loads_parses_it(raw: bytes) -> None:
    parsed = ingest._parse_json_line(raw, "f.jsonl:3")
    expected = _json_line_as_first_parsed(raw, "f.jsonl:3")
    assert (str(parsed) if isinstance(parsed, InputError) else parsed) == expected


def test_ingest_parse_chunk_of_good_and_bad_lines() -> None:
    lines = [json.dumps({"id": f"r{i}", "text": BODY_ONE}).encode() for i in range(3)]
    lines[1:1] = _JSON_LINES
    chunk = ingest.RecordChunk("f.jsonl", list(range(7, 7 + len(lines))), lines=lines)
    for keep in (None, [i % 3 != 1 for i in range(len(lines))]):
        parsed = ingest.parse_chunk(chunk, FieldMap(), keep)
        expected = []
        for position, raw in enumerate(lines):
            if keep is not None and not keep[position]:
                continue
            origin = f"f.jsonl:{7 + position}"
            record = _json_line_as_first_parsed(raw, origin)
            if isinstance(record, dict):
                try:
                    article = ingest.record_to_article(record, origin, FieldMap())
                except InputError as error:
                    record = str(error)
                else:
                    record = repr(article)
            expected.append(record)
        assert [
            str(item) if isinstance(item, InputError) else repr(item) for item in parsed
        ] == expected


@pytest.mark.parametrize(
    "record",
    [
        {"id": "a"},
        {"id": "a", "text": ""},
        {"id": "a", "text": "  \n\t "},
        {"id": "a", "text": None},
        {"id": "a", "text": 42},
    ],
    ids=["missing", "empty", "whitespace", "null", "not-a-string"],
)
def test_ingest_error_record_without_text(tmp_path: Path, record: dict[str, Any]) -> None:
    path = write_jsonl(tmp_path / "news.jsonl", [{"id": "ok", "text": BODY_ONE}, record])
    with pytest.raises(
        InputError, match=exact(f"{path}:2: record has no text (field 'text'; see --text-field)")
    ):
        read_articles([path])


@pytest.mark.parametrize(
    "record",
    [{"text": BODY_ONE}, {"id": "", "text": BODY_ONE}, {"id": None, "text": BODY_ONE}],
    ids=["missing", "empty", "null"],
)
def test_ingest_error_record_without_id(tmp_path: Path, record: dict[str, Any]) -> None:
    path = write_jsonl(tmp_path / "news.jsonl", [record])
    with pytest.raises(
        InputError, match=exact(f"{path}:1: record has no id (field 'id'; see --id-field)")
    ):
        read_articles([path])


@pytest.mark.parametrize(("value", "shown"), [(1.5, "1.5"), (True, "True"), ([1], "[1]")])
def test_ingest_error_id_of_wrong_type(tmp_path: Path, value: Any, shown: str) -> None:
    path = write_jsonl(tmp_path / "news.jsonl", [{"id": value, "text": BODY_ONE}])
    with pytest.raises(
        InputError, match=exact(f"{path}:1: id must be a string or an integer; got {shown}")
    ):
        read_articles([path])


def test_ingest_error_optional_field_of_wrong_type(tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "news.jsonl", [{"id": "a", "text": BODY_ONE, "title": 5}])
    with pytest.raises(InputError, match=exact(f"{path}:1: field 'title' must be a string; got 5")):
        read_articles([path])


def test_ingest_error_lone_surrogate_names_field_and_line(tmp_path: Path) -> None:
    path = tmp_path / "news.jsonl"
    path.write_bytes(
        b'{"id": "a", "text": "smile \\ud83d\\ude00 pair"}\n'  # a pair: one emoji, fine
        b'{"id": "b", "text": "half \\ud83d of a pair"}\n'
    )
    message = f"{path}:2: field 'text' holds a lone surrogate (\\ud83d), which is not Unicode text"
    with pytest.raises(InputError, match=exact(message)):
        read_articles([path])
    result = read_articles([path], on_error="skip")
    assert [article.text for article in result.articles] == ["smile \U0001f600 pair"]
    assert result.skipped == [message]


@pytest.mark.parametrize(
    ("record", "field"),
    [
        ({"id": "\ud800", "title": 5, "text": "\ud800"}, "'id' holds a lone surrogate"),
        ({"id": "a", "title": 5, "text": "\ud800", "source": 6}, "'title' must be a string"),
        ({"id": "a", "title": "\udc00", "text": "\ud800"}, "'title' holds a lone surrogate"),
        ({"id": "a", "text": "caf\u00e9 \ud800", "source": 6}, "'text' holds a lone surrogate"),
        ({"id": "a", "text": "ok", "source": "\ud800", "url": 7}, "'source' holds a lone"),
        ({"id": "a", "text": "ok", "url": "\ud800", "published": "x"}, "'url' holds a lone"),
    ],
)
def test_ingest_error_first_bad_field_is_named(record: dict[str, Any], field: str) -> None:
    """Fields are checked in one order: id, title, text, source, url, published."""
    with pytest.raises(InputError, match=f"^f:1: field {re.escape(field)}"):
        ingest.record_to_article(record, "f:1", FieldMap())


def test_ingest_error_non_utf8_jsonl_names_line(tmp_path: Path) -> None:
    path = tmp_path / "news.jsonl"
    path.write_bytes(
        json.dumps({"id": "a", "text": BODY_ONE}).encode() + b'\n{"id": "b", "text": "caf\xff"}\n'
    )
    with pytest.raises(InputError, match=exact(f"{path}:2: not valid UTF-8 (byte 0xff)")):
        read_articles([path])


def test_ingest_error_non_utf8_csv_names_line(tmp_path: Path) -> None:
    path = tmp_path / "news.csv"
    path.write_bytes(b"id,text\na,fine\nb,caf\xe9 au lait\n")
    with pytest.raises(InputError, match=exact(f"{path}:3: not valid UTF-8 (byte 0xe9)")):
        read_articles([path])


def test_ingest_error_non_utf8_txt_names_line(tmp_path: Path) -> None:
    root = tmp_path / "articles"
    root.mkdir()
    bad = root / "bad.txt"
    bad.write_bytes(b"Title\nFirst line is fine.\nSecond has \xff in it.\n")
    with pytest.raises(InputError, match=exact(f"{bad}:3: not valid UTF-8 (byte 0xff)")):
        read_articles([root])


def test_ingest_error_empty_input(tmp_path: Path) -> None:
    path = tmp_path / "news.jsonl"
    path.write_text("\n   \n\n", encoding="utf-8")
    with pytest.raises(InputError, match=exact(f"no articles found in {path}")):
        read_articles([path])


def test_ingest_error_several_empty_inputs_are_all_named(tmp_path: Path) -> None:
    first = tmp_path / "one.jsonl"
    second = tmp_path / "two.csv"
    first.write_text("\n", encoding="utf-8")
    second.write_text("id,text\n", encoding="utf-8")
    with pytest.raises(InputError, match=exact(f"no articles found in {first}, {second}")):
        read_articles([first, second])


def test_ingest_error_empty_directory(tmp_path: Path) -> None:
    root = tmp_path / "empty"
    root.mkdir()
    (root / "readme.md").write_text("nothing here\n")
    with pytest.raises(
        InputError, match=exact(f"{root}: no .txt or .html files in this directory")
    ):
        read_articles([root])


@pytest.mark.parametrize("name", ["news.json", "news.xml", "news"])
def test_ingest_error_unsupported_extension(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    path.write_text('{"id": "a", "text": "x"}\n', encoding="utf-8")
    with pytest.raises(InputError, match=exact(f"unsupported input {path}: {UNSUPPORTED}")):
        read_articles([path])


def test_ingest_error_duplicate_id_across_files_names_both(tmp_path: Path) -> None:
    first = write_jsonl(
        tmp_path / "one.jsonl", [{"id": "w", "text": BODY_ONE}, {"id": "x", "text": BODY_TWO}]
    )
    second = write_jsonl(
        tmp_path / "two.jsonl",
        [{"id": "y", "text": BODY_THREE}, {"id": "z", "text": BODY_ONE}, {"id": "x", "text": "?"}],
    )
    with pytest.raises(
        InputError, match=exact(f"{second}:3: duplicate id 'x', already used at {first}:2")
    ):
        read_articles([first, second])


def test_ingest_error_duplicate_int_id(tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "n.jsonl", [{"id": 7, "text": BODY_ONE}, {"id": 7, "text": "y"}])
    with pytest.raises(
        InputError, match=exact(f"{path}:2: duplicate id 7, already used at {path}:1")
    ):
        read_articles([path])


def test_ingest_error_csv_row_with_more_values_than_header(tmp_path: Path) -> None:
    path = tmp_path / "news.csv"
    path.write_text(f"id,text\na,{BODY_ONE}\nb,second body,surplus\n", encoding="utf-8")
    with pytest.raises(InputError, match=exact(f"{path}:3: more values than header columns")):
        read_articles([path])


def test_ingest_error_csv_line_number_after_blank_line(tmp_path: Path) -> None:
    # Line 3 is blank; the bad row is on line 4. csv.DictReader skips blank rows internally, so
    # the reader's line count must not be used as the row's first line (known bug, see report).
    path = tmp_path / "news.csv"
    path.write_text(f"id,text\na,{BODY_ONE}\n\nb,second body,surplus\n", encoding="utf-8")
    with pytest.raises(InputError, match=exact(f"{path}:4: more values than header columns")):
        read_articles([path])


def test_ingest_error_truncated_gz(tmp_path: Path) -> None:
    path = tmp_path / "news.jsonl.gz"
    data = gzip.compress(
        ("".join(json.dumps({"id": i, "text": BODY_ONE}) + "\n" for i in range(50))).encode()
    )
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(InputError, match=f"^{re.escape(str(path))}: cannot read: "):
        read_articles([path])


def test_ingest_error_bad_on_error_value(tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "news.jsonl", [{"id": "a", "text": BODY_ONE}])
    with pytest.raises(InputError, match=exact("on_error must be 'stop' or 'skip'; got 'ignore'")):
        read_articles([path], on_error="ignore")  # type: ignore[arg-type]


# --- on_error="skip" -----------------------------------------------------------------------


def test_ingest_skip_keeps_good_records_in_order(tmp_path: Path) -> None:
    path = tmp_path / "news.jsonl"
    lines = [
        json.dumps({"id": "g1", "text": BODY_ONE}),  # 1
        '{"id": "bad", "text": }',  # 2 malformed
        json.dumps({"id": "g2", "text": BODY_TWO}),  # 3
        json.dumps({"id": "no-text", "text": "   "}),  # 4
        "[1, 2]",  # 5
        "",  # 6 blank: not a record
        json.dumps({"id": "g3", "text": BODY_THREE}),  # 7
        json.dumps({"id": "g1", "text": "a second g1"}),  # 8 duplicate id
        json.dumps({"id": "g4", "text": BODY_ONE, "published": "soon"}),  # 9
        json.dumps({"id": "g5", "text": BODY_TWO}),  # 10
    ]
    data = ("\n".join(lines) + "\n").encode() + b'{"id": "g6", "text": "\xff"}\n'  # 11
    data += json.dumps({"text": BODY_THREE}).encode() + b"\n"  # 12 no id
    data += json.dumps({"id": "g7", "text": BODY_THREE}).encode() + b"\n"  # 13
    path.write_bytes(data)
    result = read_articles([path], on_error="skip")
    assert ids(result) == ["g1", "g2", "g3", "g5", "g7"]
    assert result.articles[0].text == BODY_ONE  # the first g1 is kept
    assert [a.origin for a in result.articles] == [f"{path}:{n}" for n in (1, 3, 7, 10, 13)]
    assert result.skipped == [
        f"{path}:2: malformed JSON: Expecting value (column 23)",
        f"{path}:4: record has no text (field 'text'; see --text-field)",
        f"{path}:5: expected a JSON object; got list",
        f"{path}:8: duplicate id 'g1', already used at {path}:1",
        f"{path}:9: published must be an ISO 8601 date; got 'soon'",
        f"{path}:11: not valid UTF-8 (byte 0xff)",
        f"{path}:12: record has no id (field 'id'; see --id-field)",
    ]


def test_ingest_skip_duplicate_id_across_files_keeps_first(tmp_path: Path) -> None:
    first = write_jsonl(tmp_path / "one.jsonl", [{"id": "x", "text": BODY_ONE}])
    second = write_jsonl(
        tmp_path / "two.jsonl", [{"id": "x", "text": BODY_TWO}, {"id": "y", "text": BODY_THREE}]
    )
    result = read_articles([first, second], on_error="skip")
    assert ids(result) == ["x", "y"]
    assert result.articles[0].text == BODY_ONE
    assert result.skipped == [f"{second}:1: duplicate id 'x', already used at {first}:1"]


def test_ingest_skip_bad_txt_and_csv_rows(tmp_path: Path) -> None:
    root = tmp_path / "articles"
    root.mkdir()
    (root / "a.txt").write_text(f"Title A\n{BODY_ONE}\n", encoding="utf-8")
    (root / "b.txt").write_bytes(b"Title B\nbody \xff\n")
    (root / "c.txt").write_text("Only a title\n", encoding="utf-8")
    (root / "d.txt").write_text(f"Title D\n{BODY_TWO}\n", encoding="utf-8")
    csv_path = tmp_path / "news.csv"
    csv_path.write_text(f"id,text\ne,{BODY_THREE}\nf,x,y\ng,{BODY_ONE}\n", encoding="utf-8")
    result = read_articles([root, csv_path], on_error="skip")
    assert ids(result) == ["a", "d", "e", "g"]
    assert result.skipped == [
        f"{root / 'b.txt'}:2: not valid UTF-8 (byte 0xff)",
        f"{root / 'c.txt'}:1: record has no text (field 'text'; see --text-field)",
        f"{csv_path}:3: more values than header columns",
    ]


def test_ingest_skip_still_fails_on_missing_file_and_no_articles(tmp_path: Path) -> None:
    missing = tmp_path / "missing.jsonl"
    with pytest.raises(InputError, match=exact(f"input not found: {missing}")):
        read_articles([missing], on_error="skip")
    path = tmp_path / "bad.jsonl"
    path.write_text('{"id": 1}\n', encoding="utf-8")
    with pytest.raises(InputError, match=exact(f"no articles found in {path}")):
        read_articles([path], on_error="skip")
