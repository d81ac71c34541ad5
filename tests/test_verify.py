from dataclasses import replace

import numpy as np
import pytest
from sklearn.exceptions import NotFittedError

from dedup.config import VerifyConfig
from dedup.normalize import normalize_text
from dedup.verify import (
    PairEvidence,
    TfidfReranker,
    classify,
    fact_agreement,
    overlap_scores,
    pairs_at_least,
    passage_scores,
    shared_stretch,
    title_similarity,
    verify_pairs,
)


def test_verify_overlap_scores_exact():
    first = np.array([1, 2, 3, 4], dtype=np.uint32)
    second = np.array([3, 4, 5, 6, 7, 8], dtype=np.uint32)
    assert overlap_scores(first, second) == (2 / 8, 2 / 4, 2 / 6)
    assert overlap_scores(first, np.array([], dtype=np.uint32)) == (0.0, 0.0, 0.0)


@pytest.mark.parametrize(
    ("scores", "expected"),
    [
        ({"same_text": True, "jaccard": 1.0, "containment_ab": 1.0, "containment_ba": 1.0},
         "exact"),
        ({"jaccard": 0.7, "containment_ab": 0.8, "containment_ba": 0.85}, "near"),
        ({"jaccard": 0.65, "containment_ab": 0.95, "containment_ba": 0.66}, "contained"),
        ({"jaccard": 0.5, "containment_ab": 0.95, "containment_ba": 0.52, "smaller_size": 5},
         None),
        ({"jaccard": 0.1, "containment_ab": 0.2, "containment_ba": 0.2, "cosine": 0.6},
         "related"),
        ({"jaccard": 0.1, "containment_ab": 0.2, "containment_ba": 0.2, "cosine": 0.3}, None),
        # Same wording, other figures: a different report, at most related.
        ({"jaccard": 0.7, "containment_ab": 0.8, "containment_ba": 0.85, "facts_agreeing": 3,
          "facts_conflicting": 1, "cosine": 0.9}, "related"),
        ({"jaccard": 0.7, "containment_ab": 0.8, "containment_ba": 0.85, "facts_agreeing": 10,
          "facts_conflicting": 1}, "near"),
        # A two-line brief under another headline is another company's notice.
        ({"same_text": True, "jaccard": 1.0, "containment_ab": 1.0, "containment_ba": 1.0,
          "smaller_size": 8, "title_similarity": 0.3}, None),
        ({"same_text": True, "jaccard": 1.0, "containment_ab": 1.0, "containment_ba": 1.0,
          "smaller_size": 8, "title_similarity": 0.9}, "exact"),
    ],
)  # fmt: skip
def test_verify_classify(scores, expected):
    evidence = PairEvidence(**({"same_text": False, "smaller_size": 100, "cosine": 0.0} | scores))
    config = VerifyConfig(near_threshold=0.6, containment_threshold=0.8, related_threshold=0.5)
    assert classify(evidence, config) == expected


def test_verify_classify_without_related_tier():
    evidence = PairEvidence(False, 0.1, 0.2, 0.2, smaller_size=100, cosine=0.9)
    assert classify(evidence, VerifyConfig(related=False)) is None


def test_verify_fact_agreement_compares_numbers_in_the_same_place():
    first = normalize_text("Qtly div 22 cts vs 22 cts prior. Pay April 15. Record March 31")
    second = normalize_text("Qtly div 22 cts vs 22 cts prior. Pay April 30. Record April 10")
    # Both 22s agree; 15 follows "pay april" where 30 does. 31 and 10 align nowhere: "record
    # march" and "record april" differ, and the end of a text is no context.
    assert fact_agreement(first, second) == (2, 1)
    truncated = normalize_text("Qtly div 22 cts vs 22 cts prior. Pay")
    assert fact_agreement(truncated, first) == (2, 0)
    assert fact_agreement("no figures here", first) == (0, 0)


def test_verify_fact_agreement_tells_parallel_sentences_apart():
    """'at about' precedes both figures of each text; three words of context align them."""
    first = normalize_text("Hogs are seen at about 285,000 head. Cattle guessed at about 125,000.")
    second = normalize_text("Hogs are seen at about 295,000 head. Cattle guessed at about 123,000.")
    assert fact_agreement(first, second) == (0, 2)


def test_verify_fact_agreement_ignores_moved_sentences_and_lines():
    """Contexts stop at sentence and line ends: reordering puts new words across them."""
    first = "Shr 22 cts vs 19 cts\nNet 5.2 mln vs 4.1 mln\nRevs 40 mln vs 38 mln"
    reordered = "Net 5.2 mln vs 4.1 mln\nRevs 40 mln vs 38 mln\nShr 22 cts vs 19 cts"
    # 4.1 and 38 both stand between "mln vs" and "mln": no unique context, so neither counts.
    assert fact_agreement(first, reordered) == (4, 0)
    story = "Sales rose 5 pct. Profit fell 3 pct. Rivals gained 7 pct in March."
    swapped = "Profit fell 3 pct. Sales rose 5 pct. Rivals gained 7 pct in March."
    assert fact_agreement(story, swapped) == (3, 0)
    assert fact_agreement(story, "Profit fell 4 pct. Sales rose 5 pct.") == (1, 1)


def test_verify_shared_stretch_locates_a_copied_lead():
    ordered = np.array([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], dtype=np.uint32)
    # The other text holds the first four shingles: a stretch of 4 of 10, all shared, from 0.
    assert shared_stretch(ordered, np.array([4, 3, 2, 1, 99], dtype=np.uint32)) == (0.4, 1.0, 0)
    # Shared shingles scattered across the text: a long but sparse stretch, no run of three.
    share, density, lead = shared_stretch(ordered, np.array([1, 5, 10], dtype=np.uint32))
    assert (share, round(density, 2), lead) == (1.0, 0.3, 1_000_000)
    assert shared_stretch(ordered[:0], ordered) == (0.0, 0.0, 1_000_000)


def test_verify_passage_makes_a_padded_truncated_copy_near():
    """A truncated copy padded with teasers: too little overlap for near or contained."""
    original = np.arange(100, dtype=np.uint32)
    copy = np.concatenate([original[:50], np.arange(1000, 1060, dtype=np.uint32)])
    # 50 shared shingles, the outer 5% (2) on each side left out: a stretch of 46.
    assert passage_scores(original, copy) == (1.0, 0.46, 0, 0)
    sets = [np.unique(original), np.unique(copy)]
    evidence = PairEvidence(False, *overlap_scores(*sets), smaller_size=100, cosine=0.3)
    assert classify(evidence, VerifyConfig()) is None
    density, share, later, earlier = passage_scores(original, copy)
    found = replace(
        evidence,
        passage_density=density,
        passage_share=share,
        passage_lead=later,
        passage_first_lead=earlier,
    )
    assert classify(found, VerifyConfig()) == "near"
    # The same passage further into both texts: shared paragraphs of two stories.
    assert classify(replace(found, passage_lead=5, passage_first_lead=5), VerifyConfig()) is None


def test_verify_passage_after_a_local_lead_needs_agreeing_headlines():
    """A copy that opens with a local paragraph: the passage starts at one text's lead only."""
    original = np.arange(100, dtype=np.uint32)
    copy = np.concatenate([np.arange(1000, 1010, dtype=np.uint32), original[:50]])
    density, share, later, earlier = passage_scores(original, copy)
    # 46 of the copy's 60 shingles lie in the stretch, which begins after its 10 local ones.
    assert (density, round(share, 3), later, earlier) == (1.0, 0.767, 10, 0)
    sets = [np.unique(original), np.unique(copy)]
    evidence = replace(
        PairEvidence(False, *overlap_scores(*sets), smaller_size=60, cosine=0.3),
        passage_density=density,
        passage_share=share,
        passage_lead=later,
        passage_first_lead=earlier,
    )
    # Same headline (or none to compare): a republished copy.
    assert classify(replace(evidence, title_similarity=0.9), VerifyConfig()) == "near"
    assert classify(evidence, VerifyConfig()) == "near"
    # Another headline: a follow-up story quoting the earlier lead.
    assert classify(replace(evidence, title_similarity=0.4), VerifyConfig()) is None


def test_verify_title_similarity_ignores_word_order():
    assert title_similarity("oil prices rise", "rise oil prices") == 1.0
    assert title_similarity("", "oil") == 0.0
    assert 0.3 < title_similarity("oil prices rise", "oil prices fall sharply") < 0.8


def test_verify_tfidf_reranker_contract():
    with pytest.raises(NotFittedError, match="not fitted yet"):
        TfidfReranker().cosine(0, 1)
    reranker = TfidfReranker().fit(["oil prices rose", "oil prices fell", "cats sleep all day"])
    assert reranker.cosine(0, 0) == pytest.approx(1.0)
    assert reranker.cosine(0, 2) == 0.0
    assert pairs_at_least(reranker.graph(0.2), 0.2).tolist() == [[0, 1]]


def test_verify_pairs_keeps_only_accepted_pairs_with_rounded_scores():
    texts = ["a b c d", "a b c d", "x y z"]
    shingles = [np.array([1, 2, 3], np.uint32), np.array([1, 2, 3], np.uint32),
                np.array([7, 8], np.uint32)]  # fmt: skip
    matches = verify_pairs(
        [(0, 2), (0, 1)],
        texts=texts,
        bodies=texts,
        titles=["oil up", "oil up", "cats"],
        shingles=shingles,
        reranker=TfidfReranker().fit(texts),
        config=VerifyConfig(),
    )
    assert [(m.a, m.b, m.relation, m.jaccard, m.title_similarity) for m in matches] == [
        (0, 1, "exact", 1.0, 1.0)
    ]
