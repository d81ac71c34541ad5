"""Configuration of each pipeline stage, checked when built.

Defaults were chosen on the syndication set built by ``benchmarks/quality`` (see its README).
``str(config)`` encodes every parameter, so a stored result records how it was made.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Literal

from .errors import ConfigError

ShingleKind = Literal["word", "char"]
KeepRule = Literal["earliest", "longest", "first"]


def _check_unit_interval(name: str, value: float) -> None:
    if not 0.0 <= value <= 1.0:
        raise ConfigError(f"{name} must be in [0, 1]; got {value}")


def _check_positive(name: str, value: int) -> None:
    if value < 1:
        raise ConfigError(f"{name} must be a positive whole number; got {value}")


@dataclass(frozen=True)
class ShingleConfig:
    """How a normalized body becomes a set of shingles.

    Args:
        kind: ``word`` n-grams (robust to re-wrapping and punctuation) or ``char`` n-grams
            (robust to OCR noise that splits or merges words).
        shingle_size: n, in words or characters.
    """

    kind: ShingleKind = "word"
    shingle_size: int = 3

    def __post_init__(self) -> None:
        if self.kind not in ("word", "char"):
            raise ConfigError(f"shingle kind must be 'word' or 'char'; got {self.kind!r}")
        _check_positive("shingle_size", self.shingle_size)


@dataclass(frozen=True)
class BoilerplateConfig:
    """Recognising site templates: lines that recur across many articles of one source.

    Args:
        enabled: remove template lines before any similarity is computed.
        min_docs: a line is template when it occurs in at least this many distinct articles of
            one source (all articles when sources are unknown).
        max_removed_fraction: never strip more than this share of an article's words; an article
            that would lose more is most likely one of several copies of one story, not a
            template, so it is left whole.
    """

    enabled: bool = True
    min_docs: int = 4
    max_removed_fraction: float = 0.8

    def __post_init__(self) -> None:
        if self.min_docs < 2:
            raise ConfigError(f"boilerplate min_docs must be at least 2; got {self.min_docs}")
        _check_unit_interval("max_removed_fraction", self.max_removed_fraction)


@dataclass(frozen=True)
class LSHConfig:
    """MinHash LSH candidate search (datasketch).

    Args:
        threshold: Jaccard similarity at which pairs should become candidates. It is set below
            the near-duplicate threshold because a truncated copy shares only part of the
            original's shingles; verification restores precision.
        num_perm: number of MinHash permutations.
        seed: seed of the permutations; signatures made with different seeds never compare.
    """

    threshold: float = 0.2
    num_perm: int = 128
    seed: int = 1

    def __post_init__(self) -> None:
        _check_unit_interval("threshold", self.threshold)
        if self.num_perm < 2:
            raise ConfigError(f"num_perm must be at least 2; got {self.num_perm}")


@dataclass(frozen=True)
class VerifyConfig:
    """Thresholds that turn a candidate pair into an accepted relation.

    Args:
        near_threshold: exact Jaccard of the shingle sets for ``near``.
        containment_threshold: share of the shorter article's shingles found in the longer one
            for ``contained``.
        char_shingle_size: verification also compares character n-grams of this size: OCR
            noise and copy edits break many word shingles but few character ones, while two
            different reports of one event share phrases but few character n-grams beyond them.
        char_near_threshold: character-n-gram Jaccard that also makes a pair ``near``.
        char_containment_threshold: character-n-gram containment that also makes ``contained``.
        containment_margin: ``contained`` also needs the shorter article's share inside the
            longer to exceed the longer's share inside the shorter by this much; otherwise the
            two are about equally long and the pair is ``near``.
        min_contained_shingles: the shorter article needs at least this many shingles before
            containment counts (a three-line brief is "contained" in too many articles).
        related_threshold: TF-IDF cosine of the bodies for a ``related`` pair (``pairs.jsonl``).
        related: look for related stories at all (costs a search over all pairs).
        related_max_articles: the related-story search compares every pair of articles, so
            its time grows with the square of the run (20 s for 25,000 articles, 20 minutes
            for 200,000): runs of more articles skip it and say so; 0 lifts the limit.
        story_threshold: related-story clusters grow by centroid linkage: two groups merge
            while the cosine of their summed TF-IDF vectors is at least this.
        story_edge_threshold: only pairs with at least this cosine count towards a centroid
            cosine (lower ones are the background vocabulary of a shared topic) ...
        short_story_edge_threshold: ... or at least this when the shorter body has fewer than
            ``short_story_words`` words: two headlines of one story often share one word.
        short_story_words: bodies of fewer words are short texts (headlines).
        distinctive_share: a pair counts towards a story only when both texts (or both
            titles) hold a word found in at most this share of the run's articles: a wire
            template ("Shr 12 cts vs 10 cts") is shared by hundreds of reports on different
            companies, a story's names by few. Headlines without a title of their own are
            exempt.
        max_fact_conflicts: share of the numbers two texts both place in the same context
            that may differ before they count as different reports (templated wire reports
            differ only in their figures).
        short_title_similarity: bodies shorter than ``min_contained_shingles`` are duplicates
            only when their titles are at least this similar (many companies file the same
            two-line dividend notice)...
        short_near_threshold: ... and when their Jaccard reaches this.
        passage_density: a copied passage: in each text, the stretch from its first to its
            last shared shingle (the outer 5% of shared shingles aside) must be at least this
            dense in shared shingles...
        passage_share: ... and that stretch must cover at least this share of one of the two
            texts. Catches a truncated copy padded with another site's teasers or local
            paragraphs, whose shingle sets overlap too little for ``near`` or ``contained``...
        passage_lead: ... and the shared text must begin within this many shingles of the
            start of both texts: a truncated copy keeps the lead, while different stories
            that share paragraphs (follow-ups, corrections, reports filed on one template)
            mostly begin differently. When the two headlines agree (at least
            ``passage_title_similarity``, or a text has no headline of its own), the start of
            one text suffices: a republished copy keeps its headline but may open with a
            local paragraph or a dateline of its own, while a follow-up that quotes an
            earlier story's lead has a headline of its own.
        passage_title_similarity: see ``passage_lead``.
    """

    near_threshold: float = 0.5
    containment_threshold: float = 0.9
    containment_margin: float = 0.2
    char_shingle_size: int = 5
    char_near_threshold: float = 0.6
    char_containment_threshold: float = 0.9
    min_contained_shingles: int = 20
    related_threshold: float = 0.5
    related: bool = True
    related_max_articles: int = 100_000
    story_threshold: float = 0.15
    story_edge_threshold: float = 0.2
    short_story_edge_threshold: float = 0.1
    short_story_words: int = 20
    distinctive_share: float = 0.003
    max_fact_conflicts: float = 0.1
    short_title_similarity: float = 0.7
    short_near_threshold: float = 0.6
    passage_density: float = 0.55
    passage_share: float = 0.35
    passage_lead: int = 0
    passage_title_similarity: float = 0.7

    def __post_init__(self) -> None:
        _check_unit_interval("max_fact_conflicts", self.max_fact_conflicts)
        _check_unit_interval("short_title_similarity", self.short_title_similarity)
        _check_unit_interval("short_near_threshold", self.short_near_threshold)
        _check_unit_interval("near_threshold", self.near_threshold)
        _check_unit_interval("containment_threshold", self.containment_threshold)
        _check_unit_interval("containment_margin", self.containment_margin)
        _check_unit_interval("char_near_threshold", self.char_near_threshold)
        _check_unit_interval("char_containment_threshold", self.char_containment_threshold)
        _check_positive("char_shingle_size", self.char_shingle_size)
        _check_unit_interval("related_threshold", self.related_threshold)
        if self.related_max_articles < 0:
            raise ConfigError(
                f"related_max_articles must be at least 0; got {self.related_max_articles}"
            )
        _check_unit_interval("story_threshold", self.story_threshold)
        _check_unit_interval("story_edge_threshold", self.story_edge_threshold)
        _check_unit_interval("short_story_edge_threshold", self.short_story_edge_threshold)
        _check_positive("short_story_words", self.short_story_words)
        _check_unit_interval("distinctive_share", self.distinctive_share)
        _check_positive("min_contained_shingles", self.min_contained_shingles)
        _check_unit_interval("passage_density", self.passage_density)
        _check_unit_interval("passage_share", self.passage_share)
        _check_unit_interval("passage_title_similarity", self.passage_title_similarity)
        if self.passage_lead < 0:
            raise ConfigError(f"passage_lead must be at least 0; got {self.passage_lead}")


@dataclass(frozen=True)
class DedupConfig:
    """Every parameter of a run; ``str()`` gives a compact record of them.

    Args:
        jobs: worker processes for the per-article stages and verification; ``None`` uses
            every available core. The result is the same for any number.
        chunk_size: articles per chunk handed to a worker (and held in memory at once per
            chunk in flight); a run of fewer articles stays in one process.
    """

    shingle: ShingleConfig = field(default_factory=ShingleConfig)
    boilerplate: BoilerplateConfig = field(default_factory=BoilerplateConfig)
    lsh: LSHConfig = field(default_factory=LSHConfig)
    verify: VerifyConfig = field(default_factory=VerifyConfig)
    keep: KeepRule = "earliest"
    jobs: int | None = None
    chunk_size: int = 1000

    def __post_init__(self) -> None:
        if self.keep not in ("earliest", "longest", "first"):
            raise ConfigError(f"keep must be one of earliest, longest, first; got {self.keep!r}")
        if self.jobs is not None and self.jobs < 1:
            raise ConfigError(f"jobs must be at least 1 (or unset for all cores); got {self.jobs}")
        _check_positive("chunk_size", self.chunk_size)

    def __str__(self) -> str:
        parts: list[str] = []
        for section, values in asdict(self).items():
            if isinstance(values, dict):
                parts.extend(f"{section}.{key}={value}" for key, value in values.items())
            else:
                parts.append(f"{section}={values}")
        return " ".join(parts)
