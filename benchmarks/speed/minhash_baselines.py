"""The MinHash LSH pipelines a user would pick instead of ``dedup find``: datasketch and rensa.

Both run the issue-5 peer pipeline over the same tokens: lowercase word n-grams (``\\w+`` words;
``word_shingles`` of ``benchmarks/quality/baselines.py``), MinHash signatures, LSH candidates
and connected components of the candidate pairs (scipy), with no verification of a pair.

- ``datasketch``: ``MinHash.bulk`` over the shingles (UTF-8 bytes), ``MinHashLSH(threshold,
  num_perm)`` filled in an ``insertion_session`` and queried once per article. datasketch picks
  its bands and rows for the threshold (9 x 13 for 0.8 and 128 permutations).
- ``rensa``: ``RMinHash.from_token_sets`` in batches of 1,000 articles, ``RMinHashLSH``
  filled with ``insert_pairs`` and queried with ``query_all``. rensa needs the number of bands
  and a band count that divides ``num_perm``; it gets the divisor that minimises datasketch's own
  false positive + false negative weight for the threshold (8 x 16 for 0.8 and 128, the setting
  of rensa's README benchmark).

Usage::

    python benchmarks/speed/minhash_baselines.py {datasketch,rensa} DOCUMENTS --out DIR
        [--threshold 0.8] [--num-perm 128] [--shingle-size 5] [--seed 1]

Reads ``DOCUMENTS`` (JSON Lines, ``.gz`` too) one line at a time, writes the clusters of two or
more articles to ``DIR/clusters.jsonl`` in the format of ``dedup find`` (so
``dedup.evaluation.read_predicted`` scores it) and prints one JSON object: the articles, the
seconds of each stage, the LSH parameters, the candidate pairs and the clusters.
"""

from __future__ import annotations

import argparse
import gzip
import json
import sys
import time
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from itertools import islice
from pathlib import Path
from typing import IO, Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "quality"))
from baselines import union_find_labels, word_shingles  # noqa: E402

BATCH = 1_000  # articles per rensa call: bounds the token lists held at once


def batched(items: Iterator[set[str]], size: int) -> Iterator[list[set[str]]]:
    """Lists of ``size`` items (``itertools.batched`` needs Python 3.12)."""
    while batch := list(islice(items, size)):
        yield batch


class Clock:
    """Seconds per stage; ``shingles`` also counts reading, as both happen line by line."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = defaultdict(float)

    def add(self, stage: str, started: float) -> float:
        now = time.perf_counter()
        self.seconds[stage] += now - started
        return now


def _open(path: Path) -> IO[bytes]:
    return gzip.open(path, "rb") if path.name.endswith(".gz") else path.open("rb")  # type: ignore[return-value]


def read_shingles(
    path: Path, ids: list[Any], clock: Clock, shingle_size: int
) -> Iterator[set[str]]:
    """The shingle set of each article in file order; appends each id to ``ids``."""
    started = time.perf_counter()
    with _open(path) as stream:
        for line in stream:
            if not line.strip():
                continue
            record = json.loads(line)
            ids.append(record["id"])
            shingles = word_shingles(record["text"], shingle_size)
            started = clock.add("shingles", started)
            yield shingles
            started = time.perf_counter()


def datasketch_pairs(
    path: Path, ids: list[Any], clock: Clock, args: argparse.Namespace
) -> tuple[list[tuple[int, int]], dict[str, Any]]:
    """Candidate pairs from datasketch ``MinHash.bulk`` and ``MinHashLSH``."""
    from datasketch import MinHash, MinHashLSH

    started = time.perf_counter()
    encoded = (
        [shingle.encode("utf-8") for shingle in shingles]
        for shingles in read_shingles(path, ids, clock, args.shingle_size)
    )
    minhashes = MinHash.bulk(encoded, num_perm=args.num_perm, seed=args.seed)
    # Time inside the generator was booked to shingles; the rest is hashing.
    clock.seconds["signatures"] += time.perf_counter() - started - clock.seconds["shingles"]
    started = time.perf_counter()
    lsh = MinHashLSH(threshold=args.threshold, num_perm=args.num_perm)
    # An empty shingle set gives the all-maximum signature: every empty article would collide.
    indexed = [i for i, minhash in enumerate(minhashes) if not minhash.is_empty()]
    with lsh.insertion_session() as session:
        for i in indexed:
            session.insert(i, minhashes[i])
    pairs = [(i, j) for i in indexed for j in lsh.query(minhashes[i]) if j > i]
    clock.add("lsh", started)
    return pairs, {"bands": lsh.b, "rows": lsh.r}


def rensa_bands(threshold: float, num_perm: int) -> int:
    """The band count among the divisors of ``num_perm`` that datasketch's criterion prefers."""
    from datasketch.lsh import _false_negative_probability, _false_positive_probability

    def error(bands: int) -> float:
        rows = num_perm // bands
        return _false_positive_probability(threshold, bands, rows) + _false_negative_probability(
            threshold, bands, rows
        )

    return min((b for b in range(1, num_perm + 1) if num_perm % b == 0), key=error)


def rensa_pairs(
    path: Path, ids: list[Any], clock: Clock, args: argparse.Namespace
) -> tuple[list[tuple[int, int]], dict[str, Any]]:
    """Candidate pairs from rensa ``RMinHash.from_token_sets`` and ``RMinHashLSH``."""
    from rensa import RMinHash, RMinHashLSH

    minhashes: list[Any] = []
    empty: set[int] = set()
    for batch in batched(read_shingles(path, ids, clock, args.shingle_size), BATCH):
        started = time.perf_counter()
        empty.update(len(minhashes) + k for k, shingles in enumerate(batch) if not shingles)
        minhashes.extend(RMinHash.from_token_sets(batch, args.num_perm, args.seed))
        clock.add("signatures", started)
    started = time.perf_counter()
    bands = rensa_bands(args.threshold, args.num_perm)
    lsh = RMinHashLSH(args.threshold, args.num_perm, bands)
    indexed = [i for i in range(len(minhashes)) if i not in empty]
    lsh.insert_pairs([(i, minhashes[i]) for i in indexed])
    candidates = lsh.query_all([minhashes[i] for i in indexed])
    pairs = [(i, j) for i, found in zip(indexed, candidates, strict=True) for j in found if j > i]
    clock.add("lsh", started)
    return pairs, {"bands": bands, "rows": args.num_perm // bands}


TOOLS: dict[str, Callable[..., tuple[list[tuple[int, int]], dict[str, Any]]]] = {
    "datasketch": datasketch_pairs,
    "rensa": rensa_pairs,
}


def write_clusters(path: Path, ids: Sequence[Any], labels: Sequence[int]) -> int:
    """Clusters of two or more articles as ``clusters.jsonl`` lines; returns how many."""
    members: dict[int, list[int]] = defaultdict(list)
    for index, label in enumerate(labels):
        members[label].append(index)
    written = 0
    with path.open("w", encoding="utf-8") as stream:
        for label, group in members.items():
            if len(group) < 2:
                continue
            record = {
                "cluster": f"c{label}",
                "kind": "duplicate",
                "representative": ids[label],
                "members": [{"id": ids[i]} for i in group],
            }
            stream.write(json.dumps(record) + "\n")
            written += 1
    return written


def main(argv: Sequence[str] | None = None) -> int:
    """Run one baseline over a documents file and print its figures as JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("tool", choices=sorted(TOOLS))
    parser.add_argument("documents", type=Path)
    parser.add_argument("--out", type=Path, required=True, help="directory for clusters.jsonl")
    parser.add_argument("--threshold", type=float, default=0.8)
    parser.add_argument("--num-perm", type=int, default=128)
    parser.add_argument("--shingle-size", type=int, default=5)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)

    clock = Clock()
    ids: list[Any] = []
    pairs, lsh = TOOLS[args.tool](args.documents, ids, clock, args)
    started = time.perf_counter()
    labels = union_find_labels(len(ids), pairs)
    started = clock.add("components", started)
    args.out.mkdir(parents=True, exist_ok=True)
    clusters = write_clusters(args.out / "clusters.jsonl", ids, labels)
    clock.add("write", started)
    summary = {
        "tool": args.tool,
        "articles": len(ids),
        "seconds": {stage: round(s, 3) for stage, s in clock.seconds.items()},
        "lsh": {"threshold": args.threshold, "num_perm": args.num_perm, **lsh},
        "shingle_size": args.shingle_size,
        "candidate_pairs": len(pairs),
        "clusters": clusters,
    }
    print(json.dumps(summary))
    return 0


if __name__ == "__main__":
    sys.exit(main())
