"""``dedup find`` end to end: jobs 1 against 2, with and without the related-story search.

Usage::

    python benchmarks/speed/streaming.py [--documents PATH] [--repeat 3] [--jobs 1 2]
                                         [--baseline REF] [--results DIR] [--name NAME]

Each configuration runs ``dedup find`` through its CLI (``--quiet --format json``), as a user
runs it, under ``/usr/bin/time -v``, one run after the other (the machine is shared: never two
heavy jobs at once). Recorded per run: wall-clock seconds from ``time``, the pipeline's own
stage seconds (its JSON summary), peak RSS as ``time`` reports it (the largest single process)
and the peak memory of the whole process tree (parent plus workers, the sum of their
proportional set sizes, polled from ``/proc`` every 0.1 s: forked workers share pages), and a
digest of the three output files, so that runs with 1 and 2 jobs are checked to be
byte-identical. With ``--baseline`` (default: the merge base with ``main``) that commit's
``dedup/`` (extracted with ``git archive``) runs the same configurations first, in memory as it
always did. Tables show medians over ``--repeat`` runs. Writes ``results/NAME.json`` and
``results/NAME.md``.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from checkout import REPO, extract_dedup, git, write_results

HERE = Path(__file__).resolve().parent
DEFAULT_DOCUMENTS = REPO.parent / "shared" / "data" / "realnews_combined" / "documents.jsonl.gz"
OUTPUTS = ("clusters.jsonl", "pairs.jsonl", "deduplicated.jsonl")
POLL = 0.1


def tree_rss_mb(root: int) -> float:
    """Memory of a process and all its descendants (proportional set size), from ``/proc``."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(entry))
    total, stack = 0, [root]
    while stack:
        pid = stack.pop()
        stack.extend(children.get(pid, []))
        total += _pss_kb(pid)
    return total / 1024


def _pss_kb(pid: int) -> int:
    """Proportional set size: pages shared with forked workers count once in the sum, where
    RSS would count them in every process."""
    try:
        with open(f"/proc/{pid}/smaps_rollup") as rollup:
            for line in rollup:
                if line.startswith("Pss:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def run_once(source: Path, documents: Path, out: Path, options: list[str]) -> dict[str, Any]:
    """One ``dedup find`` under ``/usr/bin/time -v``, with its process tree's RSS polled."""
    program = (
        f"import sys; sys.path.insert(0, {str(source)!r}); "
        "from dedup.cli import main; main(sys.argv[1:])"
    )
    command = ["/usr/bin/time", "-v", sys.executable, "-c", program, "find", str(documents)]
    command += ["--out", str(out), "--quiet", "--format", "json", *options]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    peak = [0.0]

    def poll() -> None:
        while process.poll() is None:
            peak[0] = max(peak[0], tree_rss_mb(process.pid))
            time.sleep(POLL)

    poller = threading.Thread(target=poll, daemon=True)
    poller.start()
    stdout, stderr = process.communicate()
    poller.join()
    if process.returncode != 0:
        raise RuntimeError(f"dedup find failed: {stderr[-2000:]}")
    summary = json.loads(stdout)
    report = dict(
        line.strip().split(": ", 1) for line in stderr.splitlines() if ": " in line.strip()
    )
    wall = report["Elapsed (wall clock) time (h:mm:ss or m:ss)"]
    minutes, seconds = wall.rsplit(":", 1)
    digest = hashlib.sha256()
    for name in OUTPUTS:
        digest.update((out / name).read_bytes())
    return {
        "wall_seconds": float(minutes.split(":")[-1]) * 60 + float(seconds),
        "cpu_seconds": float(report["User time (seconds)"])
        + float(report["System time (seconds)"]),
        "max_rss_mb": int(report["Maximum resident set size (kbytes)"]) / 1024,
        "tree_rss_mb": peak[0],
        "stages": summary["seconds"],
        "articles": summary["articles"],
        "pairs": summary["pairs"],
        "duplicate_clusters": summary["duplicate_clusters"],
        "related_clusters": summary["related_clusters"],
        "outputs_sha256": digest.hexdigest(),
    }


def median_run(runs: list[dict[str, Any]]) -> dict[str, Any]:
    stages = sorted(
        {stage for run in runs for stage in run["stages"]}, key=list(runs[0]["stages"]).index
    )
    return {
        "wall_seconds": statistics.median(r["wall_seconds"] for r in runs),
        "cpu_seconds": statistics.median(r["cpu_seconds"] for r in runs),
        "max_rss_mb": statistics.median(r["max_rss_mb"] for r in runs),
        "tree_rss_mb": statistics.median(r["tree_rss_mb"] for r in runs),
        "stages": {s: statistics.median(r["stages"].get(s, 0.0) for r in runs) for s in stages},
    }


def markdown(results: dict[str, Any]) -> str:
    n = results["articles"]
    lines = [
        f"Documents: `{results['documents']}` ({n:,} articles). Engine `{results['head'][:10]}`"
        f"{' (uncommitted changes)' if results['dirty'] else ''}; baseline "
        f"`{(results.get('baseline') or 'none')[:10]}`. Machine: {results['machine']}. "
        f"Medians of {results['repeat']} runs; load average before the runs: "
        f"{results['load_before']}.",
        "",
        "| engine | related | jobs | wall s | articles/s | CPU s | peak RSS MB (largest process)"
        " | peak PSS MB (process tree) | identical to jobs 1 |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for row in results["configurations"]:
        m = row["median"]
        lines.append(
            f"| {row['engine']} | {'yes' if row['related'] else 'no'} | {row['jobs']} | "
            f"{m['wall_seconds']:.1f} | {n / m['wall_seconds']:,.0f} | {m['cpu_seconds']:.1f} | "
            f"{m['max_rss_mb']:.0f} | {m['tree_rss_mb']:.0f} | {row.get('identical', '')} |"
        )
    lines += ["", "Stage seconds (the pipeline's own timings; medians):", ""]
    stages = sorted(
        {s for row in results["configurations"] for s in row["median"]["stages"]},
        key=lambda s: min(
            list(row["median"]["stages"]).index(s)
            for row in results["configurations"]
            if s in row["median"]["stages"]
        ),
    )
    lines.append("| engine | related | jobs | " + " | ".join(stages) + " |")
    lines.append("|---|---|---|" + "---|" * len(stages))
    for row in results["configurations"]:
        cells = " | ".join(
            f"{row['median']['stages'][s]:.2f}" if s in row["median"]["stages"] else ""
            for s in stages
        )
        lines.append(
            f"| {row['engine']} | {'yes' if row['related'] else 'no'} | {row['jobs']} | {cells} |"
        )
    lines += ["", "Articles per second of each stage (articles / stage seconds):", ""]
    lines.append("| engine | related | jobs | " + " | ".join(stages) + " |")
    lines.append("|---|---|---|" + "---|" * len(stages))
    for row in results["configurations"]:
        cells = " | ".join(
            f"{n / row['median']['stages'][s]:,.0f}"
            if row["median"]["stages"].get(s, 0) > 0
            else ""
            for s in stages
        )
        lines.append(
            f"| {row['engine']} | {'yes' if row['related'] else 'no'} | {row['jobs']} | {cells} |"
        )
    return "\n".join(lines) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--documents", type=Path, default=DEFAULT_DOCUMENTS)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--jobs", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--baseline", default="auto", help="git ref, 'auto' (merge base), 'none'")
    parser.add_argument("--related", choices=["both", "yes", "no"], default="both")
    parser.add_argument("--results", type=Path, default=HERE / "results")
    parser.add_argument("--name", default="streaming")
    args = parser.parse_args(argv)

    related_options = {"both": [True, False], "yes": [True], "no": [False]}[args.related]
    configurations: list[dict[str, Any]] = []
    load_before = " ".join(Path("/proc/loadavg").read_text().split()[:3])
    with tempfile.TemporaryDirectory(prefix="dedup-bench-") as scratch:
        scratch_path = Path(scratch)
        engines: list[tuple[str, Path, list[int]]] = []
        baseline = None
        if args.baseline != "none":
            ref = git("merge-base", "HEAD", "main") if args.baseline == "auto" else args.baseline
            (scratch_path / "baseline").mkdir()
            baseline = extract_dedup(ref, scratch_path / "baseline")
            engines.append(("baseline", scratch_path / "baseline", [0]))
        engines.append(("streaming", REPO, args.jobs))
        for engine, source, jobs_list in engines:
            for related in related_options:
                for jobs in jobs_list:
                    options = [] if related else ["--no-related"]
                    if jobs:
                        options += ["--jobs", str(jobs)]
                    runs = []
                    for repeat in range(args.repeat):
                        out = scratch_path / f"out-{engine}-{related}-{jobs}-{repeat}"
                        run = run_once(source, args.documents, out, options)
                        runs.append(run)
                        print(json.dumps({"engine": engine, "related": related, "jobs": jobs,
                                          "wall": run["wall_seconds"],
                                          "tree_rss_mb": round(run["tree_rss_mb"])}),
                              file=sys.stderr)  # fmt: skip
                    configurations.append(
                        {
                            "engine": engine,
                            "related": related,
                            "jobs": jobs or 1,
                            "runs": runs,
                            "median": median_run(runs),
                        }
                    )
    by_key = {(c["engine"], c["related"], c["jobs"]): c for c in configurations}
    for c in configurations:
        reference = by_key.get(("streaming", c["related"], 1)) or by_key.get(
            ("baseline", c["related"], 1)
        )
        if reference is not None:
            digests = {r["outputs_sha256"] for r in c["runs"] + reference["runs"]}
            c["identical"] = "yes" if len(digests) == 1 else "no"
    results = {
        "documents": str(args.documents),
        "articles": configurations[0]["runs"][0]["articles"],
        "repeat": args.repeat,
        "machine": f"{os.cpu_count()} cores, {platform.python_version()}",
        "load_before": load_before,
        "head": git("rev-parse", "HEAD"),
        "dirty": bool(git("status", "--porcelain", "dedup")),
        "baseline": baseline,
        "configurations": configurations,
    }
    write_results(args.results, args.name, results, markdown(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
