import json

import pytest

from dedup.errors import InputError
from dedup.evaluation import evaluate_files, score_clusters


def test_evaluation_scores_by_hand():
    # Predicted {a,b,c} {d,e}; gold {a,b} {c,d} {e}.
    # Predicted pairs ab ac bc de = 4; gold pairs ab cd = 2; true pairs: ab = 1.
    # B-cubed precision: a: 2/3, b: 2/3, c: 1/3, d: 1/2, e: 1/2 -> (8/3) / 5 = 8/15.
    # B-cubed recall: a: 2/2, b: 2/2, c: 1/2, d: 1/2, e: 1/1 -> 4/5.
    predicted = {"a": "p1", "b": "p1", "c": "p1", "d": "p2", "e": "p2"}
    gold = {"a": "g1", "b": "g1", "c": "g2", "d": "g2", "e": "g3"}
    scores = score_clusters(predicted, gold)
    assert (scores.predicted_pairs, scores.gold_pairs, scores.true_pairs) == (4, 2, 1)
    assert (scores.precision, scores.recall, scores.f1) == (0.25, 0.5, 0.3333)
    assert (scores.bcubed_precision, scores.bcubed_recall) == (0.5333, 0.8)
    assert scores.bcubed_f1 == pytest.approx(2 * (8 / 15) * 0.8 / (8 / 15 + 0.8), abs=1e-4)


def test_evaluation_perfect_and_missing_items_are_singletons():
    gold = {"a": 1, "b": 1, "c": 2}
    scores = score_clusters({"a": "x", "b": "x"}, gold)
    assert (scores.precision, scores.recall, scores.f1, scores.ari, scores.nmi) == (
        1.0, 1.0, 1.0, 1.0, 1.0
    )  # fmt: skip
    assert score_clusters({}, gold).recall == 0.0


def test_evaluation_recall_per_family():
    gold = {"o": 1, "t": 1, "r": 1, "x": 2}
    families = {"o": "original", "t": "truncate", "r": "reprint", "x": "distractor"}
    scores = score_clusters({"o": "c", "t": "c"}, gold, families)
    # Pairs: o-t found; o-r and t-r missed. truncate: o-t, t-r -> 1/2; reprint: o-r, t-r -> 0/2.
    assert scores.family_recall == {"reprint": 0.0, "truncate": 0.5}


def write_jsonl(path, rows):
    path.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    return path


def test_evaluation_files_read_duplicate_clusters_only(tmp_path):
    clusters = write_jsonl(tmp_path / "clusters.jsonl", [
        {"cluster": "dup-1", "kind": "duplicate", "representative": "a",
         "members": [{"id": "a", "relation": "representative", "score": 1.0},
                     {"id": "b", "relation": "exact", "score": 1.0}]},
        {"cluster": "rel-1", "kind": "related", "representative": "a",
         "members": [{"id": "a", "relation": "representative", "score": 1.0},
                     {"id": "c", "relation": "related", "score": 0.6}]},
    ])  # fmt: skip
    gold = write_jsonl(tmp_path / "gold.jsonl", [
        {"id": "a", "group": 1}, {"id": "b", "group": 1}, {"id": "c", "group": 2}
    ])  # fmt: skip
    assert evaluate_files(clusters, gold).f1 == 1.0
    assert evaluate_files(clusters, gold, kind="related").f1 == 0.0


def test_evaluation_bad_files_name_the_line(tmp_path):
    clusters = tmp_path / "clusters.jsonl"
    clusters.write_text('{"cluster": "d", "kind": "duplicate"}\n', encoding="utf-8")
    gold = write_jsonl(tmp_path / "gold.jsonl", [{"id": "a"}])
    with pytest.raises(InputError, match=r'gold.jsonl:1: a gold line needs "id" and "group"'):
        evaluate_files(clusters, gold)
    gold = write_jsonl(tmp_path / "gold.jsonl", [{"id": "a", "group": 1}])
    with pytest.raises(InputError, match=r"clusters.jsonl:1: not a clusters.jsonl line"):
        evaluate_files(clusters, gold)
    with pytest.raises(InputError, match="input not found: .*missing.jsonl"):
        evaluate_files(tmp_path / "missing.jsonl", gold)
