"""Run ``dedup find`` with default settings on the syndication set and score it, beside baselines.

Usage::

    python benchmarks/quality/run_syndication.py [--data-dir DIR] [--rebuild] [--no-baselines]

Builds the set with ``make_syndication_set.py`` when it is missing, runs the ``dedup find``
command exactly as a user would (default settings), scores its duplicate clusters against the
gold labels with ``dedup.evaluation``, counts accepted duplicate pairs among the hard negatives,
runs the baselines of ``baselines.py`` on the same documents, and writes
``results/syndication.json`` and ``results/syndication.md``.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from dedup.evaluation import read_gold, read_jsonl, read_predicted, score_clusters

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import baselines  # noqa: E402  (a sibling script, not a package)

DUPLICATE_RELATIONS = {"exact", "near", "contained"}


def build_set(data_dir: Path) -> None:
    subprocess.run(
        [sys.executable, str(HERE / "make_syndication_set.py"), "--out", str(data_dir)],
        check=True,
    )


def run_dedup(documents: Path, out_dir: Path) -> tuple[dict[str, Any], float]:
    """``dedup find`` with default settings; its JSON summary and the wall-clock seconds."""
    started = time.perf_counter()
    completed = subprocess.run(
        ["dedup", "find", str(documents), "--out", str(out_dir), "--format", "json", "--quiet"],
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(completed.stdout), time.perf_counter() - started


def false_pairs(pairs_path: Path, gold_path: Path) -> dict[str, int]:
    """Accepted duplicate pairs whose members belong to different gold groups, by family."""
    gold = {record["id"]: record for _, record in read_jsonl(gold_path)}
    counts: Counter[str] = Counter()
    for _, pair in read_jsonl(pairs_path):
        if pair["relation"] not in DUPLICATE_RELATIONS:
            continue
        first, second = gold[pair["a"]], gold[pair["b"]]
        if first["group"] != second["group"]:
            counts["all"] += 1
            for family in {first["family"], second["family"]}:
                counts[family] += 1
    return {"all": counts.pop("all", 0), **dict(sorted(counts.items()))}


def markdown(results: dict[str, Any]) -> str:
    rows = [("dedup find (defaults)", results["dedup"]["scores"], results["dedup"]["seconds"])]
    rows += [(b["name"], b, b["seconds"]) for b in results["baselines"]]
    lines = [
        "| detector | precision | recall | F1 | B-cubed F1 | ARI | seconds |",
        "|---|---|---|---|---|---|---|",
    ]
    for name, scores, seconds in rows:
        lines.append(
            f"| {name} | {scores['precision']:.4f} | {scores['recall']:.4f} | {scores['f1']:.4f} "
            f"| {scores['bcubed_f1']:.4f} | {scores['ari']:.4f} | {seconds:.1f} |"
        )
    families = sorted(results["dedup"]["scores"]["family_recall"])
    lines += ["", "Recall per edit family:", ""]
    lines.append("| detector | " + " | ".join(families) + " |")
    lines.append("|---|" + "---|" * len(families))
    for name, scores, _ in rows:
        recall = scores["family_recall"]
        lines.append(f"| {name} | " + " | ".join(f"{recall[f]:.3f}" for f in families) + " |")
    negatives = results["dedup"]["false_pairs"]
    lines += ["", f"False duplicate pairs of `dedup find`, by family of a member: {negatives}", ""]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, default=HERE / "data" / "syndication")
    parser.add_argument("--out-dir", type=Path, default=HERE / "data" / "syndication-out")
    parser.add_argument("--results", type=Path, default=HERE / "results")
    parser.add_argument("--rebuild", action="store_true", help="rebuild the set first")
    parser.add_argument("--no-baselines", action="store_true")
    args = parser.parse_args(argv)

    documents, gold_path = args.data_dir / "documents.jsonl", args.data_dir / "gold.jsonl"
    if args.rebuild or not documents.exists():
        build_set(args.data_dir)
    summary, seconds = run_dedup(documents, args.out_dir)
    gold, families = read_gold(gold_path)
    scores = score_clusters(read_predicted(args.out_dir / "clusters.jsonl"), gold, families)
    results: dict[str, Any] = {
        "set": json.loads((args.data_dir / "manifest.json").read_text(encoding="utf-8")),
        "command": f"dedup find {documents.name} --out OUT --format json --quiet",
        "dedup": {
            "seconds": round(seconds, 2),
            "summary": summary,
            "scores": scores.as_dict(),
            "false_pairs": false_pairs(args.out_dir / "pairs.jsonl", gold_path),
        },
        "baselines": [],
    }
    if not args.no_baselines:
        ids, texts = baselines.read_documents(documents)
        for name in baselines.BASELINES:
            results["baselines"].append(baselines.run_baseline(name, ids, texts, gold_path))
    args.results.mkdir(parents=True, exist_ok=True)
    (args.results / "syndication.json").write_text(json.dumps(results, indent=2) + "\n")
    (args.results / "syndication.md").write_text(markdown(results))
    print(markdown(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
