"""Baseline near-duplicate detectors that the quality benchmark compares ``dedup`` against.

The comparison is the one users reach for first: datasketch ``MinHashLSH`` over word 5-grams at
thresholds 0.5 and 0.8, every LSH candidate pair joined by union-find with no verification; and
exact Jaccard over all pairs at 0.5, the reference the approximate methods stand in for.
Baselines see the whole ``text`` field, site template included: they do no template removal.

Usage::

    python benchmarks/quality/baselines.py DOCUMENTS.jsonl GOLD.jsonl [--only NAME]

prints one JSON line per baseline: its name, clustering time in seconds and the scores of
``dedup.evaluation.score_clusters``.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from functools import partial
from pathlib import Path

import numpy as np
from datasketch import MinHash, MinHashLSH
from scipy import sparse
from scipy.sparse.csgraph import connected_components

from dedup.errors import InputError
from dedup.evaluation import read_gold, read_jsonl, score_clusters

_WORD = re.compile(r"\w+")
_CHUNK_ROWS = 500  # rows of X @ X.T per step: bounds the memory of the intersection block


def word_shingles(text: str, size: int = 5) -> set[str]:
    """Word n-grams of a text, lowercased and split on non-word characters.

    Args:
        text: the text to shingle.
        size: words per shingle.

    Returns:
        The distinct shingles, words joined by one space. A text of fewer than ``size`` words
        gives one shingle of all its words; a text without words gives the empty set.
    """
    words = _WORD.findall(text.lower())
    if not words:
        return set()
    if len(words) < size:
        return {" ".join(words)}
    return {" ".join(words[i : i + size]) for i in range(len(words) - size + 1)}


def union_find_labels(n: int, pairs: Iterable[tuple[int, int]]) -> list[int]:
    """Connected components of ``n`` items joined by ``pairs``.

    Args:
        n: number of items, indexed ``0 .. n-1``.
        pairs: index pairs that belong to one cluster.

    Returns:
        A label per item: the smallest index in its component (a singleton is its own label).
    """
    edges = np.array(list(pairs), dtype=np.int64).reshape(-1, 2)
    graph = sparse.coo_matrix(
        (np.ones(len(edges), dtype=np.int8), (edges[:, 0], edges[:, 1])), shape=(n, n)
    )
    count, components = connected_components(graph, directed=False)
    smallest = np.full(count, n, dtype=np.int64)
    np.minimum.at(smallest, components, np.arange(n, dtype=np.int64))
    return smallest[components].tolist()


def minhash_lsh_clusters(
    texts: Sequence[str],
    *,
    threshold: float,
    num_perm: int = 128,
    seed: int = 1,
    shingle_size: int = 5,
) -> list[int]:
    """Cluster texts the plain datasketch way: MinHash, MinHashLSH, union-find over candidates.

    Every pair the LSH index returns is joined, with no verification of its Jaccard. Texts
    without words are left out of the index (their MinHashes would all collide) and stay
    singletons.

    Args:
        texts: the texts to cluster.
        threshold: Jaccard threshold ``MinHashLSH`` tunes its bands for.
        num_perm: permutations per MinHash.
        seed: MinHash seed.
        shingle_size: words per shingle.

    Returns:
        A cluster label per text: the smallest index in its cluster.
    """
    shingles = [word_shingles(text, shingle_size) for text in texts]
    encoded = [[shingle.encode("utf-8") for shingle in item] for item in shingles]
    minhashes = MinHash.bulk(encoded, num_perm=num_perm, seed=seed)
    lsh = MinHashLSH(threshold=threshold, num_perm=num_perm)
    indexed = [i for i, item in enumerate(shingles) if item]
    with lsh.insertion_session() as session:
        for i in indexed:
            session.insert(i, minhashes[i])
    pairs = [(i, j) for i in indexed for j in lsh.query(minhashes[i]) if j != i]
    return union_find_labels(len(texts), pairs)


def _shingle_matrix(shingles: Sequence[set[str]]) -> sparse.csr_matrix:
    """Binary documents x shingles matrix; column ids come from an exact vocabulary."""
    vocabulary: dict[str, int] = {}
    indptr = [0]
    indices: list[int] = []
    for item in shingles:
        indices.extend(vocabulary.setdefault(shingle, len(vocabulary)) for shingle in item)
        indptr.append(len(indices))
    data = np.ones(len(indices), dtype=np.int32)
    return sparse.csr_matrix(
        (data, np.array(indices, dtype=np.int64), np.array(indptr, dtype=np.int64)),
        shape=(len(shingles), len(vocabulary)),
    )


def exact_jaccard_clusters(
    texts: Sequence[str], *, threshold: float = 0.5, shingle_size: int = 5
) -> list[int]:
    """Cluster texts by exact Jaccard of their word shingles over all pairs.

    Hand-written on purpose: this is the exact all-pairs computation, the reference the
    approximate methods (MinHash LSH) are compared with, so it must not sample or sketch. An
    inverted index (a sparse documents x shingles matrix) gives every pair's intersection as
    ``X @ X.T``; pairs that share no shingle are never materialised, so the cost follows the
    overlapping pairs rather than all ``n * (n - 1) / 2``.

    Args:
        texts: the texts to cluster.
        threshold: smallest Jaccard that joins two texts.
        shingle_size: words per shingle.

    Returns:
        A cluster label per text: the smallest index in its cluster.
    """
    matrix = _shingle_matrix([word_shingles(text, shingle_size) for text in texts])
    sizes = np.asarray(matrix.sum(axis=1)).ravel()
    transposed = matrix.T.tocsr()
    rows: list[np.ndarray] = []
    cols: list[np.ndarray] = []
    for start in range(0, matrix.shape[0], _CHUNK_ROWS):
        block = (matrix[start : start + _CHUNK_ROWS] @ transposed).tocoo()
        first = block.row.astype(np.int64) + start
        second = block.col.astype(np.int64)
        upper = first < second
        first, second, inter = first[upper], second[upper], block.data[upper]
        jaccard = inter / (sizes[first] + sizes[second] - inter)
        keep = jaccard >= threshold
        rows.append(first[keep])
        cols.append(second[keep])
    pairs = zip(
        np.concatenate(rows or [[]]).tolist(), np.concatenate(cols or [[]]).tolist(), strict=True
    )
    return union_find_labels(len(texts), pairs)


BASELINES: dict[str, Callable[[Sequence[str]], list[int]]] = {
    "datasketch-lsh-0.5": partial(minhash_lsh_clusters, threshold=0.5),
    "datasketch-lsh-0.8": partial(minhash_lsh_clusters, threshold=0.8),
    "exact-jaccard-0.5": partial(exact_jaccard_clusters, threshold=0.5),
}


def read_documents(path: Path) -> tuple[list[str], list[str]]:
    """Ids and texts of a documents JSON Lines file.

    Args:
        path: ``{"id", "text", ...}`` per line.

    Returns:
        The ids and the texts, in file order.
    """
    ids: list[str] = []
    texts: list[str] = []
    for origin, record in read_jsonl(path):
        if "id" not in record or not isinstance(record.get("text"), str):
            raise InputError(f'{origin}: a document needs "id" and a string "text"')
        ids.append(record["id"])
        texts.append(record["text"])
    return ids, texts


def run_baseline(
    name: str, ids: Sequence[str], texts: Sequence[str], gold_path: Path
) -> dict[str, object]:
    """Cluster the texts with one baseline and score it against the gold file.

    Args:
        name: a key of ``BASELINES``.
        ids: document ids, parallel to ``texts``.
        texts: document texts.
        gold_path: ``{"id", "group", "family", ...}`` per line.

    Returns:
        ``name``, clustering ``seconds`` and the fields of ``Scores.as_dict()``.
    """
    started = time.perf_counter()
    labels = BASELINES[name](texts)
    seconds = round(time.perf_counter() - started, 2)
    gold, families = read_gold(gold_path)
    predicted = dict(zip(ids, labels, strict=True))
    scores = score_clusters(predicted, gold, families)
    return {"name": name, "seconds": seconds, **scores.as_dict()}


def main(argv: Sequence[str] | None = None) -> int:
    """Run the baselines on a labelled set and print one JSON line of scores per baseline."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("documents", type=Path, help="documents.jsonl: id, title, text")
    parser.add_argument("gold", type=Path, help="gold.jsonl: id, group, family, role")
    parser.add_argument("--only", choices=sorted(BASELINES), help="run this baseline only")
    args = parser.parse_args(argv)
    try:
        ids, texts = read_documents(args.documents)
        for name in [args.only] if args.only else BASELINES:
            print(json.dumps(run_baseline(name, ids, texts, args.gold)), flush=True)
    except InputError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
