from datetime import datetime, timedelta, timezone

import numpy as np
import pytest
from conftest import make_article, mixed_records

from dedup.boilerplate import block_keys, body_key, normalize_blocks
from dedup.normalize import normalize_text
from dedup.passes import NO_DATE, Batch, published_order, scan_batch
from dedup.records import ArticleRecord
from dedup.spill import Spill, read_records


def test_published_order_takes_zones_into_account_and_naive_times_as_utc():
    naive = datetime(2026, 11, 23, 12, 0)
    east = datetime(2026, 11, 23, 14, 0, tzinfo=timezone(timedelta(hours=2)))
    assert published_order(east) == published_order(naive)
    assert published_order(naive + timedelta(microseconds=1)) == published_order(naive) + 1
    assert published_order(None) == NO_DATE


@pytest.mark.parametrize("templates", [True, False])
def test_scan_batch_keys_are_each_articles_own(stories, site_template, templates):
    """The chunk's keys, body keys and distinct keys are what each article gives alone."""
    records = mixed_records(stories, site_template)
    articles = [make_article(r["id"], r["text"], source=r.get("source")) for r in records]
    articles += [make_article("empty", "", source="insights"), make_article("é", "Café\n\nCafé")]
    with Spill() as spill:
        scan = scan_batch(Batch(articles=articles), spill.directory, templates=templates)
        spill.add(scan.spilled, range(len(articles)))
        records = read_records(spill.index())
    assert scan.ids == [article.id for article in articles]
    alone = [block_keys(a.source, normalize_blocks(a.text)[1]) for a in articles]
    packed = [ArticleRecord.unpack(data).keys.tolist() for data in records]
    no_keys = np.zeros(0, dtype=np.uint64)
    assert records == [  # the bytes of each article's ArticleRecord
        ArticleRecord(
            blocks=normalize_blocks(a.text)[1],
            keys=keys if templates else no_keys,
            title=a.title,
            normalized_title=normalize_text(a.title),
        ).pack()
        for a, keys in zip(articles, alone, strict=True)
    ]
    if not templates:
        assert scan.bodies == [] and scan.keys.size == 0 and scan.offsets.tolist() == [0]
        assert packed == [[] for _ in articles]
        return
    assert packed == [keys.tolist() for keys in alone]
    assert scan.bodies == [body_key(a.source, k) for a, k in zip(articles, alone, strict=True)]
    distinct = [np.unique(keys) for keys in alone]
    assert scan.keys.tolist() == np.concatenate(distinct).tolist()
    assert scan.offsets.tolist() == np.cumsum([0] + [d.size for d in distinct]).tolist()
