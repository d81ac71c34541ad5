import numpy as np
import pytest
from sklearn.exceptions import NotFittedError

from dedup.config import VerifyConfig
from dedup.verify import TfidfReranker, classify, overlap_scores, title_similarity, verify_pairs


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
        ({"jaccard": 0.5, "containment_ab": 0.95, "containment_ba": 0.52}, "contained"),
        ({"jaccard": 0.5, "containment_ab": 0.95, "containment_ba": 0.52, "smaller_size": 5},
         None),
        ({"jaccard": 0.1, "containment_ab": 0.2, "containment_ba": 0.2, "cosine": 0.6},
         "related"),
        ({"jaccard": 0.1, "containment_ab": 0.2, "containment_ba": 0.2, "cosine": 0.3}, None),
    ],
)  # fmt: skip
def test_verify_classify(scores, expected):
    arguments = {"same_text": False, "smaller_size": 100, "cosine": 0.0} | scores
    assert classify(**arguments, config=VerifyConfig()) == expected


def test_verify_classify_without_related_tier():
    config = VerifyConfig(related=False)
    scores = {"jaccard": 0.1, "containment_ab": 0.2, "containment_ba": 0.2}
    assert classify(same_text=False, smaller_size=100, cosine=0.9, config=config, **scores) is None


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
    assert reranker.neighbors(0.2) == {(0, 1)}


def test_verify_pairs_keeps_only_accepted_pairs_with_rounded_scores():
    texts = ["a b c d", "a b c d", "x y z"]
    shingles = [np.array([1, 2, 3], np.uint32), np.array([1, 2, 3], np.uint32),
                np.array([7, 8], np.uint32)]  # fmt: skip
    matches = verify_pairs(
        [(0, 2), (0, 1)],
        texts=texts,
        titles=["oil", "oil up", "cats"],
        shingles=shingles,
        reranker=TfidfReranker().fit(texts),
        config=VerifyConfig(),
    )
    assert [(m.a, m.b, m.relation, m.jaccard, m.title_similarity) for m in matches] == [
        (0, 1, "exact", 1.0, 0.6667)
    ]
