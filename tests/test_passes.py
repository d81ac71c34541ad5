from datetime import datetime, timedelta, timezone

from dedup.passes import NO_DATE, published_order


def test_published_order_takes_zones_into_account_and_naive_times_as_utc():
    naive = datetime(2026, 11, 23, 12, 0)
    east = datetime(2026, 11, 23, 14, 0, tzinfo=timezone(timedelta(hours=2)))
    assert published_order(east) == published_order(naive)
    assert published_order(naive + timedelta(microseconds=1)) == published_order(naive) + 1
    assert published_order(None) == NO_DATE
