from datetime import datetime, timedelta, timezone

import numpy as np
import pytest

from dedup.boilerplate import block_keys, normalize_blocks
from dedup.config import BoilerplateConfig
from dedup.passes import NO_DATE, ArticleRecord, published_order


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


def test_published_order_takes_zones_into_account_and_naive_times_as_utc():
    naive = datetime(2026, 11, 23, 12, 0)
    east = datetime(2026, 11, 23, 14, 0, tzinfo=timezone(timedelta(hours=2)))
    assert published_order(east) == published_order(naive)
    assert published_order(naive + timedelta(microseconds=1)) == published_order(naive) + 1
    assert published_order(None) == NO_DATE
