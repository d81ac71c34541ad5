"""Scoring clusters against gold labels: pairwise and B-cubed precision/recall/F1, ARI and NMI.

Gold labels are ``{"id": ..., "group": ...}`` lines: articles that share a group are copies of
one another. Articles in the gold set that no predicted cluster holds count as singletons;
predicted members that are not in the gold set are ignored.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from collections.abc import Hashable, Iterator, Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from .errors import InputError
from .ingest import iter_jsonl
from .types import ArticleId


@dataclass(frozen=True)
class Scores:
    """Agreement of predicted clusters with gold groups; ``family_recall`` only with families."""

    items: int
    gold_pairs: int
    predicted_pairs: int
    true_pairs: int
    precision: float
    recall: float
    f1: float
    bcubed_precision: float
    bcubed_recall: float
    bcubed_f1: float
    ari: float
    nmi: float
    family_recall: dict[str, float] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _f1(precision: float, recall: float) -> float:
    return 2 * precision * recall / (precision + recall) if precision + recall else 0.0


def _pairs(count: int) -> int:
    return count * (count - 1) // 2


def score_clusters(
    predicted: Mapping[ArticleId, Hashable],
    gold: Mapping[ArticleId, Hashable],
    families: Mapping[ArticleId, str] | None = None,
) -> Scores:
    """Score a predicted labelling of the gold items against the gold labelling.

    Args:
        predicted: cluster label of each clustered article; gold items missing here are
            singletons.
        gold: group of every gold item.
        families: edit family of each item, for recall per family (pairs with a member of
            that family).
    """
    items = list(gold)
    gold_labels = [gold[i] for i in items]
    predicted_labels = [predicted.get(i, ("singleton", i)) for i in items]
    cells = Counter(zip(predicted_labels, gold_labels, strict=True))
    predicted_sizes = Counter(predicted_labels)
    gold_sizes = Counter(gold_labels)

    true_pairs = sum(_pairs(n) for n in cells.values())
    predicted_pairs = sum(_pairs(n) for n in predicted_sizes.values())
    gold_pairs = sum(_pairs(n) for n in gold_sizes.values())
    precision = true_pairs / predicted_pairs if predicted_pairs else 1.0
    recall = true_pairs / gold_pairs if gold_pairs else 1.0
    # Imported here: scikit-learn takes most of a second to import, and `dedup find` (whose CLI
    # imports this module for `dedup evaluate`) never scores anything.
    from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score

    # B-cubed: each item's cluster precision and recall, averaged over items (Bagga & Baldwin 1998).
    n = len(items)
    bcubed_precision = sum(c * c / predicted_sizes[p] for (p, _), c in cells.items()) / n
    bcubed_recall = sum(c * c / gold_sizes[g] for (_, g), c in cells.items()) / n
    return Scores(
        items=n,
        gold_pairs=gold_pairs,
        predicted_pairs=predicted_pairs,
        true_pairs=true_pairs,
        precision=round(precision, 4),
        recall=round(recall, 4),
        f1=round(_f1(precision, recall), 4),
        bcubed_precision=round(bcubed_precision, 4),
        bcubed_recall=round(bcubed_recall, 4),
        bcubed_f1=round(_f1(bcubed_precision, bcubed_recall), 4),
        ari=round(float(adjusted_rand_score(gold_labels, _codes(predicted_labels))), 4),
        nmi=round(float(normalized_mutual_info_score(gold_labels, _codes(predicted_labels))), 4),
        family_recall=_family_recall(predicted, gold, families) if families else {},
    )


def _codes(labels: list[Hashable]) -> list[int]:
    """Labels as integers: sklearn needs one comparable type."""
    codes: dict[Hashable, int] = {}
    return [codes.setdefault(label, len(codes)) for label in labels]


def _family_recall(
    predicted: Mapping[ArticleId, Hashable],
    gold: Mapping[ArticleId, Hashable],
    families: Mapping[ArticleId, str],
) -> dict[str, float]:
    """Share of gold pairs found, over the pairs that have a member of each family."""
    members: dict[Hashable, list[ArticleId]] = defaultdict(list)
    for item, group in gold.items():
        members[group].append(item)
    found: Counter[str] = Counter()
    total: Counter[str] = Counter()
    for group_members in members.values():
        for i, first in enumerate(group_members):
            for second in group_members[i + 1 :]:
                same = first in predicted and predicted.get(first) == predicted.get(second)
                for family in {families.get(first), families.get(second)} - {None, "original"}:
                    total[family] += 1  # type: ignore[index]
                    found[family] += same  # type: ignore[index]
    return {family: round(found[family] / total[family], 4) for family in sorted(total)}


def read_jsonl(path: Path) -> Iterator[tuple[str, dict[str, Any]]]:
    """``(origin, object)`` for each non-blank line of a JSON Lines file; the first bad line
    raises :class:`InputError` naming it."""
    if not path.is_file():
        raise InputError(f"input not found: {path}")
    with path.open("rb") as stream:
        for origin, record in iter_jsonl(stream, str(path)):
            if isinstance(record, InputError):
                raise record
            yield origin, record


def read_predicted(path: Path, kind: str = "duplicate") -> dict[ArticleId, str]:
    """Cluster of each article in a ``clusters.jsonl``, for clusters of ``kind``."""
    predicted: dict[ArticleId, str] = {}
    for origin, record in read_jsonl(path):
        try:
            if record["kind"] != kind:
                continue
            for member in record["members"]:
                predicted[member["id"]] = record["cluster"]
        except (KeyError, TypeError) as error:
            raise InputError(f"{origin}: not a clusters.jsonl line (missing {error})") from error
    return predicted


def read_gold(path: Path) -> tuple[dict[ArticleId, Hashable], dict[ArticleId, str]]:
    """Gold group of each article, and its edit family where the gold file gives one."""
    gold: dict[ArticleId, Hashable] = {}
    families: dict[ArticleId, str] = {}
    for origin, record in read_jsonl(path):
        if "id" not in record or "group" not in record:
            raise InputError(f'{origin}: a gold line needs "id" and "group"')
        gold[record["id"]] = json.dumps(record["group"])
        if "family" in record:
            families[record["id"]] = str(record["family"])
    if not gold:
        raise InputError(f"{path}: no gold labels")
    return gold, families


def evaluate_files(clusters: Path, gold: Path, kind: str = "duplicate") -> Scores:
    """Score a ``clusters.jsonl`` file against a gold file (``dedup eval``)."""
    labels, families = read_gold(gold)
    return score_clusters(read_predicted(clusters, kind), labels, families)
