"""What the speed benchmarks share: git queries about this checkout, an earlier commit's
``dedup/`` to run as a baseline, and writing a benchmark's results."""

from __future__ import annotations

import json
import subprocess
import tarfile
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent.parent


def git(*args: str) -> str:
    """The output of a git command run in this repository."""
    return subprocess.run(
        ["git", "-C", str(REPO), *args], check=True, capture_output=True, text=True
    ).stdout.strip()


def extract_dedup(ref: str, into: Path) -> str:
    """``dedup/`` as of ``ref`` into ``into`` (``git archive``); returns the commit."""
    commit = git("rev-parse", ref)
    archive = subprocess.run(
        ["git", "-C", str(REPO), "archive", commit, "dedup"], check=True, capture_output=True
    ).stdout
    (into / "dedup.tar").write_bytes(archive)
    with tarfile.open(into / "dedup.tar") as tar:
        tar.extractall(into, filter="data")
    return commit


def write_results(directory: Path, name: str, results: dict[str, Any], report: str) -> None:
    """``name.json`` and ``name.md`` into ``directory``; the report is also printed."""
    directory.mkdir(parents=True, exist_ok=True)
    (directory / f"{name}.json").write_text(json.dumps(results, indent=2) + "\n")
    (directory / f"{name}.md").write_text(report)
    print(report)
