"""Tests of dedup.records: the spill's per-article records, read whole and column by column."""

import numpy as np
import pytest

from dedup.boilerplate import block_keys, normalize_blocks
from dedup.config import BoilerplateConfig
from dedup.records import ArticleRecord, RecordColumns, packed_title


@pytest.mark.parametrize(
    "blocks, original",
    [
        (["the first block", "", "ünïcode – block"], ["The first block", "", "Ünïcode – block"]),
        ([""], None),
        ([], None),
        ([], []),
    ],
)
def test_article_record_round_trips(blocks, original):
    record = ArticleRecord(
        blocks=blocks,
        keys=np.arange(len(blocks), dtype=np.uint64) * np.uint64(2**61),
        title="Straße – Title",
        normalized_title="strasse - title",
        original=original,
    )
    again = ArticleRecord.unpack(record.pack())
    assert again.blocks == blocks
    assert again.original == original
    assert again.keys.dtype == np.uint64
    assert again.keys.tolist() == record.keys.tolist()
    assert (again.title, again.normalized_title) == ("Straße – Title", "strasse - title")
    assert packed_title(record.pack()) == "Straße – Title"


def test_article_record_cleans_with_the_run_template():
    original, blocks = normalize_blocks("Oil rose 5 pct.\nSubscribe now\nTraders said so.")
    keys = block_keys("site", blocks)
    record = ArticleRecord(blocks, keys, "", "", original=original)
    template = np.sort(keys[[1]])
    cleaned = record.clean(template, BoilerplateConfig())
    assert cleaned.text == "oil rose 5 pct. traders said so."
    assert cleaned.removed == ("Subscribe now",)
    # Without the blocks as written, removals are reported normalized.
    normalized_only = ArticleRecord(blocks, keys, "", "")
    assert normalized_only.clean(template, BoilerplateConfig()).removed == ("subscribe now",)


def _record(text: str, original: bool = False) -> ArticleRecord:
    written, blocks = normalize_blocks(text)
    return ArticleRecord(
        blocks, block_keys("site", blocks), "Title", "title", original=written if original else None
    )


def test_record_columns_clean_as_each_record_does():
    template_text = "Subscribe now"
    records = [
        _record(f"Oil rose 5 pct.\n{template_text}\nTraders said so.", original=True),
        _record("Gold fell.\n\nSign up here\n\nSilver too.\n\nSign up here"),  # a prompt twice
        _record("Wheat was unchanged.\nCorn rose."),  # nothing to remove
        ArticleRecord(["first", "", "last"], np.arange(3, dtype=np.uint64), "", ""),
        ArticleRecord([], np.zeros(0, dtype=np.uint64), "", ""),
        ArticleRecord([""], np.zeros(1, dtype=np.uint64), "", ""),
        _record(template_text),  # all template: kept whole
    ]
    template = np.sort(block_keys("site", ["subscribe now"]))
    columns = RecordColumns([record.pack() for record in records])
    for config in (BoilerplateConfig(), BoilerplateConfig(enabled=False)):
        expected = [record.clean(template, config) for record in records]
        assert columns.clean(template, config) == expected
    assert [article.text for article in columns.clean(template, BoilerplateConfig())] == [
        "oil rose 5 pct. traders said so.",
        "gold fell. silver too.",
        "wheat was unchanged. corn rose.",
        "first last",
        "",
        "",
        "subscribe now",
    ]
    assert columns.clean(template, BoilerplateConfig())[0].removed == ("Subscribe now",)
    assert columns.blocks(3) == ["first", "", "last"]
    assert columns.normalized_titles[0] == "title"


def test_record_columns_read_records_without_template_keys():
    records = [ArticleRecord(["a b", "c"], np.zeros(0, dtype=np.uint64), "T", "t")]
    columns = RecordColumns([record.pack() for record in records])
    assert columns.clean(np.zeros(0, dtype=np.uint64), BoilerplateConfig()) == [
        record.clean(np.zeros(0, dtype=np.uint64), BoilerplateConfig()) for record in records
    ]
    again = columns.record(0)
    assert (again.blocks, again.keys.size, again.title, again.original) == (
        ["a b", "c"],
        0,
        "T",
        None,
    )
