import json
import os
from datetime import datetime

import pytest
from conftest import make_article
from rich.console import Console

from dedup import find_duplicates
from dedup.report import (
    OutputError,
    deduplicated_records,
    feed_line,
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
