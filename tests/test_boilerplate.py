import re
from collections import Counter

import numpy as np
import pytest
from conftest import make_article, mixed_records, text_hashes_before, wrap_in_template

from dedup import boilerplate
from dedup.boilerplate import (
    TemplateCounter,
    block_keys,
    body_key,
    chunk_keys,
    normalize_blocks,
    remove_boilerplate,
    split_blocks,
)
from dedup.config import BoilerplateConfig
from dedup.normalize import join_hyphenated, normalize_text


def test_boilerplate_split_blocks_lines_of_web_text():
    assert split_blocks("Title line\n\n  First para.  \nSecond para.\n") == [
        "Title line",
        "First para.",
        "Second para.",
    ]


def test_boilerplate_split_blocks_rejoins_hard_wrapped_wire_paragraphs():
    wire = (
        "Showers continued throughout the week in\nthe Bahia cocoa zone, said.\n"
        "    The dry period means the temporao will be\nlate this year.\n"
        "    Arrivals for the week were 155,221 bags\nof 60 kilos.\n"
    )
    assert split_blocks(wire) == [
        "Showers continued throughout the week in the Bahia cocoa zone, said.",
        "The dry period means the temporao will be late this year.",
        "Arrivals for the week were 155,221 bags of 60 kilos.",
    ]


def _split_blocks_line_by_line(text: str) -> list[str]:
    """split_blocks as first written, a line at a time: what the faster one must give."""
    lines = join_hyphenated(text).splitlines()
    stripped = [line.strip() for line in lines]
    filled = [len(line) for line, content in zip(lines, stripped, strict=True) if content]
    wrapped = (
        len(filled) >= 4
        and max(filled) <= 100
        and sum(length <= 80 for length in filled) >= 0.9 * len(filled)
    )
    if not wrapped:
        return [content for content in stripped if content]
    blocks: list[str] = []
    current: list[str] = []
    for line, content in zip(lines, stripped, strict=True):
        if not content or re.match(r"^[ \t]+\S", line):
            if current:
                blocks.append(" ".join(current))
            current = [content] if content else []
        else:
            current.append(content)
    if current:
        blocks.append(" ".join(current))
    return blocks


_WRAPPED = ["Short line one of wire copy", "second line", "third line here", "fourth line"]


@pytest.mark.parametrize(
    "text",
    [
        "\r\n".join(_WRAPPED),  # CRLF
        "\x85".join(_WRAPPED),
        "\u2028".join(_WRAPPED) + "\u2029" + "    indented after a paragraph separator",
        "\n".join(_WRAPPED) + "\r",
        "\x0b\x0c".join(_WRAPPED) + "\x1c\x1d\x1e".join(_WRAPPED),
        "\n    ".join(_WRAPPED),  # indented by blanks
        "\n\t".join(_WRAPPED),  # by tabs
        "\n \t ".join(_WRAPPED),
        "\n  \x1f".join(_WRAPPED),  # a blank then a unit separator: not indented
        "\n \u00a0".join(_WRAPPED),  # a blank then a no-break space: not indented
        "\n\u3000".join(_WRAPPED),
        "    " + "\n".join(_WRAPPED),  # the first line indented
        "\n\n".join(_WRAPPED),  # blank lines
        "\n \t\n".join(_WRAPPED) + "\n   \n\n",  # blank lines of spaces, at the end too
        "\n\n\n    " + "\n".join(_WRAPPED),
        "  \t".join(_WRAPPED) + "\n" + "\n".join(_WRAPPED),  # tabs inside lines
        "\n".join(line + "  " for line in _WRAPPED),  # trailing blanks
        "\n".join(line + "\u2003" for line in _WRAPPED),
        "\n".join(_WRAPPED) + "\ninfor-\n    mation gov-  \r\nernment well-\n\nknown",  # hyphens
        "\n".join(["x" * 85] + _WRAPPED * 3),  # a long line among short ones
        "\n".join(["x" * 85] * 2 + _WRAPPED),  # too many long lines
        "\n".join(["x" * 101] + _WRAPPED * 5),
        "\n".join(["\u00a0" * 101] + _WRAPPED),  # a long blank line does not count
        "\n".join(_WRAPPED[:3]) + "\n\n",  # too few lines
        "Web text\n\n  A paragraph per line.  \n\tAnother\n",
        "",
        " \n\t\n",
    ],
)
def test_boilerplate_split_blocks_as_line_by_line(text: str) -> None:
    assert split_blocks(text) == _split_blocks_line_by_line(text)


def test_boilerplate_removes_a_shared_site_template(stories, site_template):
    pages = [
        make_article(name, wrap_in_template(story, site_template), source="insights")
        for name, story in stories.items()
    ]
    cleaned = remove_boilerplate(pages, BoilerplateConfig(min_docs=4))
    for page, (name, story) in zip(cleaned, stories.items(), strict=True):
        assert page.text == normalize_text(story), name
        assert "Need to access the insight?" in page.removed
        assert "Stay informed" in page.removed


def test_boilerplate_counts_per_source(stories, site_template):
    """The template recurs in three pages of each source: below min_docs=4 in both."""
    names = list(stories)
    pages = [
        make_article(name, wrap_in_template(stories[name], site_template), source=f"site{i % 2}")
        for i, name in enumerate(names)
    ]
    cleaned = remove_boilerplate(pages, BoilerplateConfig(min_docs=4))
    # Only the paywall prompt goes: it repeats inside each page.
    prompt = ("Need to access the insight?", "Start your 7-day free trial now")
    assert all(page.removed == prompt * 3 for page in cleaned)


def test_boilerplate_keeps_copies_of_one_story_whole(stories):
    """Five copies of one story: exact copies count once, so nothing is a template."""
    copies = [make_article(f"c{i}", stories["harbour"], source="wire") for i in range(5)]
    cleaned = remove_boilerplate(copies, BoilerplateConfig(min_docs=2))
    assert all(page.removed == () for page in cleaned)
    assert cleaned[0].text == normalize_text(stories["harbour"])


def test_boilerplate_never_strips_most_of_an_article(stories):
    """Near-copies (one changed line each) share five of six lines: a story, not a template."""
    lines = stories["museum"].split("\n")
    copies = [
        make_article(f"c{i}", "\n".join(lines[:5] + [f"Update number {i} added here."]))
        for i in range(5)
    ]
    cleaned = remove_boilerplate(copies, BoilerplateConfig(min_docs=3, max_removed_fraction=0.8))
    assert all(page.removed == () for page in cleaned)


def test_boilerplate_disabled_keeps_everything(stories, site_template):
    page = make_article("p", wrap_in_template(stories["robot"], site_template))
    (cleaned,) = remove_boilerplate([page], BoilerplateConfig(enabled=False))
    assert cleaned.removed == ()
    assert "need to access the insight?" in cleaned.text


def frequent_blocks_by_string(articles, min_docs):
    """The template statistics as first written: normalized block strings per source, each
    distinct body counted once."""
    counts: dict = {}
    seen = set()
    for article in articles:
        blocks = normalize_blocks(article.text)[1]
        if (article.source, tuple(blocks)) in seen:
            continue
        seen.add((article.source, tuple(blocks)))
        counts.setdefault(article.source, Counter()).update(set(blocks))
    return {
        (source, block)
        for source, counter in counts.items()
        for block, count in counter.items()
        if count >= min_docs
    }


def test_boilerplate_block_keys_count_as_the_strings_do(stories, site_template):
    records = mixed_records(stories, site_template) * 2  # every body twice: counted once
    articles = [make_article(r["id"], r["text"], source=r.get("source")) for r in records]
    for min_docs in (2, 4, 6, 7):
        expected = frequent_blocks_by_string(articles, min_docs)
        # Fed in chunks of three, as a streamed run feeds it.
        counter = TemplateCounter()
        for start in range(0, len(articles), 3):
            part = articles[start : start + 3]
            keys = [block_keys(a.source, normalize_blocks(a.text)[1]) for a in part]
            distinct = [np.unique(k) for k in keys]
            offsets = np.cumsum([0] + [d.size for d in distinct])
            bodies = [body_key(a.source, k) for a, k in zip(part, keys, strict=True)]
            counter.add(bodies, np.concatenate(distinct), offsets)
        every_block = {(a.source, block) for a in articles for block in normalize_blocks(a.text)[1]}
        found = {
            (source, block)
            for source, block in every_block
            if np.isin(block_keys(source, [block]), counter.frequent(min_docs)).all()
        }
        assert found == expected, min_docs
    assert ("insights", "stay informed") in frequent_blocks_by_string(articles, 6)


@pytest.mark.parametrize(
    "text",
    [
        "Plain ASCII line.\nSecond  line with\ttabs and\x1fa separator",
        "\u00a8Diaeresis starts a block\nno-break\u00a0space \u2003 em space\nend\u00b4",
        "Caf\u00e9 \u201cquoted\u201d \u2014 dash\n\u0301combining first\nogham\u1680space",
        "\ufb01ne \u2126 STRASSE Stra\u00dfe",
        "",
        "   \n\n  ",
        "\u00a8\n\u00a8x\ny\u00b4\nz",  # blocks that NFKC starts or ends with a blank
        "a\u00ad b\nc \u200b\n\u200b d",  # dropped characters leave blanks
        "\u039f\u0394\u03a5\u03a3\u03a3\u0395\u03a5\u03a3 \u03a3 \u03c3\u03c2\n"
        "\u0130stanbul \u0131",  # Greek sigmas, Turkish i
        "\u13a0\u13a1 \uab70\uab71\n\U00010400\U00010428 \U0001d504",  # Cherokee, Deseret
        # many characters to fold
        "\u0410\u0411\u0412\u0413\u0414\u0415\u0416\u0417\u0418\u0419 \u00c9T\u00c9",
        "\n".join(_WRAPPED)
        + "\n    \u201cQuoted\u201d \u00a3 5\t\u2014 wire\n"
        + "\n".join(_WRAPPED),
        "\n    ".join(_WRAPPED) + "\nrun  of blanks",
        "\n    ".join(_WRAPPED) + "\ntab\tinside",
        "tab\t\n" + "\n".join(_WRAPPED),  # a tab outside every block
    ],
)
def test_normalize_blocks_normalizes_each_block_as_normalize_text_does(text):
    original, normalized = normalize_blocks(text)
    assert original == split_blocks(text)
    assert normalized == [normalize_text(block) for block in original]


def test_boilerplate_block_keys_tell_blocks_and_sources_apart():
    blocks = ["subscribe now", "stay informed", "subscribe now", "", "café über straße", "", "a"]
    keys = block_keys("site", blocks).tolist()
    assert len(keys) == len(blocks)
    assert keys[0] == keys[2] and keys[3] == keys[5]  # equal blocks of one source
    assert len({keys[0], keys[1], keys[3], keys[4], keys[6]}) == 5  # different blocks
    assert block_keys("site", ["subscribe now"]).tolist() == [keys[0]]  # alone too
    for other in ("other", "", None):  # the same block in another source
        assert set(block_keys(other, blocks).tolist()).isdisjoint(keys), other
    assert block_keys(None, ["x"]) != block_keys("", ["x"])
    assert block_keys("site", []).size == 0
    assert block_keys("site", blocks).dtype == np.uint64


def test_boilerplate_body_key_is_of_the_blocks_in_order_within_the_source():
    one, two = block_keys("site", ["first", "second"]), block_keys("site", ["second", "first"])
    assert body_key("site", one) == body_key("site", block_keys("site", ["first", "second"]))
    assert body_key("site", one) != body_key("site", two)  # order counts
    assert body_key("site", one) != body_key("site", one[:1])
    empty = np.zeros(0, dtype=np.uint64)
    assert body_key("site", empty) != body_key("other", empty)


def test_boilerplate_chunk_keys_equal_each_article_on_its_own():
    sources = ["site", "site", None, "other", "site", "site"]
    blocks = [
        ["subscribe now", "the story", "subscribe now", "stay informed"],
        ["stay informed", "another story"],
        [],  # an article without blocks
        ["", "日本語のニュース", "😀 émoji"],
        ["subscribe now", "the story", "subscribe now", "stay informed"],  # a copy
        [""],
    ]
    keys = chunk_keys(sources, blocks)
    assert keys.offsets.tolist() == [0, 4, 6, 6, 9, 13, 14]
    alone = [block_keys(source, article) for source, article in zip(sources, blocks, strict=True)]
    assert [part.tolist() for part in keys.split()] == [part.tolist() for part in alone]
    assert keys.bodies.tolist() == [
        body_key(source, part) for source, part in zip(sources, alone, strict=True)
    ]
    assert keys.bodies[0] == keys.bodies[4] and len(set(keys.bodies.tolist())) == 5
    distinct = [np.unique(part) for part in alone]
    assert keys.distinct.tolist() == np.concatenate(distinct).tolist()
    assert keys.distinct_offsets.tolist() == np.cumsum([0] + [d.size for d in distinct]).tolist()


def test_boilerplate_chunk_keys_of_no_articles_are_empty():
    keys = chunk_keys([], [])
    assert keys.keys.size == 0 and keys.bodies.size == 0 and keys.distinct.size == 0
    assert keys.offsets.tolist() == [0] and keys.distinct_offsets.tolist() == [0]
    assert keys.split() == []


def test_boilerplate_chunk_keys_equal_the_former_text_hashes(monkeypatch):
    """Every field of chunk_keys as it was with the former text_hashes: empty articles, one
    block, repeated blocks, non-ASCII blocks, many sources."""
    sources = [f"site{i % 13}" if i % 5 else None for i in range(60)] + ["", "ü"]
    pool = ["subscribe now", "the story", "", "café über straße", "日本語のニュース", "😀 émoji"]
    pool += [f"block {i} " * (i % 9) for i in range(40)]
    articles = [[pool[(i * 7 + j * 3) % len(pool)] for j in range(i % 6)] for i in range(62)]
    articles[3] = ["one block"]
    articles[4] = ["repeated", "repeated", "other", "repeated"]
    articles[5] = ["ascii only", "so far"]
    cases = [(sources, articles), ([], []), (["site"], [[]]), (["site", "site"], [[], [""]])]
    cases.append((sources[:1], [["ä"]]))
    for case_sources, case_articles in cases:
        new = chunk_keys(case_sources, case_articles)
        with monkeypatch.context() as patch:
            patch.setattr(boilerplate, "text_hashes", text_hashes_before)
            before = chunk_keys(case_sources, case_articles)
        for field in ("keys", "offsets", "bodies", "distinct", "distinct_offsets"):
            got, expected = getattr(new, field), getattr(before, field)
            assert got.dtype == expected.dtype and got.tolist() == expected.tolist(), field
