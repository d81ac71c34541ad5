"""The engine's passes: the same result from memory or streamed files, with any jobs."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from conftest import mixed_records

from dedup import DedupConfig, find_duplicates, read_articles
from dedup.config import VerifyConfig
from dedup.engine import RecordFiles, _array_in_small_pages, _noting_spans
from dedup.ingest import FieldMap, InputFiles
from dedup.pipeline import RunResult, find_duplicates_in_files


@pytest.fixture
def feed_path(tmp_path: Path, stories, site_template) -> Path:
    path = tmp_path / "feed.jsonl"
    lines = [json.dumps(record) for record in mixed_records(stories, site_template)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def outcome(result: RunResult) -> tuple:
    """Everything a run found, by article id."""
    ids = result.ids
    return (
        [(ids[m.a], ids[m.b], m.relation, m.jaccard, m.cosine) for m in result.matches],
        [
            (c.id, c.kind, ids[c.representative], [(ids[m.index], m.relation, m.score)
                                                   for m in c.members])
            for c in result.clusters
        ],
        result.candidates,
    )  # fmt: skip


@pytest.mark.parametrize("related", [True, False])
def test_engine_streamed_files_give_the_library_result(feed_path: Path, related: bool):
    config = DedupConfig(verify=VerifyConfig(related=related), chunk_size=4, jobs=1)
    expected = find_duplicates(read_articles([feed_path]).articles, config)
    assert expected.duplicate_clusters, "the feed should hold duplicates"
    assert any(c.kind == "related" for c in expected.clusters) == related
    with find_duplicates_in_files([feed_path], config) as streamed:
        assert outcome(streamed) == outcome(expected)
        assert [r["id"] for r in streamed.records()] == [a.id for a in expected.articles]


@pytest.mark.parametrize("related", [True, False])
def test_engine_two_jobs_give_the_one_job_result(feed_path: Path, related: bool):
    one = DedupConfig(verify=VerifyConfig(related=related), chunk_size=3, jobs=1)
    two = DedupConfig(verify=VerifyConfig(related=related), chunk_size=3, jobs=2)
    with find_duplicates_in_files([feed_path], one) as first:
        with find_duplicates_in_files([feed_path], two) as second:
            assert outcome(second) == outcome(first)
    articles = read_articles([feed_path]).articles
    assert outcome(find_duplicates(articles, two)) == outcome(find_duplicates(articles, one))


def test_engine_chunk_size_does_not_change_the_result(feed_path: Path):
    articles = read_articles([feed_path]).articles
    results = [
        outcome(find_duplicates(articles, DedupConfig(chunk_size=size, jobs=1)))
        for size in (1, 5, 1000)
    ]
    assert results[0] == results[1] == results[2]


def test_engine_streamed_run_explains_template_removal(feed_path: Path):
    config = DedupConfig(chunk_size=4, jobs=1)
    expected = find_duplicates(read_articles([feed_path]).articles, config)
    with find_duplicates_in_files([feed_path], config, explain=True) as streamed:
        report = streamed.template_report()
    assert report.removed_in == expected.template_report().removed_in
    assert report.removed_in["Stay informed"] == 6


def test_engine_streamed_run_without_candidates(tmp_path: Path):
    from conftest import SEEDS

    for related in (True, False):
        config = DedupConfig(verify=VerifyConfig(related=related), jobs=1)
        with find_duplicates_in_files([SEEDS], config) as result:
            assert (len(result), result.duplicate_clusters) == (2, [])


def test_engine_without_related_keeps_no_term_rows(feed_path: Path, monkeypatch):
    """--no-related: only document frequencies are kept, not each text's term counts."""
    import dedup.engine as engine
    from dedup.terms import TermCounter

    made: list[bool] = []

    class Recording(TermCounter):
        def __init__(self, *, keep_rows: bool = True) -> None:
            super().__init__(keep_rows=keep_rows)
            made.append(keep_rows)

    monkeypatch.setattr(engine, "TermCounter", Recording)
    config = DedupConfig(verify=VerifyConfig(related=False), chunk_size=4, jobs=1)
    with find_duplicates_in_files([feed_path], config) as result:
        assert result.duplicate_clusters
    assert made == [False]


def test_engine_signature_array_is_zeroed_writable_and_may_be_empty():
    array = _array_in_small_pages((3, 4), np.uint32)
    assert array.dtype == np.uint32 and array.flags.writeable
    assert array.tolist() == [[0] * 4] * 3
    array[1] = 7
    assert array.sum() == 28
    assert _array_in_small_pages((0, 128), np.uint32).shape == (0, 128)


@pytest.mark.parametrize("ship_spans", [True, False])
def test_engine_first_pass_ships_spans_to_workers(feed_path: Path, ship_spans: bool):
    """With worker processes a chunk travels as its span, and the worker reads its lines."""
    spans: list = []
    source = RecordFiles(InputFiles([feed_path], chunk_size=4), FieldMap())
    batches = list(_noting_spans(source.batches(), spans, ship_spans=ship_spans))
    read = list(InputFiles([feed_path], chunk_size=4).chunks())
    assert spans == [chunk.span for chunk in read] and None not in spans
    assert [batch.records.lines for batch in batches] == (
        [None] * len(read) if ship_spans else [chunk.lines for chunk in read]
    )
    assert [batch.records.raw_lines() for batch in batches] == [chunk.lines for chunk in read]
