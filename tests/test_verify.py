import random
import re
from dataclasses import replace

import numpy as np
import pytest

from dedup.boilerplate import normalize_blocks, split_blocks
from dedup.config import ShingleConfig, VerifyConfig
from dedup.normalize import normalize_text
from dedup.shingle import ShingleBatch, make_shingle_batch, ordered_shingles
from dedup.tfidf import TfidfReranker
from dedup.verify import (
    _NUMBER,
    RELATION_CODES,
    EvidenceColumns,
    OrderedShingles,
    PairEvidence,
    _Features,
    _numbers_in_context,
    classify,
    classify_columns,
    fact_agreement,
    overlap_scores,
    passage_columns,
    passage_scores,
    shared_count,
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


def _passage_columns_of(texts, pairs):
    """passage_columns of pairs of texts given as arrays of ordered shingle hashes."""
    offsets = np.zeros(len(texts) + 1, dtype=np.int64)
    np.cumsum([text.size for text in texts], out=offsets[1:])
    hashes = np.concatenate([np.zeros(0, dtype=np.uint32), *texts])
    shingles = OrderedShingles.of_batch(ShingleBatch(hashes=hashes, offsets=offsets))
    firsts = np.array([a for a, _ in pairs], dtype=np.int64)
    seconds = np.array([b for _, b in pairs], dtype=np.int64)
    columns = passage_columns(shingles, firsts, seconds)
    assert [column.dtype for column in columns] == [np.float64, np.float64, np.int64, np.int64]
    return list(zip(*(column.tolist() for column in columns), strict=True))


@pytest.mark.parametrize("alphabet", [2, 5, 30, 2**32])
def test_verify_passage_columns_are_passage_scores_of_each_pair(alphabet):
    rng = np.random.default_rng(alphabet % 1000)
    texts = [
        rng.integers(0, alphabet, rng.integers(0, 51), dtype=np.uint64).astype(np.uint32)
        for _ in range(120)
    ]
    # Copies of parts of other texts, for long shared stretches and runs of three.
    for i in range(0, 120, 4):
        source = texts[(i * 7 + 1) % 120]
        start = int(rng.integers(0, source.size + 1))
        stop = int(rng.integers(start, source.size + 1))
        noise = rng.integers(0, alphabet, rng.integers(0, 20), dtype=np.uint64).astype(np.uint32)
        texts[i] = np.concatenate([noise, source[start:stop], noise[::-1]])
    pairs = [(int(a), int(b)) for a, b in rng.integers(0, 120, (600, 2))]
    pairs += [(i, (i * 7 + 1) % 120) for i in range(0, 120, 4)]
    expected = [passage_scores(texts[a], texts[b]) for a, b in pairs]
    found = _passage_columns_of(texts, pairs)
    assert found == expected
    types = {tuple(type(value) for value in scores) for scores in found + expected}
    assert types == {(float, float, int, int)}


def test_verify_passage_columns_edge_cases():
    def u32(*values):
        return np.array(values, dtype=np.uint32)

    texts = [
        u32(),  # 0: no shingle
        u32(1),  # 1: fewer than three shingles
        u32(1, 2),  # 2
        u32(1, 2, 3),  # 3: exactly one run of three
        u32(7, 8, 9),  # 4: nothing in common with 1-3
        u32(1, 9, 2, 9, 3),  # 5: shared but never three in a row
        np.arange(100, dtype=np.uint32),  # 6
        np.concatenate([np.arange(1000, 1010, dtype=np.uint32), np.arange(50, dtype=np.uint32)]),
        np.arange(40, dtype=np.uint32)[::-1].copy(),  # 8: 40 shared, a trim of 2
        u32(2**32 - 1, 2**32 - 1, 0, 0, 2**32 - 1),  # 9: repeats, extreme values
        u32(0, 2**32 - 1),  # 10
        np.full(25, 3, dtype=np.uint32),  # 11: one value, repeated
    ]
    pairs = [(a, b) for a in range(len(texts)) for b in range(len(texts))]
    expected = [passage_scores(texts[a], texts[b]) for a, b in pairs]
    assert _passage_columns_of(texts, pairs) == expected
    assert _passage_columns_of(texts, [(0, 0)]) == [(0.0, 0.0, 1_000_000, 1_000_000)]
    assert _passage_columns_of([u32()], []) == []
    assert _passage_columns_of(texts, [(6, 7)]) == [(1.0, 46 / 60, 10, 0)]


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


def test_verify_pairs_keeps_only_accepted_pairs_with_rounded_scores():
    texts = ["a b c d", "a b c d", "x y z"]
    shingles = [np.array([1, 2, 3], np.uint32), np.array([1, 2, 3], np.uint32),
                np.array([7, 8], np.uint32)]  # fmt: skip
    matches = verify_pairs(
        [(0, 2), (0, 1)],
        texts=texts,
        bodies=[normalize_blocks(text)[1] for text in texts],
        titles=["oil up", "oil up", "cats"],
        shingles=shingles,
        reranker=TfidfReranker().fit(texts),
        config=VerifyConfig(),
    )
    assert [(m.a, m.b, m.relation, m.jaccard, m.title_similarity) for m in matches] == [
        (0, 1, "exact", 1.0, 1.0)
    ]


def test_verify_shared_count_is_the_size_of_the_intersection():
    rng = np.random.default_rng(5)
    for size_a, size_b in [(0, 0), (0, 5), (1, 1), (50, 400), (1000, 30)]:
        first = np.unique(rng.integers(0, 600, size_a).astype(np.uint32))
        second = np.unique(rng.integers(0, 600, size_b).astype(np.uint32))
        expected = np.intersect1d(first, second, assume_unique=True).size
        assert shared_count(first, second) == expected


def _reference_figures(text):
    """The figure check as it was written first: the raw body split into blocks, each block
    normalized, then word by word."""
    segments = []
    for block in split_blocks(text):
        current = []
        for raw in normalize_text(block).split():
            word = raw.strip(".,;:!?()[]\"'")
            if word:
                current.append(word)
            if re.search(r"[.!?][\"'”’)\]]*$", raw) and current:
                segments.append(current)
                current = []
        if current:
            segments.append(current)
    figures = []
    for words in segments:
        masked = ["|"] * 3 + ["#" if _NUMBER.match(w) else w for w in words] + ["|"] * 3
        for i, word in enumerate(words):
            at = i + 3
            if masked[at] == "#":
                contexts = [("<", *masked[at - w : at]) for w in (2, 3)]
                contexts += [(">", *masked[at + 1 : at + 1 + w]) for w in (2, 3)]
                informative = [c for c in contexts if any(w != "|" for w in c[1:])]
                figures.append((word.rstrip(".,/-"), informative))
    return figures


FIGURE_TEXTS = [
    "",
    "no figures here",
    "Qtly div 22 cts vs 22 cts prior. Pay April 15. Record March 31",
    "Shr 22 cts vs 19 cts\nNet 5.2 mln vs 4.1 mln\nRevs 40 mln vs 38 mln",
    'He said: "It rose 5 pct." Then (it fell 3.5%!) Mr. Smith\'s 1,000 shares... 7',
    "The U.S. sold 12 jets. A # sign is no figure, # 5 is. 2/3 of 10-12 ended 1990s.",
    "A hard-wrapped wire\nreport of 12 mln dlrs\nthat goes on and on\nand ends in 1987.\n\n"
    "  Indented 14 pct para-\ngraph with 3 figures.",
    "Ünïcode ٣ digits ²2 and ５ wide, “quoted 7” — dashes 1–2",
    'Ends with a figure 42\n. . .\n9 ? 10 ! "11" (12) [13]',
]


def test_verify_figures_of_normalized_blocks_equal_those_of_the_raw_body():
    rng = random.Random(3)
    pieces = ["ab", "12", "3.4", ",", ".", "!", "?", '"', "'", ")", "]", "(", "5/6", "7-",
              "#", "x.", "9!", "²", "٣", 'q."', "\n", "\n\n", "\n   ", "Mr.", "1,000",
              "U.S."]  # fmt: skip
    fuzz = [" ".join(rng.choice(pieces) for _ in range(rng.randint(0, 40))) for _ in range(500)]
    for text in FIGURE_TEXTS + fuzz:
        assert _numbers_in_context(normalize_blocks(text)[1]) == _reference_figures(text), text


def test_verify_facts_shortcuts_keep_every_conflict():
    """Pairs whose figure blocks are equal or one within the other are not compared: that
    must only ever skip pairs without a conflict."""
    blocks = [
        "Shr 22 cts vs 19 cts",
        "Net 5.2 mln vs 4.1 mln",
        "Net 5.3 mln vs 4.1 mln",
        "Revs 40 mln vs 38 mln. Pay April 15.",
        "No figures in this line.",
        "Shr 22 cts vs 19 cts. Shr 23 cts vs 19 cts.",
        "Revs 40 mln vs 38 mln. Pay April 16.",
        "Shr 22 cts vs 19 cts, up 5 pct on the year",
        "Record date March 3. Revs 40 mln vs 38 mln",
    ]
    rng = random.Random(7)
    bodies = ["\n".join(rng.choice(blocks) for _ in range(rng.randint(0, 5))) for _ in range(90)]
    features = _Features(bodies, [normalize_blocks(body)[1] for body in bodies], 5)
    for first in range(len(bodies)):
        for second in range(len(bodies)):
            agreeing, conflicting = fact_agreement(bodies[first], bodies[second])
            found = features.facts(first, second)
            assert found in ((agreeing, conflicting), (0, 0))
            assert found[1] == conflicting


def _reference_verify(pairs, texts, bodies, titles, shingles, cosines, config):
    """verify_pairs as it was first written: every measure of every pair that may use it."""
    char_config = ShingleConfig(kind="char", shingle_size=config.char_shingle_size)
    chars = make_shingle_batch(texts, char_config).to_list()
    found = []
    for (a, b), cosine in zip(sorted(pairs), cosines, strict=True):
        scores = overlap_scores(shingles[a], shingles[b])
        char_scores = (0.0, 0.0, 0.0)
        if scores[0] >= 0.05 or max(scores[1:]) >= 0.2:
            char_scores = overlap_scores(chars[a], chars[b])
        titled = bool(titles[a]) and bool(titles[b])
        similarity = title_similarity(titles[a], titles[b]) if titled else None
        evidence = PairEvidence(
            bool(texts[a]) and texts[a] == texts[b],
            *scores,
            smaller_size=min(shingles[a].size, shingles[b].size),
            cosine=float(cosine),
            title_similarity=similarity,
            char_jaccard=char_scores[0],
            char_containment_ab=char_scores[1],
            char_containment_ba=char_scores[2],
        )
        relation = classify(evidence, config)
        shared = max(scores[1:])
        if (
            relation not in ("exact", "contained", "near")
            and evidence.smaller_size >= config.min_contained_shingles
            and shared * evidence.smaller_size >= config.min_contained_shingles
            and shared >= config.passage_share * config.passage_density
        ):
            density, share, later, earlier = passage_scores(
                ordered_shingles(texts[a], ShingleConfig()),
                ordered_shingles(texts[b], ShingleConfig()),
            )
            evidence = replace(
                evidence,
                passage_density=density,
                passage_share=share,
                passage_lead=later,
                passage_first_lead=earlier,
            )
            relation = classify(evidence, config)
        if relation in ("exact", "contained", "near"):
            agreeing, conflicting = fact_agreement(bodies[a], bodies[b])
            evidence = replace(evidence, facts_agreeing=agreeing, facts_conflicting=conflicting)
            relation = classify(evidence, config)
        if relation is not None:
            found.append((a, b, relation))
    return found


def _story(rng, words, figures):
    sentences = []
    for _ in range(rng.randint(2, 8)):
        sentence = [rng.choice(words) for _ in range(rng.randint(4, 14))]
        if rng.random() < 0.6:
            sentence.insert(rng.randrange(len(sentence)), str(rng.choice(figures)))
        sentences.append(" ".join(sentence).capitalize() + ".")
    lines, line = [], []
    for sentence in sentences:
        line.append(sentence)
        if rng.random() < 0.4:
            lines.append(" ".join(line))
            line = []
    return "\n".join([*lines, " ".join(line)]).strip()


def _variant(rng, story, template):
    kind = rng.choice(["copy", "template", "truncated", "figure", "ocr", "lead", "edit"])
    lines = story.split("\n")
    if kind == "template":
        return story + "\n" + template
    if kind == "truncated":
        return "\n".join(lines[: max(1, len(lines) // 2)])
    if kind == "figure":
        return re.sub(r"\d+", lambda m: str(int(m.group()) + rng.randint(0, 3)), story)
    if kind == "ocr":
        return "".join(
            rng.choice("rnli") if c.isalpha() and rng.random() < 0.04 else c for c in story
        )
    if kind == "lead":
        return "A local paragraph opens this copy of the story.\n" + story
    if kind == "edit":
        return "\n".join(line for line in lines if rng.random() < 0.8) or story
    return story


@pytest.mark.parametrize(
    "config",
    [VerifyConfig(), VerifyConfig(related=False),
     VerifyConfig(passage_lead=20, char_near_threshold=0.4, min_contained_shingles=8,
                  max_fact_conflicts=0.0)],
)  # fmt: skip
def test_verify_pairs_gives_the_verdicts_of_every_measure_taken(config):
    """Measures are taken only of pairs whose verdict may depend on them: the verdicts must be
    those of taking every one."""
    rng = random.Random(11)
    words = "oil prices rose fell company said shares bank profit quarter rates the of a".split()
    figures = [5, 12, 22, 140, 1987, "3.5", "1,000", "7-8"]
    template = "Subscribe now for 12 more stories.\nShare this: 3 ways"
    bodies, titles = [], []
    for _ in range(12):
        story = _story(rng, words, figures)
        title = " ".join(rng.choice(words) for _ in range(4))
        bodies.append(story)
        titles.append(title)
        for _ in range(rng.randint(1, 4)):
            bodies.append(_variant(rng, story, template))
            titles.append(title if rng.random() < 0.7 else " ".join(rng.sample(words, 4)))
    bodies += ["Qtly div 22 cts vs 22 cts prior", "Qtly div 25 cts vs 22 cts prior", ""]
    titles += ["acme qtly div", "other corp qtly div", ""]
    texts = [normalize_text(body) for body in bodies]
    titles = [normalize_text(title) for title in titles]
    shingles = make_shingle_batch(texts, ShingleConfig()).to_list()
    pairs = [(a, b) for a in range(len(texts)) for b in range(a + 1, len(texts))]
    cosines = TfidfReranker().fit(texts).cosines(pairs)
    matches = verify_pairs(
        pairs,
        texts=texts,
        bodies=[normalize_blocks(body)[1] for body in bodies],
        titles=titles,
        shingles=shingles,
        cosines=cosines,
        config=config,
    )
    expected = _reference_verify(pairs, texts, bodies, titles, shingles, cosines, config)
    assert [(m.a, m.b, m.relation) for m in matches] == expected
    relations = {relation for *_, relation in expected}
    assert {"exact", "contained", "near"} <= relations  # the cases the corpus is made for


def _classify_one_by_one(evidence: PairEvidence, config: VerifyConfig) -> str | None:
    """The rules of classify, written out for one pair (the reference of the columns)."""
    compared = evidence.facts_agreeing + evidence.facts_conflicting
    facts_differ = evidence.facts_conflicting > config.max_fact_conflicts * compared
    short = evidence.smaller_size < config.min_contained_shingles
    other_title = (
        evidence.title_similarity is not None
        and evidence.title_similarity < config.short_title_similarity
    )
    short_and_unlike = short and (other_title or evidence.jaccard < config.short_near_threshold)

    def contained(ab: float, ba: float, threshold: float) -> bool:
        return max(ab, ba) >= threshold and abs(ab - ba) >= config.containment_margin

    agree = (
        evidence.title_similarity is None
        or evidence.title_similarity >= config.passage_title_similarity
    )
    lead = evidence.passage_first_lead if agree else evidence.passage_lead
    passage = (
        not short
        and evidence.passage_density >= config.passage_density
        and evidence.passage_share >= config.passage_share
        and lead <= config.passage_lead
    )
    if not (facts_differ or short_and_unlike):
        if evidence.same_text:
            return "exact"
        if not short and (
            contained(
                evidence.containment_ab, evidence.containment_ba, config.containment_threshold
            )
            or contained(
                evidence.char_containment_ab,
                evidence.char_containment_ba,
                config.char_containment_threshold,
            )
        ):
            return "contained"
        if (
            evidence.jaccard >= config.near_threshold
            or evidence.char_jaccard >= config.char_near_threshold
            or passage
        ):
            return "near"
    if config.related and evidence.cosine >= config.related_threshold:
        return "related"
    return None


@pytest.mark.parametrize("related", [True, False])
def test_verify_classify_columns_equal_the_rules_pair_by_pair(related):
    config = VerifyConfig(related=related)
    rng = random.Random(7)
    # Values at, around and far from every threshold.
    shares = [0.0, 0.05, 0.2, 0.35, 0.5, 0.55, 0.6, 0.69, 0.7, 0.71, 0.89, 0.9, 0.95, 1.0]
    evidence = [
        PairEvidence(
            same_text=rng.random() < 0.2,
            jaccard=rng.choice(shares),
            containment_ab=rng.choice(shares),
            containment_ba=rng.choice(shares),
            smaller_size=rng.choice([0, 5, 19, 20, 21, 300]),
            cosine=rng.choice(shares),
            title_similarity=rng.choice([None, *shares]),
            facts_agreeing=rng.choice([0, 1, 9, 10]),
            facts_conflicting=rng.choice([0, 1, 2]),
            char_jaccard=rng.choice(shares),
            char_containment_ab=rng.choice(shares),
            char_containment_ba=rng.choice(shares),
            passage_density=rng.choice(shares),
            passage_share=rng.choice(shares),
            passage_lead=rng.choice([0, 1, 1_000_000]),
            passage_first_lead=rng.choice([0, 1, 1_000_000]),
        )
        for _ in range(5_000)
    ]
    codes = classify_columns(EvidenceColumns.of(evidence), config)
    found = [RELATION_CODES[code] for code in codes.tolist()]
    expected = [_classify_one_by_one(pair, config) for pair in evidence]
    assert found == expected
    assert set(expected) == {None, "exact", "contained", "near", "related"} - (
        set() if related else {"related"}
    )
