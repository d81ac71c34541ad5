"""The scale-corpus generator of ``benchmarks/speed/make_corpus.py`` on a tiny hand-made pool."""

from __future__ import annotations

import random
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent.parent / "benchmarks" / "speed"))
make_corpus = pytest.importorskip("make_corpus")

STORIES = [
    "Oil prices rose on Monday after producers agreed to cut output.",
    "The central bank left its main rate unchanged at four percent.",
    "Shares of the carmaker fell after it warned of weaker sales in China.",
    "Farmers in the south reported the best harvest in a decade.",
    "The city council approved a new budget for schools and roads.",
    "Rain delayed the final of the tennis tournament by two hours.",
    "A new vaccine trial enrolled three thousand volunteers this spring.",
    "The airline said it would add twelve routes to Asia next year.",
]


@pytest.fixture(scope="module")
def pool() -> make_corpus.Pool:
    """Eight real-looking articles of three sentences each, in two datasets and layouts."""
    sentences: list[str] = []
    spans: dict[str, list[tuple[int, int]]] = {"wire": [], "web": []}
    models = []
    for i in range(8):
        dataset, style = ("wire", "indent") if i % 2 else ("web", "flat")
        spans[dataset].append((len(sentences), 3))
        sentences.extend(STORIES[(i + k) % 8] for k in range(3))
        models.append(make_corpus.Model(dataset, style, 60 + 10 * i, upper_title=i % 2 == 1))
    vocabulary = " ".join(STORIES).replace(".", "").split()
    return make_corpus.Pool(sentences, spans, models, vocabulary)


def test_make_corpus_labels_every_article_and_plants_copies_of_earlier_originals(pool):
    docs = list(make_corpus.generate(pool, 400, seed=3, copy_rate=0.2))
    ids = [doc.id for doc in docs]
    assert len(set(ids)) == 400
    position = {doc.id: i for i, doc in enumerate(docs)}
    copies = [doc for doc in docs if doc.family != "original"]
    assert 40 <= len(copies) <= 120
    assert {doc.family for doc in copies} <= set(make_corpus.COPY_FAMILIES)
    for doc in docs:
        if doc.family == "original":
            assert doc.group == doc.id
        else:
            assert position[doc.group] < position[doc.id]
            assert docs[position[doc.group]].family == "original"
        assert doc.gold()["role"] == ("original" if doc.family == "original" else "copy")
        assert len(doc.text.split()) >= 5


def test_make_corpus_is_seeded(pool):
    first = [doc.record() for doc in make_corpus.generate(pool, 50, seed=9)]
    again = [doc.record() for doc in make_corpus.generate(pool, 50, seed=9)]
    other = [doc.record() for doc in make_corpus.generate(pool, 50, seed=10)]
    assert first == again
    assert first != other


def test_make_corpus_originals_reach_the_minimum_length(pool):
    originals = [d for d in make_corpus.generate(pool, 100, seed=1) if d.family == "original"]
    assert all(len(doc.text.split()) >= make_corpus.MIN_WORDS for doc in originals)


def test_make_corpus_wrap_words_keeps_words_and_width():
    words = ("alpha beta gamma delta epsilon zeta eta theta iota kappa " * 5).split()
    text = make_corpus.wrap_words(words, 30, indent="    ")
    assert text.split() == words
    assert text.startswith("    alpha")
    assert all(len(line) <= 30 for line in text.split("\n"))


def test_make_corpus_substitute_replaces_about_the_rate():
    words = ["word"] * 10_000
    make_corpus.substitute(words, 0.1, ["other"], random.Random(0))
    assert 800 <= words.count("other") <= 1200


def test_make_corpus_check_distinct_finds_the_overlap():
    text = " ".join(STORIES)
    report = make_corpus.check_distinct([text, text, "completely different words here now"])
    assert report["max_jaccard"] == 1.0
    assert report["pairs_jaccard_ge_0.3"] == 1
