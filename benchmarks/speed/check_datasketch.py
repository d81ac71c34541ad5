"""Check the batch engine against datasketch on real articles, with the old CRC-32 shingles.

Usage::

    python benchmarks/speed/check_datasketch.py [--documents PATH] [--limit N]

Shingles every cleaned body as the per-article pipeline did (CRC-32 of each shingle string),
then checks that :func:`dedup.signature.compute_signature_batch` equals datasketch's
``MinHash`` for every article and that :func:`dedup.index.find_candidates` gives exactly the
pairs of a datasketch ``MinHashLSH`` filled and queried one article at a time. Prints a summary.
"""

from __future__ import annotations

import argparse
import sys
import zlib
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from datasketch import MinHashLSH

from dedup import DedupConfig, read_articles
from dedup.boilerplate import remove_boilerplate
from dedup.index import find_candidates
from dedup.shingle import ShingleBatch, shingle_strings
from dedup.signature import compute_signature_batch, compute_signatures

HERE = Path(__file__).resolve().parent
DEFAULT_DOCUMENTS = HERE.parent.parent.parent / "shared/data/realnews_combined/documents.jsonl.gz"


def crc32_shingles(text: str, config: DedupConfig) -> np.ndarray:
    hashes = (zlib.crc32(s.encode("utf-8")) for s in shingle_strings(text, config.shingle))
    return np.unique(np.fromiter(hashes, dtype=np.uint32))


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--documents", type=Path, default=DEFAULT_DOCUMENTS)
    parser.add_argument("--limit", type=int, default=None, help="first N articles only")
    args = parser.parse_args(argv)

    config = DedupConfig()
    articles = read_articles([args.documents]).articles[: args.limit]
    texts = [article.text for article in remove_boilerplate(articles, config.boilerplate)]
    sets = [crc32_shingles(text, config) for text in texts]
    offsets = np.concatenate([[0], np.cumsum([s.size for s in sets])]).astype(np.int64)
    batch = ShingleBatch(np.concatenate(sets), offsets)

    signatures = compute_signature_batch(batch, config.lsh)
    pairs, _ = find_candidates(signatures, batch.sizes > 0, config.lsh)
    reference = list(compute_signatures(sets, config.lsh))
    unequal = sum(
        not np.array_equal(minhash.hashvalues, signatures.hashvalues[i])
        for i, minhash in enumerate(reference)
    )
    lsh = MinHashLSH(threshold=config.lsh.threshold, num_perm=config.lsh.num_perm)
    expected = set()
    for position, minhash in enumerate(reference):
        if sets[position].size:
            expected.update((other, position) for other in lsh.query(minhash))
            lsh.insert(position, minhash, check_duplication=False)
    found = {(int(a), int(b)) for a, b in pairs.tolist()}
    print(
        f"{len(articles)} articles: {unequal} signatures differ from datasketch; "
        f"{len(found)} pairs found, {len(expected)} by MinHashLSH, equal: {found == expected}"
    )
    return 0 if unequal == 0 and found == expected else 1


if __name__ == "__main__":
    sys.exit(main())
