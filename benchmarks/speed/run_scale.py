"""Scale benchmark (issue 5): ``dedup find`` against datasketch and rensa at 25k, 200k and 1M.

Usage::

    python benchmarks/speed/run_scale.py [--sizes 25k 200k 1m] [--tools dedup datasketch rensa]
                                         [--repeat 1] [--timeout 3600] [--max-rss-gb 12]

Sizes: ``25k`` is the real ``realnews_combined`` (25,792 articles, no gold); any other size
(``200k``, ``1m``, or a number) is a corpus of ``make_corpus.py`` in ``data/<n>/``, generated
first when missing (with its gold of planted copies). For each size, each tool runs in its own
process under ``/usr/bin/time -v``, one after the other (the machine is shared: never two heavy
jobs at once): ``dedup find`` through its CLI, as a user runs it (``--quiet --format json``; its
JSON summary gives the pipeline's own stage seconds, the ones ``stages.py`` reports), and the
baselines of ``minhash_baselines.py`` (word 5-grams, 128 permutations, LSH threshold 0.8,
connected components). A run that passes ``--timeout`` seconds or ``--max-rss-gb`` of resident
memory (its whole process tree, polled twice a second) is stopped and recorded as such.

Records per run: wall-clock seconds and articles per second end to end (process start to exit:
reading, every stage, writing), seconds and articles per second of each stage, peak RSS, and,
where the corpus has gold, pairwise precision/recall/F1 of the reported clusters
(``dedup.evaluation``). With ``--repeat`` the tables show medians. Results are merged into
``results/scale.json`` by size and tool (a run replaces the sizes it ran) and rendered as
``results/scale.md`` and ``results/scale.png`` (time and peak RSS against corpus size).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from importlib import metadata
from pathlib import Path
from typing import Any

from checkout import REPO, git

HERE = Path(__file__).resolve().parent
REAL = REPO.parent / "shared" / "data" / "realnews_combined" / "documents.jsonl.gz"
RESULTS = HERE / "results"
DEDUP_STAGES = (
    "read", "templates", "shingles", "signatures", "tfidf", "candidates", "related", "verify",
    "clusters",
)  # fmt: skip
PEER_STAGES = ("shingles", "signatures", "lsh", "components", "write")
TOOLS = ("dedup", "datasketch", "rensa")
# rensa at dedup's candidate settings (3-grams, LSH 0.2); dedup without the related-story search.
EXTRA_TOOLS = ("rensa-dedup-settings", "dedup-no-related")
TARGETS = {
    "articles_per_second_200k": 15_000,
    "vs_datasketch": 10,
    "vs_rensa": 4,
    "rss_1m_mb": 3000,
}
POLL = 0.5


def parse_size(token: str) -> int | str:
    """``25k`` (the real articles), or a corpus size: ``200k``, ``1m``, ``50000``."""
    token = token.lower()
    if token == "25k":
        return "25k"
    factor = {"k": 1_000, "m": 1_000_000}.get(token[-1:], 1)
    digits = token[:-1] if factor > 1 else token
    if not digits.isdigit():
        raise argparse.ArgumentTypeError(
            f"size must be 25k, a number, or like 200k/1m; got {token}"
        )
    return int(digits) * factor


def size_label(size: int | str) -> str:
    if size == "25k":
        return "25k (real)"
    n = int(size)
    return f"{n // 1_000_000}M" if n % 1_000_000 == 0 else f"{n / 1_000:g}k"


def corpus(size: int | str, seed: int) -> tuple[Path, Path | None, dict[str, Any] | None]:
    """Documents and gold of a size, generating the corpus when it is missing."""
    if size == "25k":
        return REAL, None, None
    from make_corpus import default_out

    out = default_out(int(size))
    manifest_path = out / "manifest.json"
    if not manifest_path.exists():
        print(f"generating {size} articles into {out}", file=sys.stderr, flush=True)
        command = [sys.executable, str(HERE / "make_corpus.py"), "--size", str(size)]
        subprocess.run([*command, "--seed", str(seed)], check=True, stdout=subprocess.DEVNULL)
    manifest = json.loads(manifest_path.read_text())
    return out / "documents.jsonl", out / "gold.jsonl", manifest


def command(tool: str, documents: Path, out: Path) -> list[str]:
    if tool.startswith("dedup"):
        dedup = [sys.executable, "-m", "dedup", "find", str(documents), "--out", str(out)]
        flags = ["--quiet", "--format", "json"]
        return dedup + flags + (["--no-related"] if tool == "dedup-no-related" else [])
    script = [sys.executable, str(HERE / "minhash_baselines.py")]
    if tool == "rensa-dedup-settings":
        return [*script, "rensa", str(documents), "--out", str(out)] + [
            "--shingle-size",
            "3",
            "--threshold",
            "0.2",
        ]
    return [*script, tool, str(documents), "--out", str(out)]


def tree_rss_kb(pid: int) -> int:
    """Resident memory of a process and all its descendants, in KiB."""
    total = 0
    pending = [pid]
    while pending:
        current = pending.pop()
        try:
            with open(f"/proc/{current}/status") as status:
                for line in status:
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1])
                        break
            for task in os.listdir(f"/proc/{current}/task"):
                with open(f"/proc/{current}/task/{task}/children") as children:
                    pending.extend(int(child) for child in children.read().split())
        except (FileNotFoundError, ProcessLookupError, ValueError):
            continue
    return total


def parse_time_v(text: str) -> dict[str, float]:
    """The figures of ``/usr/bin/time -v`` that the results keep."""
    wanted = {
        "Maximum resident set size (kbytes)": "max_rss_kb",
        "User time (seconds)": "user_seconds",
        "System time (seconds)": "system_seconds",
        "Exit status": "exit_status",
    }
    figures: dict[str, float] = {}
    for line in text.splitlines():
        name, _, value = line.strip().rpartition(": ")
        if name in wanted:
            figures[wanted[name]] = float(value)
        elif name.startswith("Elapsed (wall clock) time"):  # h:mm:ss or m:ss.ss
            parts = [float(part) for part in value.split(":")]
            figures["wall_seconds"] = sum(p * 60**k for k, p in enumerate(reversed(parts)))
    return figures


def measure(cmd: Sequence[str], timeout: float, max_rss_kb: int, scratch: Path) -> dict[str, Any]:
    """Run ``cmd`` under ``/usr/bin/time -v``, stopping it past the time or memory limit."""
    time_file, stdout_file, stderr_file = (
        scratch / n for n in ("time.txt", "stdout.txt", "stderr.txt")
    )
    load = os.getloadavg()[0]
    started = time.perf_counter()
    with stdout_file.open("wb") as out, stderr_file.open("wb") as err:
        process = subprocess.Popen(
            ["/usr/bin/time", "-v", "-o", str(time_file), *cmd],
            stdout=out,
            stderr=err,
            start_new_session=True,
        )
        status, peak = "ok", 0
        while process.poll() is None:
            time.sleep(POLL)
            peak = max(peak, tree_rss_kb(process.pid))
            elapsed = time.perf_counter() - started
            if elapsed > timeout or peak > max_rss_kb:
                status = "timed out" if elapsed > timeout else "memory limit"
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
    wall = time.perf_counter() - started
    run: dict[str, Any] = {"status": status, "wall_seconds": round(wall, 2), "load_1min": load}
    if status != "ok":
        run["max_rss_mb"] = round(peak / 1024)
        return run
    figures = parse_time_v(time_file.read_text())
    # time's own clock: the polling loop above only notices the exit to within POLL seconds.
    run["wall_seconds"] = round(figures.get("wall_seconds", wall), 2)
    run["max_rss_mb"] = round(figures.get("max_rss_kb", peak) / 1024)
    # The whole tree (parent and workers), as polled: an upper bound, since pages a forked
    # worker shares with its parent count in both.
    run["tree_rss_mb"] = round(peak / 1024)
    run["cpu_seconds"] = round(figures["user_seconds"] + figures["system_seconds"], 2)
    if process.returncode != 0:
        run["status"] = f"failed (exit {process.returncode})"
        run["stderr"] = stderr_file.read_text(errors="replace")[-2000:]
        return run
    run["summary"] = json.loads(stdout_file.read_text())
    return run


def stage_seconds(tool: str, summary: dict[str, Any], wall: float) -> dict[str, float]:
    """The tool's own stage seconds, and ``other``: the rest of the wall-clock time (start-up,
    writing the outputs)."""
    stages = DEDUP_STAGES if tool.startswith("dedup") else PEER_STAGES
    seconds = {stage: summary["seconds"].get(stage, 0.0) for stage in stages}
    seconds["other"] = round(max(wall - sum(seconds.values()), 0.0), 3)
    return seconds


def score(out: Path, gold: tuple[dict[Any, Any], dict[Any, str]] | None) -> dict[str, Any] | None:
    """Pairwise scores of the run's duplicate clusters against the planted gold."""
    if gold is None:
        return None
    from dedup.evaluation import read_predicted, score_clusters

    scores = score_clusters(read_predicted(out / "clusters.jsonl"), *gold)
    keep = ("precision", "recall", "f1", "predicted_pairs", "true_pairs", "gold_pairs")
    return {**{name: getattr(scores, name) for name in keep}, "family": scores.family_recall}


def run_tool(
    tool: str,
    documents: Path,
    gold: tuple[dict[Any, Any], dict[Any, str]] | None,
    args: argparse.Namespace,
) -> dict[str, Any]:
    """One measured run of one tool on one corpus, scored when there is gold."""
    with tempfile.TemporaryDirectory(prefix=f"scale-{tool}-") as scratch:
        out = Path(scratch) / "out"
        run = measure(
            command(tool, documents, out),
            args.timeout,
            int(args.max_rss_gb * 1024 * 1024),
            Path(scratch),
        )
        if run["status"] != "ok":
            return run
        summary = run.pop("summary")
        run["articles"] = summary["articles"]
        run["stage_seconds"] = stage_seconds(tool, summary, run["wall_seconds"])
        run["lsh"] = summary["lsh"]
        run["candidates"] = summary.get("candidates", summary.get("candidate_pairs"))
        run["scores"] = score(out, gold)
    return run


def _memory(summary: dict[str, Any]) -> str:
    tree = summary.get("tree_rss_mb")
    return f"{summary['max_rss_mb']:,.0f}" + (f" / {tree:,.0f}" if tree else "")


def median_run(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """Medians over repeats of the figures the tables show; failures win over successes."""
    ok = [run for run in runs if run["status"] == "ok"]
    if len(ok) < len(runs):
        failed = next(run for run in runs if run["status"] != "ok")
        return {key: failed[key] for key in ("status", "wall_seconds", "max_rss_mb")}
    first = ok[0]
    stages = {
        stage: statistics.median(run["stage_seconds"][stage] for run in ok)
        for stage in first["stage_seconds"]
    }
    wall = statistics.median(run["wall_seconds"] for run in ok)
    n = first["articles"]
    return {
        "status": "ok",
        "articles": n,
        "wall_seconds": wall,
        "articles_per_second": round(n / wall),
        "stage_seconds": stages,
        "stage_articles_per_second": {s: round(n / v) if v else None for s, v in stages.items()},
        "max_rss_mb": statistics.median(run["max_rss_mb"] for run in ok),
        "tree_rss_mb": statistics.median(run.get("tree_rss_mb", 0) for run in ok) or None,
        "cpu_seconds": statistics.median(run["cpu_seconds"] for run in ok),
        "lsh": first["lsh"],
        "candidates": first["candidates"],
        "scores": first["scores"],
    }


def environment() -> dict[str, Any]:
    versions = {name: metadata.version(name) for name in ("datasketch", "rensa", "numpy")}
    return {
        "commit": git("rev-parse", "HEAD"),
        "dedup_dirty": bool(git("status", "--porcelain", "dedup")),
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "packages": versions,
    }


def articles_count(size: int | str, results: dict[str, Any]) -> int:
    for tool in results.values():
        if tool.get("articles"):
            return int(tool["articles"])
    return 25_792 if size == "25k" else int(size)


def markdown(data: dict[str, Any]) -> str:
    """The results as tables: one per size, then the issue-5 targets."""
    env = data["environment"]
    lines = [
        "# Scale benchmark (issue 5)",
        "",
        f"dedup `{env['commit'][:10]}`{' (uncommitted dedup/ changes)' * env['dedup_dirty']}"
        f", Python {env['python']}, {env['cpus']} cores (shared with other work: the 1-minute load "
        "average at each run's start is in `scale.json`), "
        + ", ".join(f"{k} {v}" for k, v in env["packages"].items())
        + ". Every run is one process under `/usr/bin/time -v`; runs go one after the other "
        "(each tool's commit and date are in `scale.json`).",
        "",
        "Articles/s end to end = articles / wall-clock seconds of the whole process (start-up, "
        "reading, every stage, writing). Stage columns: seconds (articles/s). dedup's stages are "
        "the pipeline's own timings; the baselines' `shingles` includes reading the JSON lines. "
        "Baselines: word 5-grams, 128 permutations, LSH threshold 0.8, connected components of "
        "the candidate pairs, no verification. Scores: pairwise precision/recall/F1 of the "
        "duplicate clusters against the planted copies (the real 25k set has no gold).",
    ]
    for key, entry in data["sizes"].items():
        corpus_note = entry.get("corpus") or {}
        lines += ["", f"## {entry['label']}: {entry['articles']:,} articles", ""]
        if corpus_note.get("generation_seconds") is not None:
            lines.append(
                f"Corpus: `make_corpus.py --size {key} --seed {corpus_note['seed']}`, "
                f"generated in {corpus_note['generation_seconds']} s; "
                f"{corpus_note['copies']:,} planted copies.\n"
            )
        lines += [
            "| tool | status | articles/s | wall s | CPU s | peak RSS MB (largest process / "
            "tree) | stages: s (articles/s) "
            "| precision | recall | F1 |",
            "|---|---|---|---|---|---|---|---|---|---|",
        ]
        for tool, run in entry["tools"].items():
            summary = run["median"]
            if summary["status"] != "ok":
                lines.append(
                    f"| {tool} | {summary['status']} after {summary['wall_seconds']:.0f} s "
                    f"| - | - | - | {summary['max_rss_mb']:,} | - | - | - | - |"
                )
                continue
            stages = "; ".join(
                f"{stage} {seconds:.1f} ({summary['stage_articles_per_second'][stage] or 0:,})"
                for stage, seconds in summary["stage_seconds"].items()
            )
            scores = summary["scores"]
            quality = (
                f"{scores['precision']:.4f} | {scores['recall']:.4f} | {scores['f1']:.4f}"
                if scores
                else "- | - | -"
            )
            lines.append(
                f"| {tool} | ok (x{len(run['runs'])}) | {summary['articles_per_second']:,} "
                f"| {summary['wall_seconds']:.1f} | {summary['cpu_seconds']:.1f} "
                f"| {_memory(summary)} | {stages} "
                f"| {quality} |"
            )
        lines += ratios(entry)
    lines += ["", "## Targets (issue 5)", "", *targets(data)]
    return "\n".join(lines) + "\n"


def ratios(entry: dict[str, Any]) -> list[str]:
    """dedup's articles/s over each baseline's, end to end, in the same run."""
    tools = {tool: run["median"] for tool, run in entry["tools"].items()}
    dedup = tools.get("dedup")
    if not dedup or dedup["status"] != "ok":
        return []
    parts = [
        f"{dedup['articles_per_second'] / run['articles_per_second']:.2f}x {tool}"
        for tool, run in tools.items()
        if not tool.startswith("dedup") and run["status"] == "ok"
    ]
    return ["", "dedup find end to end: " + ", ".join(parts) + "."] if parts else []


def targets(data: dict[str, Any]) -> list[str]:
    sizes = data["sizes"]

    def get(size: str, tool: str) -> dict[str, Any] | None:
        run = sizes.get(size, {}).get("tools", {}).get(tool)
        return run["median"] if run and run["median"]["status"] == "ok" else None

    lines = ["| target | measured | met |", "|---|---|---|"]
    dedup = get("200000", "dedup")
    if dedup:
        rate = dedup["articles_per_second"]
        goal = TARGETS["articles_per_second_200k"]
        lines.append(f"| dedup find >= {goal:,} articles/s at 200k | {rate:,} | {rate >= goal} |")
        for tool, key in (("datasketch", "vs_datasketch"), ("rensa", "vs_rensa")):
            peer = get("200000", tool)
            if peer:
                ratio = rate / peer["articles_per_second"]
                lines.append(
                    f"| >= {TARGETS[key]}x {tool} at 200k | {ratio:.2f}x "
                    f"| {ratio >= TARGETS[key]} |"
                )
    big = sizes.get("1000000", {}).get("tools", {}).get("dedup")
    if big:
        summary = big["median"]
        rss = summary["max_rss_mb"]
        met = summary["status"] == "ok" and rss < TARGETS["rss_1m_mb"]
        lines.append(f"| peak RSS at 1M < 3 GB | {rss:,.0f} MB ({summary['status']}) | {met} |")
        if summary.get("tree_rss_mb"):
            tree = summary["tree_rss_mb"]
            lines.append(
                f"| the same, whole process tree | {tree:,.0f} MB | {tree < TARGETS['rss_1m_mb']} |"
            )
        small = get("200000", "dedup")
        if small and summary["status"] == "ok":
            growth = rss / small["max_rss_mb"]
            lines.append(f"| RSS growth 200k -> 1M <= 5x | {growth:.2f}x | {growth <= 5} |")
    return lines


def plot(data: dict[str, Any], path: Path) -> None:
    """Wall-clock seconds and peak RSS against corpus size, log-log, one line per tool."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

    figure, (left, right) = plt.subplots(1, 2, figsize=(11, 5.5))
    tools = sorted({tool for entry in data["sizes"].values() for tool in entry["tools"]})
    for index, tool in enumerate(tools):
        colour = f"C{index}"
        points = sorted(
            (entry["articles"], entry["tools"][tool]["median"])
            for entry in data["sizes"].values()
            if tool in entry["tools"]
        )
        done = [(n, run) for n, run in points if run["status"] == "ok"]
        failed = [(n, run) for n, run in points if run["status"] != "ok"]
        reasons = ", ".join(sorted({run["status"] for _, run in failed}))
        for axis, key in ((left, "wall_seconds"), (right, "max_rss_mb")):
            axis.plot(
                [n for n, _ in done], [r[key] for _, r in done], "o-", color=colour, label=tool
            )
            if failed:
                axis.plot(
                    [n for n, _ in failed],
                    [r[key] for _, r in failed],
                    "x",
                    color=colour,
                    markersize=10,
                    label=f"{tool}: stopped ({reasons})",
                )
    right.axhline(TARGETS["rss_1m_mb"], color="grey", linestyle=":", label="3 GB target at 1M")
    sizes = sorted(entry["articles"] for entry in data["sizes"].values())
    for axis, label in ((left, "wall-clock seconds, end to end"), (right, "peak RSS (MB)")):
        axis.set_xscale("log")
        axis.set_yscale("log")
        axis.set_xticks(
            sizes, [f"{n / 1000:,.0f}k" if n < 10**6 else f"{n / 10**6:g}M" for n in sizes]
        )
        axis.xaxis.set_minor_formatter(NullFormatter())
        axis.yaxis.set_major_locator(LogLocator(subs=(1.0, 2.0, 5.0)))
        axis.yaxis.set_major_formatter(FuncFormatter(lambda value, _: f"{value:,g}"))
        axis.yaxis.set_minor_formatter(NullFormatter())
        axis.set_xlabel("articles")
        axis.set_ylabel(label)
        axis.grid(True, which="both", alpha=0.3)
    handles, labels = left.get_legend_handles_labels()
    extra_handles, extra_labels = right.get_legend_handles_labels()
    handles.append(extra_handles[-1])
    labels.append(extra_labels[-1])
    figure.legend(handles, labels, loc="lower center", ncol=3, fontsize=8, frameon=False)
    figure.suptitle(
        "dedup find vs datasketch and rensa MinHash LSH (issue 5); x: run stopped at a limit"
    )
    figure.tight_layout(rect=(0, 0.16, 1, 1))
    figure.savefig(path, dpi=120)
    plt.close(figure)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=parse_size, nargs="+", default=["25k", 200_000, 1_000_000])
    parser.add_argument("--tools", nargs="+", choices=TOOLS + EXTRA_TOOLS, default=list(TOOLS))
    parser.add_argument("--repeat", type=int, default=1, help="runs per tool and size (median)")
    parser.add_argument("--timeout", type=float, default=3600, help="seconds per run")
    parser.add_argument("--max-rss-gb", type=float, default=12, help="memory limit per run")
    parser.add_argument("--seed", type=int, default=5, help="seed of generated corpora")
    parser.add_argument("--results", type=Path, default=RESULTS)
    parser.add_argument("--plot-only", action="store_true", help="redraw from scale.json")
    args = parser.parse_args(argv)

    sys.path.insert(0, str(HERE))
    results_file = args.results / "scale.json"
    data = json.loads(results_file.read_text()) if results_file.exists() else {"sizes": {}}
    if not args.plot_only:
        data["environment"] = environment()
        stamp = {"commit": data["environment"]["commit"], "date": time.strftime("%Y-%m-%d %H:%M")}
        from dedup.evaluation import read_gold

        for size in args.sizes:
            documents, gold_path, manifest = corpus(size, args.seed)
            gold = read_gold(gold_path) if gold_path else None
            entry: dict[str, Any] = {"label": size_label(size), "documents": str(documents)}
            if manifest:
                entry["corpus"] = {
                    "seed": manifest["seed"],
                    "generation_seconds": manifest["seconds"]["total"],
                    "copies": size - manifest["families"].get("original", 0),  # type: ignore[operator]
                    "distinct_check": manifest["distinct_check"],
                }
            tools: dict[str, Any] = {}
            for tool in args.tools:
                runs = []
                for repeat in range(args.repeat):
                    print(f"{entry['label']}: {tool} run {repeat + 1}", file=sys.stderr, flush=True)
                    runs.append(run_tool(tool, documents, gold, args))
                    print(json.dumps(runs[-1]), file=sys.stderr, flush=True)
                median = median_run(runs)
                tools[tool] = {"median": median, "runs": runs, **stamp}
            # Tools not run this time keep their earlier results (with their own stamp).
            previous = data["sizes"].get(str(size), {}).get("tools", {})
            entry["tools"] = {**previous, **tools}
            entry["articles"] = articles_count(size, {t: r["median"] for t, r in tools.items()})
            data["sizes"][str(size)] = entry
    args.results.mkdir(parents=True, exist_ok=True)
    order = sorted(data["sizes"].items(), key=lambda item: item[1]["articles"])
    data["sizes"] = dict(order)
    results_file.write_text(json.dumps(data, indent=2) + "\n")
    (args.results / "scale.md").write_text(markdown(data))
    plot(data, args.results / "scale.png")
    print(markdown(data))
    return 0


if __name__ == "__main__":
    sys.exit(main())
