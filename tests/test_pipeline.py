from datetime import datetime

import pytest
from conftest import HEADLINES, SEEDS, make_article, wrap_in_template

from dedup import DedupConfig, find_duplicates, read_articles
from dedup.config import BoilerplateConfig, LSHConfig, VerifyConfig


def copy_edit(text: str) -> str:
    return (
        text.replace("announced on Tuesday", "said on Tuesday")
        .replace("about 200 jobs", "some 200 jobs")
        .replace("Local fishermen", "Fishermen")
    )


@pytest.fixture
def feed(stories, site_template):
    """Five different stories on one templated site, and four copies of a sixth."""
    harbour = stories["harbour"]
    articles = [
        make_article(name, wrap_in_template(stories[name], site_template), source="insights")
        for name in ("vaccine", "election", "robot", "drought", "museum")
    ]
    truncated = "\n".join(harbour.split("\n")[:4])
    articles += [
        make_article("h-copyedit", copy_edit(harbour), source="daily",
                     published=datetime(2024, 3, 3)),
        make_article("h-original", harbour, source="wire", published=datetime(2024, 3, 1)),
        make_article("h-truncated", truncated, source="paper", published=datetime(2024, 3, 2)),
        make_article("h-templated", wrap_in_template(harbour, site_template), source="insights"),
    ]  # fmt: skip
    return articles


def test_pipeline_finds_copies_and_not_template_sharing_stories(feed):
    result = find_duplicates(feed)
    ids = [a.id for a in result.articles]
    pairs = {(ids[m.a], ids[m.b]): m.relation for m in result.matches}
    assert pairs == {
        ("h-copyedit", "h-original"): "near",
        ("h-copyedit", "h-truncated"): "contained",
        ("h-copyedit", "h-templated"): "near",
        ("h-original", "h-truncated"): "contained",
        ("h-original", "h-templated"): "exact",
        ("h-truncated", "h-templated"): "contained",
    }
    (cluster,) = result.duplicate_clusters
    assert ids[cluster.representative] == "h-original"
    assert {ids[m.index]: m.relation for m in cluster.members} == {
        "h-original": "representative",
        "h-copyedit": "near",
        "h-truncated": "contained",
        "h-templated": "exact",
    }
    assert result.related_clusters == []
    assert {ids[i] for i in result.removed()} == {"h-copyedit", "h-truncated", "h-templated"}


def test_pipeline_without_template_removal_proposes_template_sharing_pairs(feed):
    """The control: with templates left in, LSH proposes pairs of different stories."""
    with_removal = find_duplicates(feed)
    without = find_duplicates(feed, DedupConfig(boilerplate=BoilerplateConfig(enabled=False)))
    assert without.candidates > with_removal.candidates + 5


def test_pipeline_keep_rule_changes_representative(feed):
    result = find_duplicates(feed, DedupConfig(keep="first"))
    assert result.articles[result.duplicate_clusters[0].representative].id == "h-copyedit"


def test_pipeline_reports_stage_timings_and_lsh_params(feed):
    result = find_duplicates(feed, DedupConfig(lsh=LSHConfig(threshold=0.3)))
    assert list(result.timings) == [
        "read", "templates", "shingles", "signatures", "tfidf", "candidates", "related",
        "verify", "clusters",
    ]  # fmt: skip
    assert (result.lsh.bands, result.lsh.rows) == (37, 3)


def test_pipeline_seeds_are_two_different_stories():
    articles = read_articles([SEEDS]).articles
    result = find_duplicates(articles)
    assert [a.id for a in articles] == ["000_32dec75a06a3609d", "004_fd478338264ebd19"]
    assert [m.relation for m in result.matches if m.relation != "related"] == []
    # The second seed's paywall prompt, repeated three times, is recognised as a template.
    assert result.cleaned[1].removed.count("Need to access the insight?") == 3


class _Recorder:
    def __init__(self) -> None:
        self.stages: list[tuple[str, int]] = []
        self.steps = 0

    def start(self, stage: str, total: int) -> None:
        self.stages.append((stage, total))

    def advance(self, steps: int = 1) -> None:
        self.steps += steps


def test_pipeline_reports_progress(feed):
    recorder = _Recorder()
    find_duplicates(feed, progress=recorder)
    assert [stage for stage, _ in recorder.stages] == [
        "reading, template statistics", "shingles, signatures", "LSH candidates",
        "related-story search", "verifying",
    ]  # fmt: skip
    assert recorder.steps == len(feed) + sum(total for _, total in recorder.stages[1:])


# Two stories told in three headlines each (HEADLINES, from conftest), and four earnings briefs
# of four companies on one wire template: the briefs' bodies share most of their words, their
# titles only the template.
COMPANIES = ["ACME CORP <ACM>", "GLOBEX INC <GBX>", "INITECH LTD <INT>", "UMBRELLA CO <UMB>"]


def earnings_brief(number: int) -> str:
    a, b = 10 + number, 20 + 3 * number
    return (
        f"Shr {a} cts vs {b} cts\nNet {a}.5 mln vs {b}.2 mln\nRevs {a}0.1 mln vs {b}9.3 mln\n"
        f"Nine mths\nShr {a + 1} dlrs vs {b + 2} dlrs\nNet {a}1.5 mln vs {b}2.6 mln\n"
        f"Revs {a}08.4 mln vs {b}77.1 mln\nNote: Net includes gain of {a} cts a share."
    )


@pytest.fixture
def stories_and_briefs():
    articles = [make_article(f"h{i}", text) for i, text in enumerate(HEADLINES)]
    articles += [
        make_article(f"b{i}", earnings_brief(i), title=f"{company} 3RD QTR NET")
        for i, company in enumerate(COMPANIES)
    ]
    return articles


def test_pipeline_related_stories_without_templated_briefs(stories_and_briefs):
    result = find_duplicates(stories_and_briefs)
    assert result.duplicate_clusters == []
    # No dates: each story is represented by its longest headline (--keep earliest).
    assert [
        (c.kind, c.representative, sorted(m.index for m in c.members))
        for c in result.related_clusters
    ] == [("related", 1, [0, 1, 2]), ("related", 4, [3, 4, 5])]


def test_pipeline_briefs_glue_without_the_distinctive_word_check(stories_and_briefs):
    """The guard is what keeps the briefs apart: requiring only some shared word glues them."""
    config = DedupConfig(verify=VerifyConfig(distinctive_share=1.0))
    result = find_duplicates(stories_and_briefs, config)
    assert [sorted(m.index for m in c.members) for c in result.related_clusters] == [
        [6, 7, 8, 9], [0, 1, 2], [3, 4, 5]
    ]  # fmt: skip
