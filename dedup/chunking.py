"""Verification chunks: the candidate pairs cut into chunks that share few articles.

A worker verifying a chunk loads every distinct article of its pairs from the spill and derives
its features again (read, clean, shingle, vectorize: about 35 µs of CPU per article), so an
article whose pairs fall in several chunks is loaded several times. Cutting the pairs into
chunks of about ``size`` pairs that load few articles is an edge partition of the candidate
graph (articles are vertices, pairs edges) that keeps few vertices in several parts.

Connected components of fewer than ``size // SMALL_COMPONENT_SHARE`` pairs are packed whole, so
their articles load once. Larger components are carved into balls: a chunk grows breadth-first
from a seed article over the pairs no chunk holds yet, taking every pair between two of its
articles, and takes of its last level the articles that leave fewest of their pairs outside,
then bring most. A ball's boundary is all that loads again, where chunks cut from an ordering
of the articles (reverse Cuthill-McKee) slice through whole breadth-first levels, thousands
of articles wide in a candidate graph. The small pieces the balls leave are packed whole too.

On the pairs of a 200k corpus (202,811 pairs, 117,239 articles, one component of 165k pairs)
the chunks load 0.645 articles a pair, those of the ordering 0.785, each article once 0.578;
the verification of all chunks took 10% less CPU. Cutting takes 0.12 s (the ordering 0.04 s),
and 4 s for 4.4M pairs (the ordering 2 s).

Written here because no library at hand does it: scipy has no graph partitioner, and METIS
(pymetis) would be a compiled dependency for this one step that partitions the articles, not
the pairs, balancing articles rather than pairs.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import sparse
from scipy.sparse.csgraph import connected_components

SMALL_COMPONENT_SHARE = 4
"""Components of fewer than ``size // SMALL_COMPONENT_SHARE`` pairs are packed whole, so a
chunk of packed components has between ``size`` minus and plus that many pairs."""


def pair_chunks(pairs: np.ndarray, size: int) -> list[np.ndarray]:
    """Positions in ``pairs`` (an ``(m, 2)`` array of article positions) of each chunk: every
    pair in exactly one chunk, a chunk of about ``size`` pairs (see :func:`local_chunks`)."""
    needed, local = np.unique(pairs.ravel(), return_inverse=True)
    return local_chunks(local.reshape(-1, 2), len(needed), size)


def local_chunks(local: np.ndarray, n: int, size: int) -> list[np.ndarray]:
    """The chunks of pairs ``local`` between articles ``0..n-1``, each as increasing pair
    positions. Chunks carved from large components have between ``size`` pairs and ``size``
    plus an article's pair count, chunks of small components ``size`` plus or minus
    ``size // SMALL_COMPONENT_SHARE``; only the last chunk of each kind may be smaller."""
    labels = chunk_labels(local, n, size)
    # A radix sort when the chunk numbers fit 16 bits: 0.6 ms for 200k pairs, 6 ms in 64 bits.
    keys = labels.astype(np.uint16) if len(labels) and labels.max() < 1 << 16 else labels
    order = np.argsort(keys, kind="stable")
    return np.split(order, np.flatnonzero(np.diff(labels[order])) + 1) if len(order) else []


def chunk_labels(local: np.ndarray, n: int, size: int) -> np.ndarray:
    """The chunk of each pair, numbered from 0: the chunks carved from large components
    first, then the small components packed whole, from the last carved chunk on."""
    size = max(1, size)
    if len(local) == 0:
        return np.zeros(0, dtype=np.int64)
    graph = _Adjacency(local, n)
    labels, pieces = _carve(graph, local, size)
    carved = labels[labels >= 0]
    last = int(carved.max()) if len(carved) else 0
    filled = int(np.count_nonzero(carved == last))
    packed = np.flatnonzero(pieces >= 0)
    labels[packed] = last + _pack(pieces[packed], filled, size)
    return labels


def _pack(component: np.ndarray, filled: int, size: int) -> np.ndarray:
    """Chunks of pairs whose components are ``component``, packing whole components in order
    of their number: a component goes to the chunk where its first pair would fall, after
    ``filled`` pairs already in the first chunk."""
    order = np.argsort(component, kind="stable")
    starts = np.flatnonzero(np.r_[True, np.diff(component[order]) != 0])
    chunk = np.repeat((filled + starts) // size, np.diff(np.r_[starts, len(order)]))
    labels = np.empty(len(component), dtype=np.int64)
    labels[order] = chunk
    return labels


def _carve(graph: _Adjacency, local: np.ndarray, size: int) -> tuple[np.ndarray, np.ndarray]:
    """The chunk of each pair, chunks grown as breadth-first balls (see the module), or -1
    for pairs left to pack; and the component of each pair left to pack, or -1."""
    m = len(local)
    labels = np.full(m, -1, dtype=np.int64)
    pieces = np.full(m, -1, dtype=np.int64)
    seeds = _Seeds(graph.free)
    # Per article: 0 in the growing chunk, 1.. a candidate's rank in the level being added.
    rank = np.full(len(graph.free), -1, dtype=np.int64)
    chunk = 0
    start = np.zeros(0, dtype=np.int64)
    assigned = 0
    # When to leave the small components of what is left to pack: before the first ball,
    # then each time half of what was left is held. Carving leaves many small pieces late;
    # packing them took 520 steps of balls for 200k pairs, where 1269 seeded them.
    split_at = m
    while assigned < m:
        members: list[np.ndarray] = []
        count = 0
        level = start[graph.free[start] > 0]
        batch = 1
        while count < size:
            if len(level) == 0:
                if m - assigned <= split_at:
                    assigned += graph.leave_small(pieces, size // SMALL_COMPONENT_SHARE)
                    split_at = (m - assigned) // 2
                # A ball ran out of pairs: seed again, more seeds each time, as the pieces
                # left late are small (one seed at a time took 2.4x the steps).
                level = seeds.take(batch, rank)
                batch *= 2
                if len(level) == 0:  # every pair is held
                    break
            grown = _grow(graph, level, rank, size - count)
            labels[grown.pairs] = chunk
            count += len(grown.pairs)
            assigned += len(grown.pairs)
            graph.take(local[grown.pairs])
            members.append(grown.chosen)
            level = grown.next_level
            if grown.closed:
                break
        if members:
            rank[np.concatenate(members)] = -1
        start = level[:1]
        chunk += 1
    return labels, pieces


class _Adjacency:
    """The candidate graph, each article's pairs in one run of slots, which pairs a chunk
    holds (``held``) and how many of each article's pairs none holds yet (``free``)."""

    def __init__(self, local: np.ndarray, n: int) -> None:
        m = len(local)
        ends = local.T.ravel()
        # No step depends on the order of an article's pairs in its run: numpy's default
        # argsort takes 7.6 ms for the 405k ends of 200k pairs, the stable one 18 ms.
        slots = np.argsort(ends)
        self.local = local
        self.pair = slots % m
        self.neighbour = local[self.pair, 1 - slots // m]
        counts = np.bincount(ends, minlength=n)
        self.offsets = np.zeros(n + 1, dtype=np.int64)
        np.cumsum(counts, out=self.offsets[1:])
        self.free = counts
        self.held = np.zeros(m, dtype=bool)
        self.pieces = 0

    def slots(self, articles: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The slots of the free pairs of ``articles``, and the index in ``articles`` of each."""
        starts = self.offsets[articles]
        lengths = self.offsets[articles + 1] - starts
        owner = np.repeat(np.arange(len(articles)), lengths)
        slots = np.arange(len(owner)) - np.repeat(np.cumsum(lengths) - lengths - starts, lengths)
        free = ~self.held[self.pair[slots]]
        return slots[free], owner[free]

    def take(self, pairs: np.ndarray) -> None:
        """Count the pairs (as ``(k, 2)`` articles) held by a chunk off ``free``."""
        np.subtract.at(self.free, pairs.ravel(), 1)

    def leave_small(self, pieces: np.ndarray, below: int) -> int:
        """Hold the free pairs of components of fewer than ``below`` free pairs, numbering
        their components in ``pieces`` after those left before; how many pairs they are."""
        rest = np.flatnonzero(~self.held)
        count, component = _components(self.local[rest], len(self.free))
        small = np.bincount(component, minlength=count)[component] < below
        left = rest[small]
        pieces[left] = self.pieces + component[small]
        self.pieces += count
        self.held[left] = True
        self.take(self.local[left])
        return len(left)


def _components(local: np.ndarray, n: int) -> tuple[int, np.ndarray]:
    """The number of connected components of the pairs ``local`` and the component of each
    pair. Articles are numbered afresh when the pairs are few, as the carving leaves fewer
    and fewer: a graph of all ``n`` articles took 0.3 s for each of 9 calls at 4.4M pairs."""
    if 2 * len(local) < n:
        _articles, local = np.unique(local, return_inverse=True)
        local = local.reshape(-1, 2)
        n = int(local.max()) + 1 if len(local) else 0
    graph = sparse.csr_matrix(
        (np.ones(len(local), dtype=np.int8), (local[:, 0], local[:, 1])), shape=(n, n)
    )
    count, article_component = connected_components(graph, directed=False)
    return count, article_component[local[:, 0]]


class _Seeds:
    """Articles to start balls from: those with fewest pairs first (the edge of the graph, so
    balls do not leave a thin rim behind), skipping articles with no free pairs."""

    def __init__(self, free: np.ndarray) -> None:
        self.free = free
        self.order = np.argsort(free, kind="stable")
        self.next = 0

    def take(self, count: int, rank: np.ndarray) -> np.ndarray:
        width = 64
        while True:
            window = self.order[self.next : self.next + width]
            live = self.free[window] > 0
            skipped = int(np.argmax(live)) if live.any() else len(window)
            self.next += skipped
            window, live = window[skipped:], live[skipped:]
            found = window[live & (rank[window] < 0)]
            if len(found) >= count or self.next + width >= len(self.order):
                return found[:count]
            width *= 2


@dataclass(frozen=True)
class _Grown:
    """One step of a ball: the articles added, the pairs now held, the next level, and
    whether the chunk is full."""

    chosen: np.ndarray
    pairs: np.ndarray
    next_level: np.ndarray
    closed: bool


def _grow(graph: _Adjacency, level: np.ndarray, rank: np.ndarray, wanted: int) -> _Grown:
    """Add the articles ``level`` to the chunk (``rank`` 0), or, if they would bring more than
    ``wanted`` pairs, those first that leave fewest of their pairs outside, then bring most."""
    slots, owner = graph.slots(level)
    neighbour = graph.neighbour[slots]
    inside = np.bincount(owner[rank[neighbour] == 0], minlength=len(level))
    order = np.lexsort((level, -inside, graph.free[level] - inside))
    position = np.empty(len(level), dtype=np.int64)
    position[order] = np.arange(len(level))
    rank[level] = position + 1
    theirs = position[owner]
    other = rank[neighbour]
    # A pair to the chunk counts for the candidate; a pair between two candidates for the
    # later one, so the number of pairs a prefix of candidates brings is a cumulative sum.
    counted = (other == 0) | ((other > 0) & (other - 1 < theirs))
    brought = np.cumsum(np.bincount(theirs[counted], minlength=len(level)))
    taken = len(level) if brought[-1] < wanted else int(np.searchsorted(brought, wanted)) + 1
    chosen_slot = theirs < taken
    rank[level] = -1
    chosen = level[order[:taken]]
    rank[chosen] = 0
    pairs = graph.pair[slots[counted & chosen_slot]]
    graph.held[pairs] = True
    if taken < len(level):
        return _Grown(chosen, pairs, level[order[taken : taken + 1]], closed=True)
    outside = neighbour[chosen_slot & (rank[neighbour] < 0)]
    return _Grown(chosen, pairs, np.unique(outside), closed=brought[-1] >= wanted)
