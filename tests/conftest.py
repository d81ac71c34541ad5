"""Shared fixtures: six made-up news stories and one site template, built by the tests."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import numpy as np
import pytest

from dedup import Article, shingle

FIXTURES = Path(__file__).parent / "fixtures"
SEEDS = Path(__file__).parent.parent / "seeds"


@pytest.fixture(scope="session")
def stories() -> dict[str, str]:
    """Six distinct stories of six paragraphs each, one paragraph per line."""
    return json.loads((FIXTURES / "stories.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def site_template() -> dict[str, list[str]]:
    return json.loads((FIXTURES / "site_template.json").read_text(encoding="utf-8"))


def wrap_in_template(story: str, template: dict[str, list[str]]) -> str:
    """A page as the Insights Daily site serves it: the story with the paywall prompt repeated
    three times, a newsletter pitch and teasers of other stories (about 40% of the page)."""
    paragraphs = story.split("\n")
    paywall = template["paywall"]
    page = template["header"] + paragraphs[:2] + paywall + paragraphs[2:4] + paywall
    page += paragraphs[4:] + paywall + template["newsletter"] + template["teasers"]
    return "\n\n".join(page + template["footer"])


def make_article(article_id: str, text: str, title: str = "", **fields: object) -> Article:
    """An article as ``read_articles`` would make it from a JSON line."""
    record = {"id": article_id, "title": title, "text": text}
    return Article(id=article_id, title=title, text=text, record=record, **fields)  # type: ignore[arg-type]


# Two stories told in three headlines each.
HEADLINES = [
    "Volcano erupts near Reykjavik, flights grounded",
    "Iceland volcano eruption forces Reykjavik airport closure",
    "Reykjavik residents watch lava flow from erupting volcano",
    "Central bank raises interest rates to curb inflation",
    "Inflation worries push central bank to raise rates again",
    "Markets slip after central bank rate rise",
]


def mixed_records(stories: dict[str, str], template: dict[str, list[str]]) -> list[dict]:
    """A feed with something for every stage: five stories on one templated site, four copies
    of a sixth (one re-wrapped in the template, one truncated, one copy-edited), and two stories
    told in three headlines each (related, not duplicates)."""
    harbour = stories["harbour"]
    records = [
        {"id": name, "title": f"{name.title()} story", "source": "insights",
         "text": wrap_in_template(stories[name], template)}
        for name in ("vaccine", "election", "robot", "drought", "museum")
    ]  # fmt: skip
    records += [
        {"id": "h-original", "title": "Harbour plan", "text": harbour,
         "published": "2024-03-01", "source": "wire"},
        {"id": "h-copy", "title": "Harbour plan approved",
         "text": harbour.replace("announced on Tuesday", "said on Tuesday"),
         "published": "2024-03-03", "source": "daily"},
        {"id": "h-truncated", "title": "Harbour", "text": "\n".join(harbour.split("\n")[:4]),
         "published": "2024-03-02", "source": "paper"},
        {"id": "h-templated", "title": "Harbour plan", "source": "insights",
         "text": wrap_in_template(harbour, template)},
    ]  # fmt: skip
    records += [{"id": f"headline-{i}", "text": text} for i, text in enumerate(HEADLINES)]
    return records


def text_hashes_before(texts: list[str], salts: np.ndarray | None = None) -> np.ndarray:
    """dedup.shingle.text_hashes as it was before the ASCII texts were encoded apart and the
    polynomials summed by np.add.reduceat: each piece of texts joined, encoded and hashed by
    segment_hashes from prefix sums. What the faster one must give, bit for bit."""
    lengths = np.fromiter(map(len, texts), dtype=np.int64, count=len(texts))
    ends = np.cumsum(lengths)
    total = int(ends[-1]) if ends.size else 0
    step = shingle._CHUNK_BYTES
    cuts = np.searchsorted(ends, np.arange(step, total, step), side="right")
    bounds = np.unique(np.concatenate([[0], cuts, [len(texts)]])).tolist()
    parts = [np.zeros(0, dtype=np.uint64)]
    for start, stop in itertools.pairwise(bounds):
        joined = "".join(texts[start:stop])
        buffer = np.frombuffer(joined.encode("utf-8"), dtype=np.uint8)
        text_ends = ends[start:stop] - (ends[start - 1] if start else 0)
        if buffer.size != len(joined):
            text_ends = shingle._byte_offsets(buffer, text_ends)
        text_starts = np.concatenate([[0], text_ends[:-1]])
        piece_salts = None if salts is None else salts[start:stop]
        parts.append(shingle.segment_hashes(buffer, text_starts, text_ends, piece_salts))
    return np.concatenate(parts)
