"""Rendering a run's result: the output files, the JSON summary and the terminal tables.

No computation happens here beyond formatting what :class:`~dedup.pipeline.DedupResult` holds.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections import Counter
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from .errors import DedupError
from .pipeline import DedupResult
from .types import Article, Cluster, Match

CLUSTERS_FILE = "clusters.jsonl"
PAIRS_FILE = "pairs.jsonl"
DEDUPLICATED_FILE = "deduplicated.jsonl"


class OutputError(DedupError, OSError):
    """The output directory or a file in it cannot be written."""


def cluster_record(cluster: Cluster, articles: list[Article]) -> dict[str, Any]:
    """One line of ``clusters.jsonl``."""
    return {
        "cluster": cluster.id,
        "kind": cluster.kind,
        "representative": articles[cluster.representative].id,
        "members": [
            {"id": articles[m.index].id, "relation": m.relation, "score": m.score}
            for m in cluster.members
        ],
    }


def pair_record(match: Match, articles: list[Article]) -> dict[str, Any]:
    """One line of ``pairs.jsonl``."""
    return {
        "a": articles[match.a].id,
        "b": articles[match.b].id,
        "relation": match.relation,
        "jaccard": match.jaccard,
        "containment_ab": match.containment_ab,
        "containment_ba": match.containment_ba,
        "cosine": match.cosine,
        "title_similarity": match.title_similarity,
    }


def deduplicated_records(
    result: DedupResult, *, annotate: bool = False
) -> Iterator[dict[str, Any]]:
    """The input records in input order, with a ``cluster`` field.

    Without ``annotate``, duplicates other than each cluster's representative are dropped. With
    it, every record is kept, and ``duplicate_of`` names the representative a duplicate copies
    (``null`` for representatives and singletons).
    """
    cluster_of: dict[int, Cluster] = {}
    for cluster in result.duplicate_clusters:
        for member in cluster.members:
            cluster_of[member.index] = cluster
    for index, article in enumerate(result.articles):
        found = cluster_of.get(index)
        representative = found.representative if found else index
        if representative != index and not annotate:
            continue
        record = dict(article.record)
        record["cluster"] = found.id if found else None
        if annotate:
            is_duplicate = representative != index
            record["duplicate_of"] = result.articles[representative].id if is_duplicate else None
        yield record


def write_outputs(result: DedupResult, out_dir: Path, *, annotate: bool = False) -> list[Path]:
    """Write ``clusters.jsonl``, ``pairs.jsonl`` and ``deduplicated.jsonl`` into ``out_dir``.

    Each file is written to a temporary name and renamed into place, so a failed run never
    leaves a half-written file behind.

    Raises:
        OutputError: the directory cannot be created or written.
    """
    articles = result.articles
    contents = {
        CLUSTERS_FILE: (cluster_record(c, articles) for c in result.clusters),
        PAIRS_FILE: (pair_record(m, articles) for m in result.matches),
        DEDUPLICATED_FILE: deduplicated_records(result, annotate=annotate),
    }
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        return [_write_jsonl(out_dir / name, records) for name, records in contents.items()]
    except OSError as error:
        raise OutputError(f"cannot write to {out_dir}: {error.strerror or error}") from error


def _write_jsonl(path: Path, records: Iterable[dict[str, Any]]) -> Path:
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            for record in records:
                stream.write(json.dumps(record, ensure_ascii=False, default=str) + "\n")
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return path


def summarize(result: DedupResult, *, largest: int = 10) -> dict[str, Any]:
    """The run's figures as plain data: the JSON summary, and what the tables show."""
    articles = result.articles
    top = sorted(result.duplicate_clusters, key=lambda c: (-len(c.members), c.id))[:largest]
    return {
        "articles": len(articles),
        "duplicate_clusters": len(result.duplicate_clusters),
        "removed": len(result.removed()),
        "related_clusters": len(result.related_clusters),
        "pairs": len(result.matches),
        "candidates": result.candidates,
        "lsh": {
            "threshold": result.lsh.threshold,
            "num_perm": result.lsh.num_perm,
            "bands": result.lsh.bands,
            "rows": result.lsh.rows,
            "probability_at_threshold": round(result.lsh.probability_at_threshold, 4),
        },
        "seconds": {stage: round(seconds, 3) for stage, seconds in result.timings.items()},
        "largest_clusters": [
            {
                "cluster": cluster.id,
                "size": len(cluster.members),
                "representative": articles[cluster.representative].id,
                "title": articles[cluster.representative].title,
            }
            for cluster in top
        ],
    }


def explain_templates(result: DedupResult, *, top: int = 20) -> dict[str, Any]:
    """What template removal took out: the most often removed blocks, and how many articles
    lost how many words."""
    removed_in: Counter[str] = Counter()
    words_removed = 0
    for cleaned in result.cleaned:
        removed_in.update(list(dict.fromkeys(cleaned.removed)))  # once per article, in order
        words_removed += sum(len(block.split()) for block in cleaned.removed)
    return {
        "articles_with_removals": sum(1 for cleaned in result.cleaned if cleaned.removed),
        "words_removed": words_removed,
        "blocks": [
            {"text": block, "articles": count} for block, count in removed_in.most_common(top)
        ],
    }


def render_explanation(explanation: dict[str, Any], console: Console) -> None:
    """Print what template removal took out, as a rich table."""
    table = Table(
        title=f"template blocks removed ({explanation['articles_with_removals']:,} articles, "
        f"{explanation['words_removed']:,} words)"
    )
    table.add_column("articles", justify="right")
    table.add_column("block")
    for row in explanation["blocks"]:
        table.add_row(f"{row['articles']:,}", row["text"])
    console.print(table)


def render_summary(summary: dict[str, Any], console: Console) -> None:
    """Print the summary as rich tables."""
    figures = Table(title="dedup find", show_header=False)
    figures.add_column("what")
    figures.add_column("value", justify="right")
    figures.add_row("articles read", f"{summary['articles']:,}")
    figures.add_row("duplicate clusters", f"{summary['duplicate_clusters']:,}")
    figures.add_row("articles that would be removed", f"{summary['removed']:,}")
    figures.add_row("related clusters", f"{summary['related_clusters']:,}")
    figures.add_row(
        "accepted pairs / candidates", f"{summary['pairs']:,} / {summary['candidates']:,}"
    )
    lsh = summary["lsh"]
    figures.add_row(
        "LSH bands x rows",
        f"{lsh['bands']} x {lsh['rows']}: P(candidate | J={lsh['threshold']}) = "
        f"{lsh['probability_at_threshold']:.3f}",
    )
    for stage, seconds in summary["seconds"].items():
        figures.add_row(f"time: {stage}", f"{seconds:.2f} s")
    console.print(figures)
    if summary["largest_clusters"]:
        clusters = Table(title="largest duplicate clusters")
        for column in ("cluster", "size", "representative", "title"):
            clusters.add_column(column, justify="right" if column == "size" else "left")
        for row in summary["largest_clusters"]:
            clusters.add_row(
                row["cluster"], str(row["size"]), str(row["representative"]), row["title"]
            )
        console.print(clusters)
