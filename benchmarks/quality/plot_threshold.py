"""Precision-recall over the decision threshold on the syndication set: dedup beside baselines.

Usage::

    python benchmarks/quality/plot_threshold.py [--data-dir DIR] [--results DIR] [--rebuild]

Runs the library's ``find_duplicates`` once per threshold t in 0.2 .. 0.9, with its verification
thresholds moved together (``near_threshold=t``, ``char_near_threshold=min(1, t+0.1)``,
``containment_threshold`` and ``char_containment_threshold`` ``min(1, t+0.4)``; t=0.5 gives the
library defaults), exact Jaccard over word 5-grams at the same thresholds and datasketch
MinHashLSH + union-find at 0.3, 0.5 and 0.8. Every run is scored with
``dedup.evaluation.score_clusters`` against the gold groups. Writes
``results/threshold_curve.json`` (every point) and ``results/precision_recall.png``.
"""

from __future__ import annotations

import argparse
import json
import math
import subprocess
import sys
import time
from collections.abc import Callable, Hashable, Sequence
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402  (the backend is chosen first)
from matplotlib.patches import Rectangle  # noqa: E402

from dedup.config import DedupConfig, VerifyConfig  # noqa: E402
from dedup.evaluation import read_gold, score_clusters  # noqa: E402
from dedup.ingest import read_articles  # noqa: E402
from dedup.pipeline import find_duplicates  # noqa: E402

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import baselines  # noqa: E402  (a sibling script, not a package)

DEDUP_THRESHOLDS = [round(0.2 + 0.1 * i, 1) for i in range(8)]  # 0.2 .. 0.9
JACCARD_THRESHOLDS = DEDUP_THRESHOLDS
LSH_THRESHOLDS = [0.3, 0.5, 0.8]
DEFAULT_THRESHOLD = 0.5

DEDUP = "dedup (find_duplicates)"
JACCARD = "exact Jaccard (word 5-grams)"
LSH = "datasketch MinHashLSH + union-find"
STYLES = {
    DEDUP: {"color": "tab:blue", "marker": "o"},
    JACCARD: {"color": "tab:orange", "marker": "s"},
    LSH: {"color": "tab:green", "marker": "^"},
}


def verify_config(t: float) -> VerifyConfig:
    """Verification thresholds moved together by one decision threshold ``t``."""
    return VerifyConfig(
        near_threshold=t,
        char_near_threshold=round(min(1.0, t + 0.1), 2),
        containment_threshold=round(min(1.0, t + 0.4), 2),
        char_containment_threshold=round(min(1.0, t + 0.4), 2),
    )


def _check_default_point() -> None:
    """The curve must pass through the library's default configuration."""
    moved, default = verify_config(DEFAULT_THRESHOLD), VerifyConfig()
    assert moved == default, f"t={DEFAULT_THRESHOLD} gives {moved}, defaults are {default}"


def _point(
    detector: str,
    threshold: float,
    predicted: dict[str, Hashable],
    gold: dict[str, Hashable],
    seconds: float,
    **extra: Any,
) -> dict[str, Any]:
    scores = score_clusters(predicted, gold)
    return {
        "detector": detector,
        "threshold": threshold,
        "precision": scores.precision,
        "recall": scores.recall,
        "f1": scores.f1,
        "seconds": round(seconds, 2),
        **extra,
    }


def run_dedup(documents: Path, gold: dict[str, Hashable]) -> list[dict[str, Any]]:
    articles = read_articles([documents]).articles
    points = []
    for t in DEDUP_THRESHOLDS:
        verify = verify_config(t)
        started = time.perf_counter()
        result = find_duplicates(articles, DedupConfig(verify=verify))
        seconds = time.perf_counter() - started
        predicted: dict[str, Hashable] = {
            result.articles[member.index].id: cluster.id
            for cluster in result.duplicate_clusters
            for member in cluster.members
        }
        points.append(
            _point(
                DEDUP,
                t,
                predicted,
                gold,
                seconds,
                default=t == DEFAULT_THRESHOLD,
                near_threshold=verify.near_threshold,
                char_near_threshold=verify.char_near_threshold,
                containment_threshold=verify.containment_threshold,
                char_containment_threshold=verify.char_containment_threshold,
            )
        )
        _report(points[-1])
    return points


def run_baseline_curve(
    detector: str,
    cluster: Callable[..., list[int]],
    thresholds: Sequence[float],
    ids: Sequence[str],
    texts: Sequence[str],
    gold: dict[str, Hashable],
) -> list[dict[str, Any]]:
    points = []
    for t in thresholds:
        started = time.perf_counter()
        labels = cluster(texts, threshold=t)
        seconds = time.perf_counter() - started
        points.append(_point(detector, t, dict(zip(ids, labels, strict=True)), gold, seconds))
        _report(points[-1])
    return points


def _report(point: dict[str, Any]) -> None:
    print(
        f"{point['detector']:<36} t={point['threshold']:.1f}  P={point['precision']:.4f}  "
        f"R={point['recall']:.4f}  F1={point['f1']:.4f}  {point['seconds']:.1f}s",
        flush=True,
    )


def _label_points(
    ax: Any,
    curve: list[dict[str, Any]],
    detector: str,
    fontsize: int,
    skip: Sequence[Any],
    inset: bool,
) -> None:
    """Threshold labels: below-right of dedup's points, above the baselines' (they share y=1)."""
    offset, ha = {DEDUP: ((4, -11), "left"), LSH: ((-5, -12), "right")}.get(
        detector, ((0, 6), "center")
    )
    if inset:  # only dedup's knee shows: left-below keeps labels off the curve going down-right
        offset, ha = (-6, -11), "right"
    for p in curve:
        if any(p is q for q in skip):
            continue
        ax.annotate(
            f"{p['threshold']:.1f}",
            (p["recall"], p["precision"]),
            textcoords="offset points",
            xytext=offset,
            ha=ha,
            fontsize=fontsize,
            color=STYLES[detector]["color"],
        )


def _draw(
    ax: Any,
    points: list[dict[str, Any]],
    fontsize: int,
    legend: bool,
    skip: Sequence[Any] = (),
    inset: bool = False,
) -> None:
    for detector, style in STYLES.items():
        curve = [p for p in points if p["detector"] == detector]
        if curve:
            ax.plot(
                [p["recall"] for p in curve],
                [p["precision"] for p in curve],
                label=detector if legend else None,
                linewidth=1.5,
                markersize=6,
                **style,
            )
            _label_points(ax, curve, detector, fontsize, skip, inset)
    default = next(p for p in points if p["detector"] == DEDUP and p.get("default"))
    ax.plot(
        default["recall"],
        default["precision"],
        marker="*",
        markersize=16,
        color="tab:red",
        linestyle="none",
        zorder=5,
        label=f"dedup defaults (t={DEFAULT_THRESHOLD}): P={default['precision']:.4f}, "
        f"R={default['recall']:.4f}"
        if legend
        else None,
    )


def plot(points: list[dict[str, Any]], manifest: dict[str, Any], path: Path) -> None:
    """Precision against recall, zoomed on the high-precision band; an inset on dedup's knee.

    Points far below the band (a baseline at a low threshold chains whole topics together) are
    drawn on the bottom edge as down-pointing triangles with their real precision beside them.
    """
    fig, ax = plt.subplots(figsize=(8, 6), dpi=120)
    # dedup's points in the top-right corner are too close together to label here: an inset does.
    knee = [p for p in points if p["detector"] == DEDUP and p["recall"] >= 0.95]
    _draw(ax, points, fontsize=8, legend=True, skip=knee)
    in_band = [p["precision"] for p in points if p["precision"] >= 0.5]
    bottom = math.floor((min(in_band) - 0.01) * 100) / 100
    ax.set_xlim(0.15, 1.01)
    ax.set_ylim(bottom, 1.0 + (1.0 - bottom) * 0.06)
    off_scale = sorted((p for p in points if p["precision"] < bottom), key=lambda p: p["recall"])
    for i, p in enumerate(off_scale):
        color = STYLES[p["detector"]]["color"]
        ax.plot(p["recall"], bottom, marker="v", markersize=9, color=color, clip_on=False)
        # The rightmost label goes above its marker, the others to the left: clear of the
        # near-vertical line that drops to the rightmost point.
        rightmost = i == len(off_scale) - 1
        ax.annotate(
            f"t={p['threshold']:.1f}\nP={p['precision']:.2f}",
            (p["recall"], bottom),
            textcoords="offset points",
            xytext=(0, 8) if rightmost else (-9, 2),
            ha="center" if rightmost else "right",
            va="bottom",
            fontsize=8,
            color=color,
        )
    ax.set_xlabel("recall (pairwise, over gold duplicate pairs)")
    ax.set_ylabel("precision (pairwise)")
    total, seed = manifest["counts"]["total"], manifest["seed"]
    ax.set_title(
        f"Syndication set ({total:,} docs, seed {seed}): precision vs recall by threshold\n"
        "each point is one threshold (labelled); ▼ = off-scale below, true precision given",
        fontsize=10,
    )
    ax.grid(True, alpha=0.3)
    ax.legend(loc="center", bbox_to_anchor=(0.655, 0.66), fontsize=8, framealpha=0.95)

    if knee:
        x0 = min(p["recall"] for p in knee) - 0.005
        x1 = max(p["recall"] for p in knee) + 0.006
        y0 = min(p["precision"] for p in knee) - 0.002
        y1 = min(1.0015, max(p["precision"] for p in knee) + 0.0015)
        inset = ax.inset_axes((0.10, 0.07, 0.30, 0.36))
        _draw(inset, points, fontsize=8, legend=False, inset=True)
        inset.set_xlim(x0, x1)
        inset.set_ylim(y0, y1)
        inset.tick_params(labelsize=7)
        inset.grid(True, alpha=0.3)
        inset.set_title("zoom on the grey box: dedup, t = 0.2 .. 0.5", fontsize=8)
        box = Rectangle((x0, y0), x1 - x0, y1 - y0, fill=False, edgecolor="0.4", linewidth=1)
        ax.add_patch(box)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, default=HERE / "data" / "syndication")
    parser.add_argument("--results", type=Path, default=HERE / "results")
    parser.add_argument("--rebuild", action="store_true", help="rebuild the set first")
    parser.add_argument(
        "--plot-only",
        action="store_true",
        help="redraw the PNG from an existing threshold_curve.json without running anything",
    )
    args = parser.parse_args(argv)

    _check_default_point()
    curve_path = args.results / "threshold_curve.json"
    png_path = args.results / "precision_recall.png"
    if args.plot_only:
        record = json.loads(curve_path.read_text(encoding="utf-8"))
        manifest = {"counts": {"total": record["set"]["documents"]}, "seed": record["set"]["seed"]}
        plot(record["points"], manifest, png_path)
        print(f"wrote {png_path}")
        return 0
    documents, gold_path = args.data_dir / "documents.jsonl", args.data_dir / "gold.jsonl"
    if args.rebuild or not documents.exists():
        subprocess.run(
            [sys.executable, str(HERE / "make_syndication_set.py"), "--out", str(args.data_dir)],
            check=True,
        )
    manifest = json.loads((args.data_dir / "manifest.json").read_text(encoding="utf-8"))
    gold, _ = read_gold(gold_path)
    ids, texts = baselines.read_documents(documents)

    started = time.perf_counter()
    points = run_dedup(documents, gold)
    points += run_baseline_curve(
        JACCARD, baselines.exact_jaccard_clusters, JACCARD_THRESHOLDS, ids, texts, gold
    )
    points += run_baseline_curve(
        LSH, baselines.minhash_lsh_clusters, LSH_THRESHOLDS, ids, texts, gold
    )

    args.results.mkdir(parents=True, exist_ok=True)
    record = {
        "set": {"documents": manifest["counts"]["total"], "seed": manifest["seed"]},
        "dedup_thresholds": "near=t, char_near=min(1, t+0.1), containment=min(1, t+0.4), "
        "char_containment=min(1, t+0.4); other settings default",
        "total_seconds": round(time.perf_counter() - started, 1),
        "points": points,
    }
    curve_path.write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
    plot(points, manifest, png_path)
    print(f"wrote {curve_path} and {png_path} ({record['total_seconds']} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
