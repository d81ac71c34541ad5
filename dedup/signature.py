"""Shingle hashes to MinHash signatures, compatible with datasketch.

:func:`compute_signature_batch` computes the signatures of a whole batch as one array with
numpy (issue 5). For the same permutation scheme, ``seed``, ``num_perm`` and shingle hashes its
values equal datasketch's ``MinHash`` exactly (``tests/test_signature.py`` checks this), so an
index built here answers the same as one a user builds with datasketch. The permutations are
taken from datasketch itself, and the scheme travels with the values in
:class:`SignatureBatch`, so that signatures of two schemes are never compared.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Literal

import numpy as np
from datasketch import LeanMinHash, MinHash

from .config import LSHConfig
from .errors import ConfigError
from .shingle import ShingleBatch

Scheme = Literal["affine32", "legacy"]
DEFAULT_SCHEME: Scheme = "affine32"
"""datasketch's default since 2.0: a fixed 32-bit mix, then ``a * h + b mod 2**32``."""

_MERSENNE_PRIME = np.uint64((1 << 61) - 1)
_MAX_HASH_32 = np.uint64((1 << 32) - 1)
# Bytes of permuted values held at once (a block of permutations times a chunk of shingles):
# about the size of a core's L2 cache, measured 3-4 times faster than 32 MB blocks.
_BLOCK_BYTES = 2_000_000


@dataclass(frozen=True)
class SignatureBatch:
    """MinHash signatures of many articles: row ``i`` is article ``i``'s ``num_perm`` minima.

    ``hashvalues`` is ``uint32`` for ``affine32`` and ``uint64`` for ``legacy``, datasketch's
    storage types; an article with no shingles keeps the scheme's maximum in every column.
    """

    hashvalues: np.ndarray
    seed: int
    scheme: Scheme

    def __len__(self) -> int:
        return int(self.hashvalues.shape[0])

    @property
    def num_perm(self) -> int:
        return int(self.hashvalues.shape[1])

    def minhash(self, position: int) -> LeanMinHash:
        """Article ``position``'s signature as a datasketch ``LeanMinHash``."""
        return LeanMinHash(seed=self.seed, hashvalues=self.hashvalues[position], scheme=self.scheme)


def _identity(value: int) -> int:
    """Shingles arrive already hashed to 32 bits (see :mod:`dedup.shingle`)."""
    return value


def make_minhash_template(config: LSHConfig, scheme: Scheme = DEFAULT_SCHEME) -> MinHash:
    """An empty MinHash with the run's permutations, copied for every article."""
    return MinHash(num_perm=config.num_perm, seed=config.seed, hashfunc=_identity, scheme=scheme)


def compute_signatures(
    shingle_sets: Iterable[np.ndarray],
    config: LSHConfig,
    on_each: Callable[[], None] | None = None,
    scheme: Scheme = DEFAULT_SCHEME,
) -> Iterator[LeanMinHash]:
    """Yield one datasketch MinHash per shingle set, in order, one article at a time.

    :func:`compute_signature_batch` gives the same values for a whole batch, much faster.

    Args:
        shingle_sets: ``uint32`` shingle hashes of each article.
        config: ``num_perm`` and ``seed`` of the permutations.
        on_each: called after each signature, to report progress.
        scheme: datasketch permutation scheme.
    """
    template = make_minhash_template(config, scheme)
    for hashes in shingle_sets:
        minhash = template.copy()
        if hashes.size:
            minhash.update_batch(hashes)
        yield LeanMinHash(minhash)
        if on_each is not None:
            on_each()


def _check_scheme(scheme: str) -> None:
    if scheme not in ("affine32", "legacy"):
        raise ConfigError(
            f"scheme must be 'affine32' or 'legacy'; got {scheme!r} "
            "(affine64 needs 64-bit shingle hashes, which dedup does not make)"
        )


def compute_signature_batch(
    shingles: ShingleBatch,
    config: LSHConfig,
    scheme: Scheme = DEFAULT_SCHEME,
) -> SignatureBatch:
    """MinHash signatures of every article of a batch, as one ``(n, num_perm)`` array.

    The permutations are applied to blocks of permutations times chunks of whole articles, and
    each article's minimum is taken with ``np.minimum.reduceat`` over its run of the flat array,
    so memory stays near ``_BLOCK_BYTES`` whatever the batch size.

    Args:
        shingles: the articles' shingle hashes (:func:`dedup.shingle.make_shingle_batch`).
        config: ``num_perm`` and ``seed``.
        scheme: datasketch permutation scheme; ``affine32`` (the default) is also the faster.

    Raises:
        ConfigError: for a scheme other than ``affine32`` or ``legacy``.
    """
    _check_scheme(scheme)
    a, b = make_minhash_template(config, scheme).permutations
    dtype = np.uint32 if scheme == "affine32" else np.uint64
    empty_value = np.iinfo(np.uint32).max if scheme == "affine32" else _MAX_HASH_32
    values = np.full((len(shingles), config.num_perm), empty_value, dtype=dtype)
    nonempty = np.flatnonzero(shingles.sizes > 0)
    if nonempty.size == 0:
        return SignatureBatch(hashvalues=values, seed=config.seed, scheme=scheme)

    itemsize = np.dtype(dtype).itemsize
    perm_block = min(config.num_perm, 32)
    chunk_elements = max(1, _BLOCK_BYTES // (perm_block * itemsize))
    for articles in _article_chunks(shingles, nonempty, chunk_elements):
        start, stop = shingles.offsets[articles[0]], shingles.offsets[articles[-1] + 1]
        hashes = shingles.hashes[start:stop]
        if scheme == "affine32":
            # datasketch mixes each input once with the MurmurHash3 finalizer before permuting.
            mixed = _fmix32(hashes.astype(np.uint32))
        else:
            mixed = hashes.astype(np.uint64)
        local_starts = shingles.offsets[articles] - start
        for first in range(0, config.num_perm, perm_block):
            last = min(first + perm_block, config.num_perm)
            permuted = _permute(mixed, a[first:last], b[first:last], scheme)
            values[articles, first:last] = np.minimum.reduceat(permuted, local_starts, axis=1).T
    return SignatureBatch(hashvalues=values, seed=config.seed, scheme=scheme)


def _article_chunks(
    shingles: ShingleBatch, nonempty: np.ndarray, chunk_elements: int
) -> Iterator[np.ndarray]:
    """Runs of consecutive non-empty articles holding about ``chunk_elements`` shingles."""
    ends = shingles.offsets[nonempty + 1]
    begin = 0
    while begin < nonempty.size:
        limit = shingles.offsets[nonempty[begin]] + chunk_elements
        # At least one article per chunk, however many shingles it has.
        end = max(begin + 1, int(np.searchsorted(ends, limit, side="right")))
        yield nonempty[begin:end]
        begin = end


def _fmix32(values: np.ndarray) -> np.ndarray:
    """MurmurHash3's 32-bit finalizer, as datasketch's ``_fmix`` applies it (wrapping)."""
    values = values ^ (values >> np.uint32(16))
    values = values * np.uint32(0x85EBCA6B)
    values = values ^ (values >> np.uint32(13))
    values = values * np.uint32(0xC2B2AE35)
    return values ^ (values >> np.uint32(16))


def _permute(mixed: np.ndarray, a: np.ndarray, b: np.ndarray, scheme: Scheme) -> np.ndarray:
    """``(len(a), len(mixed))`` permuted values, as datasketch's ``update_batch`` makes them."""
    if scheme == "affine32":
        # Wrapping uint32 arithmetic is the modulo 2**32. The sum is taken in place: a second
        # temporary block took a third of the time.
        permuted = np.multiply(mixed[None, :], a[:, None].astype(np.uint32))
        permuted += b[:, None].astype(np.uint32)
        return permuted
    # Legacy: (a * h + b) wraps modulo 2**64 in datasketch's uint64 arithmetic, then is reduced
    # modulo the Mersenne prime p = 2**61 - 1 and cut to 32 bits. x mod p is computed as
    # (x & p) + (x >> 61), less than 2p, then one conditional subtraction: numpy's uint64 %
    # is several times slower.
    permuted = np.multiply(mixed[None, :], a[:, None])
    permuted += b[:, None]
    permuted = (permuted & _MERSENNE_PRIME) + (permuted >> np.uint64(61))
    permuted -= _MERSENNE_PRIME * (permuted >= _MERSENNE_PRIME)
    return permuted & _MAX_HASH_32


def estimated_jaccard(first: LeanMinHash, second: LeanMinHash) -> float:
    """Jaccard similarity estimated from two signatures (the share of equal minima)."""
    return float(np.count_nonzero(first.hashvalues == second.hashvalues)) / len(first.hashvalues)
