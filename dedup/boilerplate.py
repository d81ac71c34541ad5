"""Template and boilerplate removal: text blocks that recur across a run's articles.

Scraped pages carry their site's template (paywall prompts, newsletter pitches, teasers of other
stories), so two different stories from one site share much of their text. Blocks that recur in
many distinct articles of one source are that template; they are kept out of the shingles before
any similarity is computed, so only the story itself is compared.

A block is a line, or a paragraph of a hard-wrapped wire text (Reuters wraps at 70 columns, and
its wrapped fragments such as "said." recur everywhere without being a template).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from .config import BoilerplateConfig
from .normalize import join_hyphenated, normalize_text
from .types import Article

_INDENTED = re.compile(r"^[ \t]+\S")
# A line repeated inside one article is a prompt ("Subscribe now", "Need to access the
# insight?"), not prose, when it is this short.
_MAX_REPEATED_PROMPT_WORDS = 40


@dataclass(frozen=True)
class CleanedArticle:
    """An article's body with its template blocks removed.

    Attributes:
        text: the normalized body that similarity is computed on.
        removed: the original blocks that were recognised as template, in order.
    """

    text: str
    removed: tuple[str, ...]


def split_blocks(text: str) -> list[str]:
    """Split a body into blocks: lines, or paragraphs when the text is hard-wrapped."""
    lines = join_hyphenated(text).splitlines()
    if not _looks_hard_wrapped(lines):
        return [line.strip() for line in lines if line.strip()]
    blocks: list[str] = []
    current: list[str] = []
    for line in lines:
        if not line.strip() or _INDENTED.match(line):
            if current:
                blocks.append(" ".join(current))
            current = [line.strip()] if line.strip() else []
        else:
            current.append(line.strip())
    if current:
        blocks.append(" ".join(current))
    return blocks


def _looks_hard_wrapped(lines: list[str]) -> bool:
    """Wire copy wrapped at a fixed width: many lines, nearly all of them short."""
    filled = [line for line in lines if line.strip()]
    if len(filled) < 4:
        return False
    short = sum(1 for line in filled if len(line) <= 80)
    return short >= 0.9 * len(filled) and max(len(line) for line in filled) <= 100


def remove_boilerplate(
    articles: Sequence[Article], config: BoilerplateConfig
) -> list[CleanedArticle]:
    """Find the template blocks of a run and return each article's body without them.

    A block is template when, after normalization, it occurs in at least ``config.min_docs``
    distinct bodies of one source (exact copies count once, so a story sent five times is not
    mistaken for a template), or when a short block repeats inside one article. An article that
    would lose more than ``config.max_removed_fraction`` of its words keeps its whole body.
    """
    originals = [split_blocks(article.text) for article in articles]
    blocks = [[normalize_text(block) for block in article_blocks] for article_blocks in originals]
    if not config.enabled:
        return [CleanedArticle(_join(article_blocks), ()) for article_blocks in blocks]
    frequent = _frequent_blocks(articles, blocks, config.min_docs)
    cleaned = []
    for article, original, article_blocks in zip(articles, originals, blocks, strict=True):
        template = _template_positions(article_blocks, frequent.get(article.source, set()))
        cleaned.append(_clean(original, article_blocks, template, config))
    return cleaned


def _frequent_blocks(
    articles: Sequence[Article], blocks: list[list[str]], min_docs: int
) -> dict[str | None, set[str]]:
    counts: dict[str | None, Counter[str]] = {}
    seen_bodies: set[tuple[str | None, tuple[str, ...]]] = set()
    for article, article_blocks in zip(articles, blocks, strict=True):
        body_key = (article.source, tuple(article_blocks))
        if body_key in seen_bodies:
            continue
        seen_bodies.add(body_key)
        counts.setdefault(article.source, Counter()).update(set(article_blocks))
    return {
        source: {block for block, count in counter.items() if count >= min_docs}
        for source, counter in counts.items()
    }


def _template_positions(article_blocks: list[str], frequent: set[str]) -> set[int]:
    repeats = Counter(article_blocks)
    return {
        i
        for i, block in enumerate(article_blocks)
        if block in frequent
        or (repeats[block] > 1 and len(block.split()) <= _MAX_REPEATED_PROMPT_WORDS)
    }


def _clean(
    original: list[str], article_blocks: list[str], template: set[int], config: BoilerplateConfig
) -> CleanedArticle:
    kept = [block for i, block in enumerate(article_blocks) if i not in template and block]
    total_words = sum(len(block.split()) for block in article_blocks)
    kept_words = sum(len(block.split()) for block in kept)
    if not template or total_words - kept_words > config.max_removed_fraction * total_words:
        return CleanedArticle(_join(article_blocks), ())
    removed = tuple(original[i] for i in sorted(template))
    return CleanedArticle(_join(kept), removed)


def _join(blocks: list[str]) -> str:
    return " ".join(block for block in blocks if block)
