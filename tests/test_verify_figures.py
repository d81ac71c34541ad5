"""The figure check's parse of a block (scanned through its marks) against the formulation it
replaced (every sentence with a digit split into words), and the facts check against the one
it replaced."""

import random
import re

import pytest

from dedup.boilerplate import normalize_blocks
from dedup.verify import (
    _NUMBER,
    _block_figures,
    _compare_figures,
    _Features,
    _figure_contexts,
    _kept_block_figures,
)

_SENTENCE_END = re.compile(r"[.!?][\"'”’)\]]*(?=\s|$)")


def _reference_block_figures(block):
    """_block_figures as it was: each sentence with a digit or "#" split into its words, edge
    punctuation stripped, words left empty dropped, then each word tested."""
    figures = []
    start = 0
    for end in [m.end() for m in _SENTENCE_END.finditer(block)] + [len(block)]:
        sentence = block[start:end]
        start = end
        if not re.search(r"[\d#]", sentence):
            continue
        words = [w for w in (w.strip(".,;:!?()[]\"'") for w in sentence.split()) if w]
        masked = ["#" if w[0].isdecimal() and _NUMBER.match(w) else w for w in words]
        padded = ["|"] * 3 + masked + ["|"] * 3
        for i, mask in enumerate(masked):
            if mask == "#":
                at = i + 3
                contexts = []
                if i:
                    contexts.append(("<", padded[at - 2], padded[at - 1]))
                    contexts.append(("<", padded[at - 3], padded[at - 2], padded[at - 1]))
                if i < len(words) - 1:
                    contexts.append((">", padded[at + 1], padded[at + 2]))
                    contexts.append((">", padded[at + 1], padded[at + 2], padded[at + 3]))
                figures.append((words[i].rstrip(".,/-"), contexts))
    return figures


EDGE_CASES = [
    "",
    "   ",
    "12",
    "#",
    "no figures here",
    "record march 16",
    "ends without a full stop 42",
    # Sentence ends followed by closing quotes and brackets, or not ends at all.
    'he said "it rose 5 pct." then 6 fell',
    "he said 'it rose 5 pct.' then 6 fell",
    "(it fell 3.5%!) then 4 (5.) 6 [7?] 8 (9) 10",
    "\u201cquoted 7.\u201d then 8.\u2019 next 9\u201d 10\u2019 11",
    'x.) 12 ) 13 .) 14 .") 15 ."x 16 .". 17',
    # Abbreviations and dots inside words.
    "the u.s. sold 12 jets. u.s. 5 more in the u.s",
    "a.b.c 12 d.e 13 e.g. 14",
    "what?! 12 more?! 13 ?! 14 !? 15",
    ". . . 9 ? 10 ! 11 . 12",
    # Numbers and what is no number.
    "1,234.5 and 3/4 and 12- and -5 and 5. and 5.. and 5,",
    "covid-19 hit 3rd 1990s 2020s $5 5% 5.5% 10-12 7-8 1/2/2020",
    "# 5 # and #5 and ## and (#) and 5# and #. and #- and #,",
    # Digits past ASCII: decimal (Arabic-Indic, fullwidth) and not (superscript, circled).
    "\u0663 apples and \uff15 pears and \u00b22 and \u2460 and \u0663\u0664.5 end",
    # Words left empty by stripping, next to figures and far from them.
    "( ) 12 [ ] 13 ' \" 14 ... 15 ,,, 16 ;: 17",
    "a b c d e ( ) 12 ' \" f g h i",
    "a b c d e f g h . ( 12 ) . i j k l m",
    # Spaces other than a blank: runs, tabs, line breaks, NBSP, other Unicode spaces.
    "a  12  b   c",
    " 12 b ",
    "tab\t12\tnewline\n13\r\nend 14\x0b15\x0c16\x1c17\x1f18",
    "a\u00a0b 12\u2003c d\u3000e 13\u2028f\u2029g\x85h",
    "sentence end.\u00a012 next.\u300013 last",
    "5.\n6 7!\t8",
    "lone \ud800 surrogate 12",
    # A long sentence: the words next to a figure are far from its start and end.
    " ".join(["word"] * 50 + ["12", "(", "x", ")", "13"] + ["word"] * 50) + ".",
    "Qtly div 22 cts vs 22 cts prior. Pay April 15. Record March 31",
    "shr 22 cts vs 19 cts net 5.2 mln vs 4.1 mln revs 40 mln vs 38 mln",
]


@pytest.mark.parametrize("block", EDGE_CASES)
def test_verify_block_figures_equal_the_sentence_split(block):
    assert _block_figures(block) == _reference_block_figures(block)


def test_verify_block_figures_equal_the_sentence_split_on_random_blocks():
    rng = random.Random(5)
    pieces = ["ab", "12", "3.4", "1,000", "5/6", "7-", "-8", "#", "#5", "9#", ",", ".", "!",
              "?", "?!", '"', "'", ")", "]", "(", "[", "\u201d", "\u2019", "x.", "9!", 'q."',
              "u.s.", "(12)", "12.)", '5."', "\u00b2", "\u0663", "\uff15", "covid-19",
              "...", "a.b"]  # fmt: skip
    spaces = [" ", " ", " ", " ", "  ", "\t", "\n", "\u00a0", "\u3000", ""]
    for _ in range(3000):
        block = "".join(rng.choice(pieces) + rng.choice(spaces) for _ in range(rng.randint(0, 30)))
        assert _block_figures(block) == _reference_block_figures(block), block


def test_verify_kept_figures_join_each_context():
    """What _Features keeps: the number, then each context's words joined by spaces."""
    block = "net 5.2 mln vs 4.1 mln. pay april 15"
    kept = _kept_block_figures(block)
    assert kept == tuple(
        (number, *(" ".join(context) for context in contexts))
        for number, contexts in _block_figures(block)
    )
    assert kept[0] == ("5.2", "< | net", "< | | net", "> mln vs", "> mln vs #")


def _reference_facts(first, second):
    """_Features.facts as it was: blocks without a digit left out, every context compared."""
    blocks = [block for block in first if re.search(r"[\d#]", block)]
    others = [block for block in second if re.search(r"[\d#]", block)]
    if not blocks or blocks == others:
        return 0, 0
    shared = set(blocks).intersection(others)
    theirs_only = [block for block in others if block not in shared]
    if not theirs_only:
        return 0, 0
    mine = {}
    for block in blocks:
        if block not in shared:
            for number, contexts in _reference_block_figures(block):
                for context in contexts:
                    mine.setdefault(context, set()).add(number)
    if not mine or all(
        mine.get(context, {number}) == {number}
        for block in theirs_only
        for number, contexts in _reference_block_figures(block)
        for context in contexts
    ):
        return 0, 0

    def figures(body):
        return _figure_contexts([f for block in body for f in _reference_block_figures(block)])

    mine_figures = figures(blocks)
    if not mine_figures[0]:
        return 0, 0
    return _compare_figures(mine_figures, figures(others))


def test_verify_facts_equal_those_of_every_context():
    lines = [
        "Shr 22 cts vs 19 cts",
        "Net 5.2 mln vs 4.1 mln",
        "Net 5.3 mln vs 4.1 mln",
        "Net 5.2 mln vs 4.1 mln, up 3 pct",
        "Revs 40 mln vs 38 mln. Pay April 15.",
        "No figures in this line.",
        "Shr 22 cts vs 19 cts. Shr 23 cts vs 19 cts.",
        "Revs 40 mln vs 38 mln. Pay April 16.",
        "Record date March 3. Revs 40 mln vs 38 mln",
        "Revs # mln vs 38 mln",
        "Shr 22 cts vs 19 cts prior",
    ]
    rng = random.Random(9)
    texts = ["\n".join(rng.choice(lines) for _ in range(rng.randint(0, 5))) for _ in range(80)]
    bodies = [normalize_blocks(text)[1] for text in texts]
    features = _Features(texts, bodies, 5)
    for first in range(len(bodies)):
        for second in range(len(bodies)):
            assert features.facts(first, second) == _reference_facts(bodies[first], bodies[second])
