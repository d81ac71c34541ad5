"""Generate a seeded scale corpus of N articles from the real ones, with planted copies.

Why: issue 5 measures speed and memory at 200k and 1M articles, but ``realnews_combined`` holds
25,792. This script synthesises new, mutually distinct articles from the real ones and plants
copies of about 10% of them with realistic edits, so a run can also be scored.

Each synthetic original takes a random real article as its model (dataset, layout and length:
the length distribution is the real one, median 107 words, mean 212; at least 50 words) and
fills that length with runs of 1-3 consecutive sentences drawn from random real articles of the
same dataset, each run at most 30% of the article. One word in ten is then replaced by a word
drawn from the real vocabulary (by frequency). A real sentence recurs in about 40 synthetic
articles at 1M; the cap on a run and the replacements keep any two of them apart (sharing one
run, they share under 30% of their text and, of that, about a third of the word 5-grams: far
below any near-duplicate threshold; ``--check-sample`` measures the largest overlap in a sample).
Articles are spread over ``size // 500`` outlets (at least 50), as a large crawl comes from many
sites; so a reused line seldom recurs within one outlet, where ``dedup`` would take it for a
site template.

Planted copies (``--copy-rate``, 10%) copy a recent original (one of the last 10,000) through the
edits of ``benchmarks/quality/make_syndication_set.py``: ``exact``, ``reprint`` (re-wrapped
lines, other typography), ``truncate`` (first 40-80%), ``copyedit`` (a word inserted, deleted or
re-cased every 15-25 words), ``headline`` (new headline and dateline) and ``combined`` (2-3 of
those); a copy is published by another outlet up to two days later.

Usage::

    python benchmarks/speed/make_corpus.py --size 200000 [--seed 5] [--out DIR]

Outputs in ``--out`` (default ``benchmarks/speed/data/<size>/``, git-ignored: the real
articles are research-use only): ``documents.jsonl`` (id, title, text, source, published,
dataset; what ``dedup find`` reads), ``gold.jsonl`` (one line per article: id, group, family,
role; copies share their original's group) and ``manifest.json`` (counts, timing, the
distinctness check). Generation streams: only the pool of real sentences and the last 10,000
originals are in memory. The same seed, size and input give identical files.
"""

from __future__ import annotations

import argparse
import gzip
import json
import random
import re
import sys
import time
from collections import Counter, defaultdict, deque
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
DEFAULT_DATA = REPO.parent / "shared" / "data" / "realnews_combined" / "documents.jsonl.gz"
DEFAULT_OUT = HERE / "data"

sys.path.insert(0, str(HERE.parent / "quality"))
from baselines import word_shingles  # noqa: E402
from make_syndication_set import (  # noqa: E402
    EditContext,
    detect_style,
    edit_copyedit,
    edit_headline,
    edit_reprint,
    edit_truncate,
    near_title,
    paragraphs,
    rewrite_title,
    sentences,
)

MIN_WORDS = 50  # shorter synthetic bodies would be one reused sentence run: near-duplicates
RUN_SHARE = 0.3  # one run of real sentences fills at most this share of an article
SUBSTITUTION_RATE = 0.1  # share of words replaced in each synthetic original
RECENT = 10_000  # copies are made of one of this many most recent originals
WRAP_WIDTH = 69  # Reuters hard-wraps at 69 characters
START = datetime(2024, 1, 1)
COPY_FAMILIES = ("exact", "reprint", "truncate", "copyedit", "headline", "combined")
COPY_WEIGHTS = (0.10, 0.20, 0.20, 0.20, 0.15, 0.15)
CHAIN = ("headline", "truncate", "copyedit", "reprint")  # order of a combined copy's edits
EDITS = {
    "reprint": edit_reprint,
    "truncate": edit_truncate,
    "copyedit": edit_copyedit,
    "headline": edit_headline,
}
_WORD = re.compile(r"[A-Za-z]+")


@dataclass(frozen=True)
class Model:
    """A real article as a model for a synthetic one: what kind of article, how long."""

    dataset: str
    style: str
    words: int
    upper_title: bool


@dataclass
class Pool:
    """The real articles reduced to what generation draws from.

    Args:
        sentences: every real sentence, article after article.
        spans: per dataset, the ``(start, count)`` of each article's sentences in ``sentences``.
        models: one per real article.
        vocabulary: real words, with repeats (a frequency-weighted sample).
    """

    sentences: list[str]
    spans: dict[str, list[tuple[int, int]]]
    models: list[Model]
    vocabulary: list[str]


@dataclass
class Doc:
    """One generated article and its gold label."""

    id: str
    title: str
    text: str
    source: str
    published: datetime
    dataset: str
    style: str
    group: str
    family: str

    def record(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "title": self.title,
            "text": self.text,
            "source": self.source,
            "published": self.published.isoformat(),
            "dataset": self.dataset,
        }

    def gold(self) -> dict[str, Any]:
        role = "original" if self.family == "original" else "copy"
        return {"id": self.id, "group": self.group, "family": self.family, "role": role}


def load_pool(path: Path, vocabulary_step: int = 7) -> Pool:
    """Split every real article into sentences; keep its dataset, layout and length."""
    pool = Pool(sentences=[], spans=defaultdict(list), models=[], vocabulary=[])
    with gzip.open(path, "rt", encoding="utf-8") as stream:
        for line in stream:
            raw = json.loads(line)
            text = raw.get("text", "").replace("\r\n", "\n").strip()
            words = text.split()
            if not words:
                continue
            dataset = raw.get("dataset", "")
            found = [s for paragraph in paragraphs(text) for s in sentences(paragraph)]
            pool.spans[dataset].append((len(pool.sentences), len(found)))
            pool.sentences.extend(found)
            title = raw.get("title", "")
            upper = title.isupper()
            pool.models.append(Model(dataset, detect_style(text), len(words), upper))
            pool.vocabulary.extend(_WORD.findall(" ".join(words[::vocabulary_step])))
    pool.spans = dict(pool.spans)
    return pool


def wrap_words(words: Sequence[str], width: int, indent: str = "") -> str:
    """Greedy hard wrap of words at ``width`` (``textwrap.fill`` is ten times slower)."""
    lines: list[str] = []
    line = indent
    for word in words:
        if len(line) + len(word) >= width and line.strip():
            lines.append(line)
            line = word
        elif line.strip():
            line += " " + word
        else:
            line += word
    lines.append(line)
    return "\n".join(lines)


def render(paras: Sequence[list[str]], style: str) -> str:
    """Lay paragraphs of words out as the model article's dataset does."""
    if style in ("indent", "wrapped"):  # Reuters: hard-wrapped, later paragraphs indented
        blocks = [wrap_words(p, WRAP_WIDTH, "    " if i else "") for i, p in enumerate(paras)]
        return "\n".join(blocks)
    sep = {"blank": "\n\n", "lines": "\n"}.get(style, " ")
    return sep.join(" ".join(p) for p in paras)


def substitute(
    words: list[str], rate: float, vocabulary: Sequence[str], rng: random.Random
) -> None:
    """Replace about ``rate`` of the words in place, keeping an initial capital."""
    i = int(rng.expovariate(rate))
    while i < len(words):
        new = vocabulary[rng.randrange(len(vocabulary))]
        words[i] = new.capitalize() if words[i][:1].isupper() else new.lower()
        i += 1 + int(rng.expovariate(rate))


def synthesize(pool: Pool, rng: random.Random) -> tuple[str, str, str, str]:
    """A new article: runs of real sentences from random articles of one dataset, words swapped.

    Returns:
        The title, text, dataset and layout style.
    """
    model = pool.models[rng.randrange(len(pool.models))]
    spans = pool.spans[model.dataset]
    target = max(model.words, MIN_WORDS)
    paras: list[list[str]] = []
    count = 0
    longest = max(12, int(RUN_SHARE * target))
    while count < target:
        start, n = spans[rng.randrange(len(spans))]
        if not n:
            continue
        first = start + rng.randrange(n)
        last = min(first + rng.randint(1, 3), start + n)
        words = " ".join(pool.sentences[first:last]).split()[: min(longest, target - count)]
        paras.append(words)
        count += len(words)
    for words in paras:
        substitute(words, SUBSTITUTION_RATE, pool.vocabulary, rng)
    if model.style == "flat":  # web bodies arrive as one line
        paras = [[word for words in paras for word in words]]
    title = " ".join(paras[0][: rng.randint(5, 10)]).rstrip(",;:")
    title = title.upper() if model.upper_title else title
    return title, render(paras, model.style), model.dataset, model.style


def plant_copy(original: Doc, family: str, rng: random.Random) -> tuple[str, str, list[str]]:
    """A copy of ``original`` through one edit family (or a chain of them for ``combined``).

    Returns:
        The copy's title, its text and the edits applied in order.
    """
    if family == "exact":
        return original.title, original.text, []
    edits = [family]
    if family == "combined":
        edits = sorted(rng.sample(CHAIN, rng.randint(2, 3)), key=CHAIN.index)
    context = EditContext(donors=(), date=original.published)
    text = original.text
    for edit in edits:
        text = EDITS[edit](text, rng, context)
    if "headline" in edits:
        title = rewrite_title(original.title, rng)
    else:
        title = near_title(original.title, rng)
    return title, text, edits


def generate(pool: Pool, size: int, seed: int, copy_rate: float = 0.1) -> Iterator[Doc]:
    """Stream ``size`` articles: synthetic originals with planted copies among them.

    Args:
        pool: the real articles, from :func:`load_pool`.
        size: number of articles to yield.
        seed: seed of every random choice.
        copy_rate: share of the articles that are planted copies.
    """
    rng = random.Random(seed)
    outlets = [f"outlet-{k:04d}" for k in range(max(50, size // 500))]
    recent: deque[Doc] = deque(maxlen=RECENT)
    published = START
    for index in range(size):
        published += timedelta(seconds=rng.randint(1, 120))
        doc_id = f"a{index:07d}"
        if recent and rng.random() < copy_rate:
            original = recent[rng.randrange(len(recent))]
            family = rng.choices(COPY_FAMILIES, COPY_WEIGHTS)[0]
            title, text, _ = plant_copy(original, family, rng)
            source = rng.choice([o for o in rng.sample(outlets, 2) if o != original.source])
            when = original.published + timedelta(minutes=rng.randint(1, 2880))
            yield Doc(
                doc_id,
                title,
                text,
                source,
                when,
                original.dataset,
                original.style,
                original.group,
                family,
            )
            continue
        title, text, dataset, style = synthesize(pool, rng)
        doc = Doc(
            doc_id,
            title,
            text,
            rng.choice(outlets),
            published,
            dataset,
            style,
            doc_id,
            "original",
        )
        recent.append(doc)
        yield doc


def check_distinct(texts: Sequence[str], shingle_size: int = 5) -> dict[str, Any]:
    """Largest word 5-gram Jaccard and containment over all pairs of a sample of originals.

    An inverted index of the shingles gives the intersection of every pair that shares one.
    """
    sets = [word_shingles(text, shingle_size) for text in texts]
    postings: dict[str, list[int]] = defaultdict(list)
    for i, shingles in enumerate(sets):
        for shingle in shingles:
            postings[shingle].append(i)
    shared: Counter[tuple[int, int]] = Counter()
    for members in postings.values():
        if 1 < len(members) <= 50:  # a shingle in more than 50 texts is a stock phrase
            for k, a in enumerate(members):
                for b in members[k + 1 :]:
                    shared[a, b] += 1
    jaccard = [n / (len(sets[a]) + len(sets[b]) - n) for (a, b), n in shared.items()]
    containment = [n / min(len(sets[a]), len(sets[b])) for (a, b), n in shared.items()]
    return {
        "sample": len(texts),
        "pairs_sharing_a_shingle": len(shared),
        "max_jaccard": round(max(jaccard, default=0.0), 4),
        "max_containment": round(max(containment, default=0.0), 4),
        "pairs_jaccard_ge_0.3": sum(j >= 0.3 for j in jaccard),
    }


def write_corpus(
    pool: Pool, size: int, seed: int, out: Path, copy_rate: float, check_sample: int
) -> dict[str, Any]:
    """Write ``documents.jsonl`` and ``gold.jsonl``; return the manifest's figures."""
    out.mkdir(parents=True, exist_ok=True)
    families: Counter[str] = Counter()
    words = 0
    sample: list[str] = []
    step = max(1, size // max(check_sample, 1))
    documents = out / "documents.jsonl"
    gold = out / "gold.jsonl"
    with documents.open("w", encoding="utf-8") as docs, gold.open("w", encoding="utf-8") as labels:
        for index, doc in enumerate(generate(pool, size, seed, copy_rate)):
            docs.write(json.dumps(doc.record(), ensure_ascii=False) + "\n")
            labels.write(json.dumps(doc.gold()) + "\n")
            families[doc.family] += 1
            words += len(doc.text.split()) if index % 100 == 0 else 0
            if check_sample and doc.family == "original" and index % step == 0:
                sample.append(doc.text)
    return {
        "size": size,
        "seed": seed,
        "copy_rate": copy_rate,
        "families": dict(sorted(families.items())),
        "mean_words_sampled": round(words / len(range(0, size, 100)), 1),
        "distinct_check": check_distinct(sample[:check_sample]) if check_sample else None,
        "documents": str(documents),
        "gold": str(gold),
    }


def default_out(size: int) -> Path:
    return DEFAULT_OUT / str(size)


def main(argv: Sequence[str] | None = None) -> int:
    """Generate one corpus and print its manifest."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, required=True, help="articles to write")
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument("--out", type=Path, help="default: benchmarks/speed/data/<size>/")
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="the real articles")
    parser.add_argument("--copy-rate", type=float, default=0.1)
    parser.add_argument(
        "--check-sample", type=int, default=2000, help="originals in the distinctness check"
    )
    args = parser.parse_args(argv)
    if args.size < 1 or not 0.0 <= args.copy_rate < 1.0:
        parser.error("--size must be at least 1 and --copy-rate in [0, 1)")
    started = time.perf_counter()
    pool = load_pool(args.data)
    loaded = time.perf_counter()
    out = args.out or default_out(args.size)
    manifest = write_corpus(pool, args.size, args.seed, out, args.copy_rate, args.check_sample)
    manifest["seconds"] = {
        "load": round(loaded - started, 1),
        "total": round(time.perf_counter() - started, 1),
    }
    manifest["data"] = str(args.data)
    (out / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
    print(json.dumps(manifest, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
