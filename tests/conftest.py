"""Shared fixtures: six made-up news stories and one site template, built by the tests."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from dedup import Article

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
