"""The natural duplicates of the Reuters and BBC parts of ``realnews_combined``.

Usage::

    python benchmarks/quality/natural_duplicates.py [--sample 30] [--seed 7]

Runs ``dedup find`` (library, default settings) on the Reuters-21578 and BBC articles, counts
the duplicate clusters and pairs by relation and by dataset, and writes a seeded random sample of
duplicate clusters (ids, titles, the start of each body) to ``results/natural_sample.md`` for
reading by hand. Figures go to ``results/natural.json``.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

from dedup import Article, find_duplicates, read_articles

HERE = Path(__file__).resolve().parent
DATA = HERE.parents[1].parent / "shared" / "data" / "realnews_combined" / "documents.jsonl.gz"
DATASETS = ("reuters21578", "bbc")


def load(path: Path) -> list[Article]:
    articles = read_articles([path]).articles
    return [a for a in articles if a.record.get("dataset") in DATASETS]


def sample_markdown(articles: list[Article], clusters: list, size: int, seed: int) -> str:
    chosen = random.Random(seed).sample(clusters, min(size, len(clusters)))
    lines = ["# A random sample of natural duplicate clusters", ""]
    for number, cluster in enumerate(chosen, start=1):
        lines.append(f"## {number}. {cluster.id} ({len(cluster.members)} articles)")
        for member in cluster.members:
            article = articles[member.index]
            body = " ".join(article.text.split())[:300]
            lines.append(
                f"- `{article.id}` {member.relation} {member.score}: **{article.title}** {body}"
            )
        lines.append("")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--sample", type=int, default=30)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--results", type=Path, default=HERE / "results")
    args = parser.parse_args(argv)

    articles = load(args.data)
    started = time.perf_counter()
    result = find_duplicates(articles)
    seconds = time.perf_counter() - started
    dataset_of = [a.record["dataset"] for a in articles]
    clusters = result.duplicate_clusters
    figures = {
        "articles": Counter(dataset_of),
        "seconds": round(seconds, 1),
        "duplicate_clusters": Counter(dataset_of[c.representative] for c in clusters),
        "articles_in_duplicate_clusters": sum(len(c.members) for c in clusters),
        "removed": len(result.removed()),
        "pairs_by_relation": Counter(m.relation for m in result.matches),
        "largest_cluster": max((len(c.members) for c in clusters), default=0),
    }
    args.results.mkdir(parents=True, exist_ok=True)
    (args.results / "natural.json").write_text(json.dumps(figures, indent=2) + "\n")
    (args.results / "natural_sample.md").write_text(
        sample_markdown(articles, clusters, args.sample, args.seed)
    )
    print(json.dumps(figures, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
