"""Time each stage of ``find_duplicates``, baseline commit against the working tree, in one run.

Usage::

    python benchmarks/speed/stages.py [--documents PATH] [--baseline REF] [--seeds 1 2]
                                      [--gold GOLD.jsonl] [--results DIR] [--name NAME]

The baseline's ``dedup/`` is extracted with ``git archive`` (default: the merge base of ``HEAD``
and ``main``) into a temporary directory. Each engine runs in its own process, one after the
other (the machine is shared: never two heavy processes at once), and reports the pipeline's
own per-stage ``timings`` (see ``DedupResult``), its peak memory and its output. The two outputs
are compared (pairs and relations, duplicate clusters), and scored against ``--gold`` when
given. Writes ``results/NAME.json`` and ``results/NAME.md``.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from checkout import REPO, extract_dedup, git, write_results

HERE = Path(__file__).resolve().parent
DEFAULT_DOCUMENTS = REPO.parent / "shared" / "data" / "realnews_combined" / "documents.jsonl.gz"
# The streaming engine splits the old "verify" into TF-IDF, the related-story search, reading
# the texts to verify ("prepare", until the first pass took it over) and verification proper,
# and the old "templates" into reading the input and template removal; a stage an engine lacks
# counts 0.
STAGES = (
    "read", "templates", "shingles", "signatures", "tfidf", "candidates", "related", "prepare",
    "verify", "clusters",
)  # fmt: skip


def run_worker(source: Path, documents: Path, seed: int) -> dict[str, Any]:
    """In a fresh process: import ``dedup`` from ``source``, run it, describe the result."""
    sys.path.insert(0, str(source))
    import resource

    import dedup
    from dedup import DedupConfig, LSHConfig, find_duplicates, read_articles

    articles = read_articles([documents]).articles
    result = find_duplicates(articles, DedupConfig(lsh=LSHConfig(seed=seed)))
    ids = [article.id for article in result.articles]
    return {
        "dedup": dedup.__file__,
        "articles": len(articles),
        "timings": result.timings,
        "candidates": result.candidates,
        "pairs": [[ids[m.a], ids[m.b], m.relation] for m in result.matches],
        "clusters": {
            str(ids[member.index]): cluster.id
            for cluster in result.duplicate_clusters
            for member in cluster.members
        },
        "max_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def run_engine(source: Path, documents: Path, seed: int) -> dict[str, Any]:
    command = [sys.executable, __file__, "--worker", str(source), "--documents", str(documents)]
    completed = subprocess.run(
        [*command, "--seed", str(seed)], check=True, capture_output=True, text=True
    )
    return json.loads(completed.stdout)


def microseconds(run: dict[str, Any]) -> dict[str, float]:
    per_stage = {stage: run["timings"].get(stage, 0.0) / run["articles"] * 1e6 for stage in STAGES}
    return {**per_stage, "total": sum(per_stage.values())}


def compare(first: dict[str, Any], second: dict[str, Any]) -> dict[str, Any]:
    """How far two runs' outputs differ: pairs, relations and duplicate clusters."""
    pairs_a = {(a, b): relation for a, b, relation in first["pairs"]}
    pairs_b = {(a, b): relation for a, b, relation in second["pairs"]}
    shared = pairs_a.keys() & pairs_b.keys()

    def groups(clusters: dict[str, str]) -> set[frozenset[str]]:
        members: dict[str, set[str]] = {}
        for article, cluster in clusters.items():
            members.setdefault(cluster, set()).add(article)
        return {frozenset(group) for group in members.values()}

    clusters_a, clusters_b = groups(first["clusters"]), groups(second["clusters"])
    return {
        "pairs": [len(pairs_a), len(pairs_b)],
        "pairs_only_in_baseline": len(pairs_a.keys() - pairs_b.keys()),
        "pairs_only_in_batch": len(pairs_b.keys() - pairs_a.keys()),
        "relation_changed": sum(pairs_a[pair] != pairs_b[pair] for pair in shared),
        "relations": [Counter(pairs_a.values()), Counter(pairs_b.values())],
        "duplicate_clusters": [len(clusters_a), len(clusters_b)],
        "identical_duplicate_clusters": len(clusters_a & clusters_b),
    }


def score(run: dict[str, Any], gold_path: Path) -> dict[str, float]:
    from dedup.evaluation import read_gold, score_clusters

    gold, families = read_gold(gold_path)
    # Gold ids may be ints; clusters were keyed by str for JSON.
    by_text = {str(key): key for key in gold}
    predicted = {by_text[key]: cluster for key, cluster in run["clusters"].items()}
    scores = score_clusters(predicted, gold, families)
    values = scores.as_dict()
    return {name: values[name] for name in ("precision", "recall", "f1", "ari")}


def markdown(results: dict[str, Any]) -> str:
    lines = [
        f"Documents: `{results['documents']}` ({results['articles']} articles); baseline "
        f"`{results['baseline'][:10]}`, batch engine `{results['head'][:10]}` "
        f"{'(with uncommitted changes)' if results['dirty'] else ''}.",
        "",
        "| engine | seed | " + " | ".join(STAGES) + " | total | peak MB |",
        "|---|---|" + "---|" * (len(STAGES) + 2),
    ]
    for run in results["runs"]:
        cells = " | ".join(f"{run['us_per_article'][stage]:.1f}" for stage in STAGES)
        lines.append(
            f"| {run['engine']} | {run['seed']} | {cells} | {run['us_per_article']['total']:.1f} "
            f"| {run['max_rss_mb']:.0f} |"
        )
    lines += ["", "µs per article, from the pipeline's own stage timings.", ""]
    for seed, comparison in results["comparisons"].items():
        lines.append(f"Seed {seed}, baseline vs batch: {json.dumps(comparison)}")
    if any("scores" in run for run in results["runs"]):
        lines += ["", "| engine | seed | precision | recall | F1 | ARI |", "|---" * 6 + "|"]
        for run in results["runs"]:
            s = run["scores"]
            lines.append(
                f"| {run['engine']} | {run['seed']} | {s['precision']:.4f} | {s['recall']:.4f} "
                f"| {s['f1']:.4f} | {s['ari']:.4f} |"
            )
    return "\n".join(lines) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--documents", type=Path, default=DEFAULT_DOCUMENTS)
    parser.add_argument("--baseline", default=None, help="git ref; default merge-base HEAD main")
    parser.add_argument("--seeds", type=int, nargs="+", default=[1])
    parser.add_argument("--gold", type=Path, help="gold.jsonl to score both engines against")
    parser.add_argument("--results", type=Path, default=HERE / "results")
    parser.add_argument("--name", default="stages")
    parser.add_argument("--worker", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--seed", type=int, default=1, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.worker is not None:
        print(json.dumps(run_worker(args.worker, args.documents, args.seed)))
        return 0

    runs: list[dict[str, Any]] = []
    comparisons: dict[int, dict[str, Any]] = {}
    with tempfile.TemporaryDirectory() as scratch:
        ref = args.baseline or git("merge-base", "HEAD", "main")
        baseline = extract_dedup(ref, Path(scratch))
        for seed in args.seeds:
            outputs = {}
            for engine, source in (("baseline", Path(scratch)), ("batch", REPO)):
                output = run_engine(source, args.documents, seed)
                outputs[engine] = output
                run = {
                    "engine": engine,
                    "seed": seed,
                    "us_per_article": microseconds(output),
                    "candidates": output["candidates"],
                    "max_rss_mb": output["max_rss_mb"],
                }
                if args.gold is not None:
                    run["scores"] = score(output, args.gold)
                runs.append(run)
                print(json.dumps(run), file=sys.stderr)
            comparisons[seed] = compare(outputs["baseline"], outputs["batch"])
    results = {
        "documents": str(args.documents),
        "articles": outputs["batch"]["articles"],
        "baseline": baseline,
        "head": git("rev-parse", "HEAD"),
        "dirty": bool(git("status", "--porcelain", "dedup")),
        "runs": runs,
        "comparisons": comparisons,
    }
    write_results(args.results, args.name, results, markdown(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
