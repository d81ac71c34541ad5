"""Generate a seeded, labelled near-duplicate news benchmark from real articles.

Why: a near-duplicate detector must be measured on the copies it meets in practice
(syndicated reprints, paywalled site templates, truncations, copy-edits, OCR noise, local
additions, re-ordered paragraphs, new headlines) *and* on hard negatives that look alike but
are different stories (many articles in one shared site template, templated wire reports
that differ only in their figures). This script builds such a set from the real articles in
``realnews_combined`` so that word statistics, layouts and boilerplate are realistic.

Outputs (``--out``): ``documents.jsonl``, ``gold.jsonl`` and ``manifest.json``. The same seed and
input give byte-identical files. The input data is read from ``--data`` and never copied.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import random
import re
import sys
import textwrap
import time
import zlib
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np

REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_DATA = REPO_ROOT.parent / "shared/data/realnews_combined/documents.jsonl.gz"
DEFAULT_OUT = REPO_ROOT / "benchmarks/quality/data/syndication"

MIN_WORDS = 80  # shorter bodies are mostly templated tables; too little text to copy-edit
SHINGLE = 5  # word n-gram size for the distinctness check between real articles
DISTINCT_JACCARD = 0.3  # originals must be below this 5-gram Jaccard with each other
DISTINCT_CONTAINMENT = 0.5  # ... and share under half the 5-grams of the smaller one
NUM_PERM = 32  # 32 one-row bands: any shared min-hash is a candidate; ~100% recall at J=0.3
ROWS_PER_BAND = 1
# The shared site template's share of the words of each negative page. Seed 004 (the Insights
# page) is 63% template by words (391 of 618) and by word 5-grams (62%), so two of its pages with
# different stories have a 5-gram Jaccard near 0.45: a set drawn from such a site must be at least
# that hard. Stories are picked so that the template is 57-69% of the page.
NEGATIVE_TEMPLATE_SHARE = (0.57, 0.69)
NEGATIVE_TEASERS = 4  # seed 004 shows three paragraph-long teasers and a fourth heading
REUTERS_CAP = 0.6  # Reuters dominates the corpus; keep web and BBC well represented
REUTERS = "reuters21578"
TIME_FMT = "%Y-%m-%dT%H:%M:%S"

FAMILIES = (
    "reprint",
    "template",
    "truncate",
    "copyedit",
    "ocr",
    "local",
    "reorder",
    "headline",
    "combined",
)
# Order in which chained edits are applied: content edits first, layout and wrapping last;
# truncate before local, or a short story's local additions could push all of it out.
CHAIN_ORDER = ("headline", "reorder", "truncate", "local", "copyedit", "reprint", "ocr", "template")

# ----------------------------------------------------------------------------- data model


@dataclass(frozen=True)
class Article:
    """One real article from the input corpus."""

    key: str
    title: str
    text: str
    source: str
    date: str
    dataset: str
    n_words: int


@dataclass(frozen=True)
class Record:
    """One output document together with its gold label."""

    title: str
    text: str
    source: str
    published: datetime
    group: str
    family: str
    role: str
    edits: tuple[str, ...] = ()


@dataclass(frozen=True)
class Outlet:
    """Fixed boilerplate of one web outlet; pages differ only in story and teasers."""

    name: str
    domain: str
    header: tuple[str, ...]
    prompt: tuple[str, ...]
    newsletter: tuple[str, ...]
    teaser_heading: str
    footer: tuple[str, ...]


@dataclass
class EditContext:
    """What an edit may need besides the text: donor articles, the story date, an outlet."""

    donors: Sequence[Article]
    date: datetime
    outlet: Outlet | None = None
    applied: list[str] = field(default_factory=list)  # families a combined edit chained


TEMPLATE_OUTLETS: tuple[Outlet, ...] = (
    Outlet(
        "The Morning Ledger",
        "www.morningledger.example",
        ("The Morning Ledger", "Home | World | Business | Sport | Opinion | Culture"),
        ("Subscribe to read the full story", "Already a subscriber? Log in"),
        (
            "Sign up for The Morning Briefing",
            "The day's top stories, delivered to your inbox at 7am.",
            "Enter your email | Sign up",
        ),
        "More from The Morning Ledger",
        ("© 2024 The Morning Ledger. All rights reserved.", "Terms | Privacy | Cookies"),
    ),
    Outlet(
        "Capital Wire Post",
        "capitalwirepost.example",
        ("CAPITAL WIRE POST", "Home | Politics | Markets | World | Sport | Weather", "Log in"),
        ("This article is for subscribers only.", "Subscribe now for $1 a week"),
        (
            "Newsletter: Capital Close",
            "Markets, money and politics in five minutes. Free, every weekday evening.",
        ),
        "Read next",
        ("© 2024 Capital Wire Post. All rights reserved.", "Terms of use | Privacy | Cookies"),
    ),
    Outlet(
        "Harbour City Herald",
        "www.harbourcityherald.example",
        ("Harbour City Herald", "News | Local | World | Business | Sport | Life", "Subscribe"),
        ("Continue reading with a Herald subscription", "Already a subscriber? Sign in"),
        (
            "Get the Herald Daily newsletter",
            "Local news and the biggest stories from around the world.",
            "Sign up free",
        ),
        "Most read",
        ("© 2024 Harbour City Herald. All rights reserved.", "Contact | Terms | Privacy"),
    ),
    Outlet(
        "NewsNow Daily",
        "newsnowdaily.example",
        ("NewsNow Daily", "Home | US | World | Business | Tech | Sport | Video"),
        ("You have reached your free article limit.", "Subscribe to keep reading"),
        (
            "The NewsNow Daily Digest",
            "Ten stories you need to know, every morning.",
            "Your email address | Subscribe",
        ),
        "Trending now",
        ("© 2024 NewsNow Daily. All rights reserved.", "Terms | Privacy | Cookies | Ad choices"),
    ),
    Outlet(
        "The Evening Courier",
        "www.eveningcourier.example",
        ("The Evening Courier", "Home | News | World | Business | Sport | Obituaries"),
        ("Subscribe to read the full story", "Already a subscriber? Log in"),
        (
            "Courier Bulletin",
            "The evening's headlines in one email.",
            "No spam. Unsubscribe at any time.",
        ),
        "You may also like",
        ("© 2024 The Evening Courier. All rights reserved.", "Terms | Privacy | Cookies"),
    ),
    Outlet(
        "Metro Business Review",
        "metrobusinessreview.example",
        ("Metro Business Review", "Home | Companies | Markets | Economy | Tech | Careers"),
        ("Premium content", "Subscribe to read the full story or sign in to your account"),
        (
            "MBR Markets Morning",
            "Everything you need before the opening bell.",
            "Sign up now",
        ),
        "Related stories",
        ("© 2024 Metro Business Review. All rights reserved.", "Terms | Privacy | Cookies"),
    ),
    Outlet(
        "Global Observer",
        "www.globalobserver.example",
        ("Global Observer", "Home | World | Europe | Asia | Americas | Business | Sport"),
        ("Support independent journalism", "Subscribe from just 99p a week"),
        (
            "Observer Weekend",
            "Our best journalism, long reads and analysis.",
            "Delivered every Saturday morning.",
        ),
        "Elsewhere on Global Observer",
        ("© 2024 Global Observer. All rights reserved.", "Terms | Privacy | Cookies | Contact"),
    ),
    Outlet(
        "Valley Tribune",
        "valleytribune.example",
        ("Valley Tribune", "Home | News | Sport | Business | Entertainment | Jobs | Homes"),
        ("Only subscribers can read this story.", "Already a subscriber? Log in"),
        (
            "Tribune Today",
            "Breaking news alerts and the morning headlines, free to your inbox.",
        ),
        "Top stories",
        ("© 2024 Valley Tribune. All rights reserved.", "Terms | Privacy | Cookies"),
    ),
)

SYNDICATION_SOURCES = (
    "news.aggregator.example",
    "www.dailydigest.example",
    "wire-reprints.example",
    "www.thecitypost.example",
    "regionalpress.example",
    "www.financeherald.example",
    "www.worldbulletin.example",
    "newsroom-archive.example",
)

NEGATIVE_OUTLET = Outlet(
    "Insights Daily",
    "insights-daily.example",
    (
        "Insights Daily",
        "Home | Markets | Economy | Technology | Opinion | Podcasts",
        "Sign in | Start free trial",
    ),
    ("Need to access the insight?", "", "Start your 7-day free trial now"),
    (
        "Get the Morning Insight newsletter",
        "The five stories that matter most, explained before your first coffee.",
        "Delivered to your inbox every weekday at 6am.",
        "Enter your email address to sign up",
        "By signing up you agree to our Terms of Use and acknowledge our Privacy Policy.",
    ),
    "More insights",
    (
        "© 2024 Insights Daily. All rights reserved.",
        "About us | Contact | Terms of use | Privacy policy | Cookie settings",
    ),
)

# ----------------------------------------------------------------------------- loading


def load_articles(path: Path) -> list[Article]:
    """Read the gzip JSON Lines corpus; normalise line ends so layouts compare cleanly."""
    articles: list[Article] = []
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        for line in fh:
            raw = json.loads(line)
            text = raw.get("text", "").replace("\r\n", "\n").replace("\t", " ").strip("\n ")
            articles.append(
                Article(
                    key=str(raw["id"]),
                    title=" ".join(raw.get("title", "").split()),
                    text=text,
                    source=raw.get("source", ""),
                    date=raw.get("date", "").strip(),
                    dataset=raw.get("dataset", ""),
                    n_words=len(text.split()),
                )
            )
    return articles


def file_sha256(path: Path) -> str:
    """Fingerprint the input so the manifest says exactly which data built the set."""
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


# ----------------------------------------------------------------------------- distinctness


def _mix64(x: np.ndarray) -> np.ndarray:
    """splitmix64 finaliser: turns affine images of shingle ids into well-spread hashes."""
    x = x ^ (x >> np.uint64(30))
    x = x * np.uint64(0xBF58476D1CE4E5B9)
    x = x ^ (x >> np.uint64(27))
    x = x * np.uint64(0x94D049BB133111EB)
    return x ^ (x >> np.uint64(31))


def shingle_set(text: str) -> np.ndarray:
    """Sorted unique 64-bit hashes of the lowercased word 5-grams of a body."""
    words = text.lower().split()
    ids = np.fromiter((zlib.crc32(w.encode("utf-8")) for w in words), np.uint64, len(words))
    if len(ids) < SHINGLE:
        ids = np.concatenate([ids, np.zeros(SHINGLE - len(ids), np.uint64)])
    n = len(ids) - SHINGLE + 1
    acc = np.zeros(n, np.uint64)
    for k in range(SHINGLE):
        acc = acc * np.uint64(0x100000001B3) + ids[k : k + n]
    return np.unique(_mix64(acc))


def minhash(shingles: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """MinHash signature: the minimum of each random affine-then-mixed permutation."""
    return _mix64(shingles[None, :] * a[:, None] + b[:, None]).min(axis=1)


def overlaps(x: np.ndarray, y: np.ndarray) -> bool:
    """Too similar to count as distinct: Jaccard >= 0.3, or one mostly inside the other.

    Containment matters because a short re-send or follow-up inside a longer story stays
    below the Jaccard bar, yet its truncated copies would then overlap the other story.
    """
    inter = np.intersect1d(x, y, assume_unique=True).size
    jac = inter / (x.size + y.size - inter)
    return jac >= DISTINCT_JACCARD or inter / min(x.size, y.size) >= DISTINCT_CONTAINMENT


def dedupe(articles: Sequence[Article], nprng: np.random.Generator) -> tuple[list[Article], dict]:
    """Keep articles, in corpus order, that are not exact or near copies of a kept one.

    The corpus itself contains re-sends and duplicate stories; without this step the
    "distinct" originals and distractors would contain unlabelled duplicate pairs.
    """
    a = nprng.integers(1, 2**63, NUM_PERM, dtype=np.uint64) | np.uint64(1)
    b = nprng.integers(0, 2**63, NUM_PERM, dtype=np.uint64)
    exact: dict[str, int] = {}
    buckets: dict[tuple[int, ...], list[int]] = {}
    kept: list[Article] = []
    kept_sets: list[np.ndarray] = []
    stats = Counter()
    for art in articles:
        norm = " ".join(art.text.lower().split())
        fp = hashlib.md5(norm.encode("utf-8")).hexdigest()
        if fp in exact:
            stats["dropped_exact"] += 1
            continue
        sh = shingle_set(art.text)
        sig = minhash(sh, a, b).tolist()
        keys = [
            (band, *sig[band * ROWS_PER_BAND : (band + 1) * ROWS_PER_BAND])
            for band in range(NUM_PERM // ROWS_PER_BAND)
        ]
        candidates = sorted({i for key in keys for i in buckets.get(key, ())})
        if any(overlaps(sh, kept_sets[i]) for i in candidates):
            stats["dropped_near"] += 1
            continue
        exact[fp] = len(kept)
        for key in keys:
            buckets.setdefault(key, []).append(len(kept))
        kept.append(art)
        kept_sets.append(sh)
    stats["kept"] = len(kept)
    return kept, dict(stats)


# ----------------------------------------------------------------------------- sampling


def dataset_quotas(sizes: dict[str, int], n: int) -> dict[str, int]:
    """Proportional quotas per dataset, with Reuters capped at REUTERS_CAP of the sample."""
    total = sum(sizes.values())
    quotas = {name: n * size // total for name, size in sizes.items()}
    if REUTERS in quotas and quotas[REUTERS] > int(REUTERS_CAP * n):
        quotas[REUTERS] = int(REUTERS_CAP * n)
        rest = {k: v for k, v in sizes.items() if k != REUTERS}
        rest_total = sum(rest.values())
        for name, size in rest.items():
            quotas[name] = (n - quotas[REUTERS]) * size // max(rest_total, 1)
    quotas = {name: min(q, sizes[name]) for name, q in quotas.items()}
    names = sorted(sizes, key=lambda k: (k == REUTERS, k))  # top up non-Reuters first
    while sum(quotas.values()) < min(n, total):
        grew = False
        for name in names:
            if sum(quotas.values()) < n and quotas[name] < sizes[name]:
                quotas[name] += 1
                grew = True
        if not grew:
            break
    return quotas


def sample_by_dataset(pool: Sequence[Article], n: int, rng: random.Random) -> list[Article]:
    """Draw n articles across datasets (see dataset_quotas), returned in seeded order."""
    by_ds: dict[str, list[Article]] = {}
    for art in pool:
        by_ds.setdefault(art.dataset, []).append(art)
    quotas = dataset_quotas({k: len(v) for k, v in sorted(by_ds.items())}, n)
    picked: list[Article] = []
    for name in sorted(by_ds):
        picked.extend(rng.sample(by_ds[name], quotas[name]))
    rng.shuffle(picked)
    return picked


# ----------------------------------------------------------------------------- text layout

_SENT_END = re.compile(r"[.!?][\"'”’)]*(?=\s+[\"“‘(]?[A-Z0-9])")
_ABBREV = frozenset(
    "mr mrs ms dr st jr sr co corp inc ltd no gov gen lt col maj capt sgt cmdr adm sen rep rev "
    "prof vs jan feb mar apr jun jul aug sep sept oct nov dec mt ft u.s u.k e.g i.e".split()
)


def detect_style(text: str) -> str:
    """Layout of a body: blank-line paragraphs (BBC), indented (Reuters), a hard-wrapped single
    paragraph, one paragraph per line, or flat (web)."""
    if re.search(r"\n[ ]{2,}\S", text):  # first: some Reuters bodies also have blank lines
        return "indent"
    if "\n\n" in text:
        return "blank"
    if "\n" not in text:
        return "flat"
    lines = text.split("\n")
    ended = sum(bool(re.search(r"[.!?:\"”’)]$", line.rstrip())) for line in lines)
    return "lines" if ended >= len(lines) / 2 else "wrapped"


def raw_blocks(text: str) -> list[str]:
    """Paragraphs with their original wrapping and indentation, so edits can keep layout."""
    style = detect_style(text)
    if style == "blank":
        return [p for p in re.split(r"\n\s*\n", text) if p.strip()]
    if style == "indent":
        return re.split(r"\n(?=[ ]{2,}\S)", text)
    if style == "lines":
        return text.split("\n")
    return [text]  # flat, or one hard-wrapped paragraph


def paragraphs(text: str) -> list[str]:
    """Paragraphs with hard wraps joined into single lines."""
    return [" ".join(block.split()) for block in raw_blocks(text)]


def join_blocks(blocks: Sequence[str], style: str) -> str:
    """Inverse of raw_blocks for a given layout."""
    sep = {"blank": "\n\n", "indent": "\n", "wrapped": "\n", "lines": "\n", "flat": " "}[style]
    return sep.join(blocks)


def render(paras: Sequence[str], style: str, width: int = 69) -> str:
    """Lay flat paragraphs out in a given style (Reuters: hard-wrapped, 4-space indents)."""
    if style in ("indent", "wrapped"):
        lines = [textwrap.fill(paras[0], width)] if paras else []
        lines += [textwrap.fill(p, width, initial_indent="    ") for p in paras[1:]]
        return "\n".join(lines)
    return join_blocks(paras, style)


def sentence_ends(text: str) -> list[int]:
    """Offsets just after each sentence end, skipping common abbreviations and initials."""
    ends: list[int] = []
    for match in _SENT_END.finditer(text):
        start = text.rfind(" ", 0, match.start()) + 1
        token = text[start : match.start()].lstrip("\"'(“‘").lower()
        if token in _ABBREV or (len(token) == 1 and token.isalpha()):
            continue
        ends.append(match.end())
    return ends


def sentences(text: str) -> list[str]:
    """Split a flat paragraph into sentences."""
    cuts = [0, *sentence_ends(text), len(text)]
    parts = [text[s:e].strip() for s, e in zip(cuts, cuts[1:], strict=False)]
    return [p for p in parts if p]


def chunk_sentences(sents: Sequence[str], rng: random.Random) -> list[str]:
    """Group sentences into pseudo-paragraphs of 2-4 sentences (web bodies arrive flattened)."""
    paras: list[str] = []
    i = 0
    while i < len(sents):
        n = rng.randint(2, 4)
        paras.append(" ".join(sents[i : i + n]))
        i += n
    return paras


def page_paragraphs(text: str, rng: random.Random) -> list[str]:
    """Paragraphs as a web page would show them: flattened bodies are re-split.

    Some web outlets kept paragraph breaks as runs of 3 spaces; others lost them, so their
    sentences are grouped into pseudo-paragraphs.
    """
    paras = paragraphs(text)
    if len(paras) == 1:
        spaced = [p.strip() for p in re.split(r" {3,}", text) if p.strip()]
        paras = spaced if len(spaced) >= 3 else chunk_sentences(sentences(paras[0]), rng)
    return paras or [text]


def add_paragraph(text: str, para: str, at_start: bool) -> str:
    """Insert a new paragraph at the start or end, in the body's own layout."""
    style = detect_style(text)
    if style in ("indent", "wrapped"):  # a hard-wrapped Reuters lead gains indented paragraphs
        if at_start:
            return textwrap.fill(para, 69) + "\n    " + text.lstrip()
        return text + "\n" + textwrap.fill(para, 69, initial_indent="    ")
    sep = {"blank": "\n\n", "lines": "\n", "flat": " "}[style]
    return para + sep + text if at_start else text + sep + para


def is_upper_title(title: str) -> bool:
    """Reuters headlines are all caps; syndicators usually re-case them."""
    letters = [c for c in title if c.isalpha()]
    return bool(letters) and sum(c.isupper() for c in letters) / len(letters) > 0.8


_SMALL = frozenset("a an and as at but by for from in into of on or per the to vs via with".split())
# Short all-caps words that are ordinary words; other words of <= 3 letters are acronyms (GE, EC).
_SHORT_WORDS = _SMALL | frozenset(
    "up out off new net oil buy cut set bid tax pay say see hit win end top low key job war gas "
    "car air sea law may two six ten one its not no yen due has had own get put fed bank cts "
    "dlr sees big day ban aid row far let run mln bln pct stg qtr shr yr".split()
)


def title_case(title: str) -> str:
    """Headline case for an all-caps title; tickers, initials and numbers are kept readable."""
    out: list[str] = []
    for i, word in enumerate(title.split()):
        low = word.lower()
        if word.startswith("<") or "." in word:
            out.append(word)
        elif any(c.isdigit() for c in word):
            out.append(low)
        elif len(word) <= 3 and word.isalpha() and low not in _SHORT_WORDS:
            out.append(word)
        elif i and low in _SMALL:
            out.append(low)
        else:
            out.append("-".join(part[:1].upper() + part[1:] for part in low.split("-")))
    return " ".join(out)


def display_title(title: str) -> str:
    """Title as a modern site shows it (used for teasers)."""
    title = re.sub(r"\s*<[^>]*>", "", title)
    return title_case(title) if is_upper_title(title) else title


# ----------------------------------------------------------------------------- donors


def first_sentence(article: Article) -> str:
    """First sentence of an article body, the usual teaser snippet."""
    first = paragraphs(article.text)[0]
    sents = sentences(first)
    return sents[0] if sents else first


def teaser(article: Article) -> str:
    """A teaser block as sites show it: the story's title line and its first sentence."""
    return f"{display_title(article.title)}\n{first_sentence(article)}"


def paragraph_teaser(article: Article) -> str:
    """A longer teaser, as seed 004's site shows them: the title and the whole first paragraph
    (capped at three sentences)."""
    sents = sentences(paragraphs(article.text)[0])
    lead = " ".join(sents[:3]) if sents else first_sentence(article)
    return f"{display_title(article.title)}\n{lead}"


def pick_teaser_articles(donors: Sequence[Article], rng: random.Random, n: int) -> list[Article]:
    """n distinct stories whose first sentence is teaser-sized (8-40 words)."""
    picked: list[Article] = []
    for _ in range(50 * n):
        if len(picked) == n:
            break
        art = rng.choice(donors)
        sent = first_sentence(art)
        # skip scraping damage: mojibake ("?, �) and hyphen-glued words ("reached-a", ",-the")
        clean = not re.search(r'�|"\?|,-', sent) and sent.count("-") <= 1
        if art not in picked and clean and 8 <= len(sent.split()) <= 40:
            picked.append(art)
    return picked


def pick_teasers(donors: Sequence[Article], rng: random.Random, n: int) -> list[str]:
    """n teaser blocks of other real stories (varies per page, as on real sites)."""
    return [teaser(a) for a in pick_teaser_articles(donors, rng, n)]


def local_paragraph(donors: Sequence[Article], rng: random.Random) -> str:
    """1-3 consecutive sentences of an unrelated real article, posing as local colour."""
    for _ in range(50):
        sents = sentences(rng.choice(paragraphs(rng.choice(donors).text)))
        para = " ".join(sents[: rng.randint(1, 3)])  # paragraph openings read as self-contained
        if 8 <= len(para.split()) <= 90:
            return para
    return "Local officials said they would issue a further statement later on Friday."


# ----------------------------------------------------------------------------- edit families


def _typography(text: str, double_space: bool) -> str:
    """Straight <-> curly quotes, -- <-> em dash, ... <-> ellipsis, maybe double spaces."""
    if re.search("[“”‘’—…]", text):
        text = text.translate(str.maketrans({"“": '"', "”": '"', "‘": "'", "’": "'"}))
        text = text.replace("—", "--").replace("…", "...")
    else:
        text = re.sub(r'(^|[\s(\[])"', "\\1“", text).replace('"', "”")
        text = re.sub(r"(^|[\s(\[])'", "\\1‘", text).replace("'", "’")
        text = text.replace(" -- ", " — ").replace("--", "—").replace("...", "…")
    if double_space:
        text = re.sub(r"([.!?][”’\"']?) (?=[“\"A-Z])", r"\1  ", text)
    return text


def edit_reprint(text: str, rng: random.Random, ctx: EditContext) -> str:
    """Another site reprints the story: new line wrapping or none, and different typography."""
    paras = page_paragraphs(text, rng) if rng.random() < 0.7 else paragraphs(text)
    double_space = rng.random() < 0.5
    paras = [_typography(p, double_space) for p in paras]
    layout = rng.choice(("wrap-blank", "wrap-indent", "unwrap-blank", "unwrap-lines"))
    if layout.startswith("wrap"):
        width = rng.randint(60, 100)
        if layout == "wrap-indent":
            return render(paras, "indent", width)
        return "\n\n".join(textwrap.fill(p, width) for p in paras)
    return ("\n\n" if layout == "unwrap-blank" else "\n").join(paras)


def _insert_blocks(paras: list[str], block: str, n: int, rng: random.Random) -> list[str]:
    """Put a boilerplate block after n distinct seeded paragraphs (the last one if too few)."""
    gaps = list(range(1, len(paras))) or [len(paras)]
    chosen = sorted(rng.sample(gaps, min(n, len(gaps))))
    chosen += [len(paras)] * (n - len(chosen))
    out: list[str] = []
    for i, para in enumerate(paras, start=1):
        out.append(para)
        out.extend([block] * chosen.count(i))
    return out


def render_page(
    outlet: Outlet, paras: list[str], teasers: Sequence[str], n_prompts: int, rng: random.Random
) -> str:
    """A scraped web page: header, story with paywall prompts, newsletter, teasers, footer."""
    body = _insert_blocks(paras, "\n".join(outlet.prompt), n_prompts, rng)
    at = rng.randint(max(len(body) - 2, 0), len(body))
    body.insert(at, "\n".join(outlet.newsletter))
    blocks = ["\n".join(outlet.header), *body, outlet.teaser_heading, *teasers]
    blocks.append("\n".join(outlet.footer))
    return "\n\n".join(blocks)


def edit_template(text: str, rng: random.Random, ctx: EditContext) -> str:
    """The story inside another outlet's page template, with that page's own teasers."""
    outlet = ctx.outlet or TEMPLATE_OUTLETS[0]
    teasers = pick_teasers(ctx.donors, rng, rng.randint(3, 5))
    return render_page(outlet, page_paragraphs(text, rng), teasers, rng.randint(2, 3), rng)


def _cut_offset(text: str, frac: float) -> int:
    """Char offset near frac of the words, preferring a paragraph, then a sentence boundary."""
    word_ends = [m.end() for m in re.finditer(r"\S+", text)]
    target, slack = frac * len(word_ends), 0.15 * len(word_ends)
    para_ends = [m.start() for m in re.finditer(r"\n\s*\n|\n(?=[ ]{2,}\S)", text)]
    for cands in (para_ends, sentence_ends(text)):
        scored = [(abs(np.searchsorted(word_ends, c, "right") - target), c) for c in cands]
        scored = [(d, c) for d, c in scored if d <= slack]
        if scored:
            return min(scored)[1]
    return word_ends[max(int(target) - 1, 0)]


def edit_truncate(text: str, rng: random.Random, ctx: EditContext) -> str:
    """A teaser or capped reprint: the first 40-80% of the words, maybe a "read more" tail."""
    out = text[: _cut_offset(text, rng.uniform(0.4, 0.8))].rstrip()
    if rng.random() < 0.5:
        tail = rng.choice(("(continued)", "Read more", "Read more »", "(MORE)", "Continue reading"))
        out += ("\n\n" if "\n" in out else " ") + tail
    return out


ABBREVIATIONS = (
    (r"\bmln\b", "million"),
    (r"\bbln\b", "billion"),
    (r"\bpct\b", "percent"),
    (r"\bdlrs\b", "dollars"),
    (r"\bInc\b", "Incorporated"),
    (r"\bCorp\b", "Corporation"),
    (r"\bU\.S\.(?!\w)", "United States"),
)
_LONG_FORMS = {
    "million": "mln",
    "billion": "bln",
    "percent": "pct",
    "dollars": "dlrs",
    "Incorporated": "Inc",
    "Corporation": "Corp",
    "United States": "U.S.",
}
FILLERS = (
    "also",
    "now",
    "still",
    "further",
    "reportedly",
    "just",
    "then",
    "already",
    "recently",
    "currently",
    "officially",
    "the",
    "meanwhile,",
    "however,",
)


def _swap_abbreviations(text: str, rng: random.Random) -> str:
    """House style: wire abbreviations expanded (mln -> million), or a house abbreviating.

    One direction per copy, as one desk applies one style: wire text is expanded, other text
    abbreviated. Each pair is applied with probability 0.75 so styles are not perfectly clean.
    """
    expand = any(re.search(short, text) for short, _ in ABBREVIATIONS[:4])
    for short, long in ABBREVIATIONS:
        if rng.random() < 0.25:
            continue
        if expand:
            text = re.sub(short, long, text)
        else:
            text = re.sub(rf"\b{long}\b", _LONG_FORMS[long], text)
    return text


def _split_words(text: str) -> tuple[list[list[str]], str]:
    """[leading whitespace, word] pairs plus trailing whitespace, so layout survives edits."""
    pairs = [[ws, word] for ws, word in re.findall(r"(\s*)(\S+)", text)]
    return pairs, text[len(text.rstrip()) :]


def _edit_word(pairs: list[list[str]], i: int, rng: random.Random) -> None:
    """One copy-edit at word i: insert a filler, delete the word, or change its case."""
    op = rng.choices(("insert", "delete", "case"), (0.35, 0.35, 0.3))[0]
    ws, word = pairs[i]
    if op == "insert":
        pairs.insert(i, [ws, rng.choice(FILLERS)])
        pairs[i + 1][0] = " "
    elif op == "delete" and i + 1 < len(pairs) and word.strip(",;").isalpha():
        nxt_ws = pairs[i + 1][0]
        del pairs[i]
        if "\n" in ws and "\n" not in nxt_ws:
            pairs[i][0] = ws
    elif word.isalpha():
        pairs[i][1] = word.lower() if word[0].isupper() else word.capitalize()


def edit_copyedit(text: str, rng: random.Random, ctx: EditContext) -> str:
    """A sub-editor's pass: ~1 word inserted/deleted/re-cased per 15-25 words, house style."""
    text = _swap_abbreviations(text, rng)
    pairs, tail = _split_words(text)
    i = rng.randint(3, 20)
    while i < len(pairs) - 1:
        _edit_word(pairs, i, rng)
        i += rng.randint(15, 25)
    return "".join(ws + word for ws, word in pairs) + tail


OCR_PAIRS = {"rn": "m", "cl": "d"}
OCR_CHARS = {
    "m": "rn",
    "l": "1",
    "1": "l",
    "O": "0",
    "0": "O",
    "e": "c",
    "c": "e",
    "d": "cl",
    "i": "l",
    " ": "",
}


def _hyphen_breaks(text: str, rng: random.Random, n: int) -> str:
    """Words split across lines as in scanned print: "infor-\\nmation"."""
    long_words = [m for m in re.finditer(r"\b[A-Za-z]{7,}\b", text)]
    for m in sorted(rng.sample(long_words, min(n, len(long_words))), key=lambda m: -m.start()):
        cut = m.start() + rng.randint(3, len(m.group()) - 3)
        text = text[:cut] + "-\n" + text[cut:]
    return text


def edit_ocr(text: str, rng: random.Random, ctx: EditContext) -> str:
    """Scanned-print noise on 1-3% of characters: confusions, lost spaces, hyphen breaks."""
    n_edits = max(1, round(rng.uniform(0.01, 0.03) * len(text)))
    n_hyphen = max(1, n_edits // 8)
    cands = [i for i, c in enumerate(text) if c in OCR_CHARS or text[i : i + 2] in OCR_PAIRS]
    chosen = sorted(rng.sample(cands, min(n_edits - n_hyphen, len(cands))), reverse=True)
    last = len(text)
    for i in chosen:
        pair = text[i : i + 2]
        src = pair if pair in OCR_PAIRS and i + 2 <= last else text[i]
        lone_space = 0 < i < len(text) - 1 and not re.match(r"\s", text[i - 1] + text[i + 1])
        lone_space = lone_space and not text[i + 1].isspace()
        if i + len(src) > last or (src == " " and not lone_space):
            continue
        new = OCR_PAIRS.get(src) or OCR_CHARS[src]
        if src == "l" and rng.random() < 0.5:
            new = "i"
        text = text[:i] + new + text[i + len(src) :]
        last = i
    return _hyphen_breaks(text, rng, n_hyphen)


def edit_local(text: str, rng: random.Random, ctx: EditContext) -> str:
    """A regional paper adds 1-2 local paragraphs of its own at the start or end."""
    for _ in range(rng.randint(1, 2)):
        text = add_paragraph(text, local_paragraph(ctx.donors, rng), rng.random() < 0.5)
    return text


def _shuffle_middle(items: list[str], rng: random.Random) -> list[str]:
    """Shuffle all but the first and last items, guaranteeing a different order."""
    middle = items[1:-1]
    if len(middle) == 2:
        return [items[0], middle[1], middle[0], items[-1]]
    for _ in range(20):
        new = rng.sample(middle, len(middle))
        if new != middle:
            return [items[0], *new, items[-1]]
    return items


def _swap_sentences(para: str, rng: random.Random) -> str:
    """Swap 1-2 pairs of adjacent middle sentences of a paragraph."""
    sents = sentences(para)
    if len(sents) < 4:
        return " ".join(sents[::-1]) if len(sents) > 1 else para
    done: list[int] = []
    for j in rng.sample(range(1, len(sents) - 2), min(2, len(sents) - 3)):
        if all(abs(j - k) > 1 for k in done):  # overlapping swaps could undo each other
            sents[j], sents[j + 1] = sents[j + 1], sents[j]
            done.append(j)
    return " ".join(sents)


def edit_reorder(text: str, rng: random.Random, ctx: EditContext) -> str:
    """Paragraphs moved around by an editor (first and last stay), else sentences swapped."""
    style = detect_style(text)
    blocks = raw_blocks(text)
    if len(blocks) >= 4:
        return join_blocks(_shuffle_middle(blocks, rng), style)
    if style == "flat":
        chunks = chunk_sentences(sentences(text), rng)
        if len(chunks) >= 4:
            return " ".join(_shuffle_middle(chunks, rng))
    paras = paragraphs(text)
    longest = max(range(len(paras)), key=lambda k: len(paras[k]))
    paras[longest] = _swap_sentences(paras[longest], rng)
    return render(paras, style)


CITIES = (
    "LONDON",
    "NEW YORK",
    "WASHINGTON",
    "TOKYO",
    "PARIS",
    "FRANKFURT",
    "BRUSSELS",
    "HONG KONG",
    "SYDNEY",
    "CHICAGO",
    "BEIJING",
    "MOSCOW",
    "TORONTO",
    "SINGAPORE",
)
_DATELINE = re.compile(r"^[A-Z][A-Za-z .,'-]{1,40}\((?:AP|Reuters|AFP)\)\s*[-—–]+\s*")


def dateline(date: datetime, rng: random.Random) -> str:
    """A wire-style dateline in one of the common agency formats."""
    city = rng.choice(CITIES)
    kind = rng.randint(0, 2)
    if kind == 0:
        return f"{city}, {date:%B} {date.day} (Reuters) - "
    if kind == 1:
        return f"{city} (AP) — "
    month = f"{date:%B}" if len(f"{date:%B}") <= 5 else f"{date:%b}."
    return f"{city.title()}, {month} {date.day} (AFP) - "


def edit_headline(text: str, rng: random.Random, ctx: EditContext) -> str:
    """New dateline on the body (the title itself is rewritten by rewrite_title)."""
    lead = text[: len(text) - len(text.lstrip())]
    return lead + dateline(ctx.date, rng) + _DATELINE.sub("", text.lstrip())


def edit_combined(text: str, rng: random.Random, ctx: EditContext) -> str:
    """Real copies often went through several hands: 2-3 families chained (see combination)."""
    ctx.applied = combination(rng)
    for name in ctx.applied:
        text = EDITS[name](text, rng, ctx)
    return text


EDITS: dict[str, Callable[[str, random.Random, EditContext], str]] = {
    "reprint": edit_reprint,
    "template": edit_template,
    "truncate": edit_truncate,
    "copyedit": edit_copyedit,
    "ocr": edit_ocr,
    "local": edit_local,
    "reorder": edit_reorder,
    "headline": edit_headline,
    "combined": edit_combined,
}

# ----------------------------------------------------------------------------- titles

PREFIXES = ("UPDATE 1-", "UPDATE 2-", "WRAPUP: ", "REFILE-", "CORRECTED-", "EXCLUSIVE: ")
SYNONYMS = {
    "rises": "climbs",
    "rise": "climb",
    "falls": "drops",
    "fall": "drop",
    "says": "tells",
    "buys": "acquires",
    "buy": "acquire",
    "sees": "expects",
    "cuts": "slashes",
    "cut": "trim",
    "plans": "eyes",
    "profit": "earnings",
    "net": "profit",
    "sales": "revenue",
    "raises": "lifts",
    "sets": "announces",
    "talks": "negotiations",
    "deal": "agreement",
    "hits": "strikes",
    "warns": "cautions",
    "calls": "urges",
    "new": "fresh",
    "boost": "lift",
    "row": "dispute",
    "shares": "stocks",
    "chief": "head",
    "quits": "resigns",
    "bid": "offer",
    "wins": "takes",
    "up": "higher",
    "down": "lower",
    "record": "all-time",
    "unit": "subsidiary",
    "hit": "strike",
}


def _match_case(word: str, like: str) -> str:
    """Give a replacement word the case pattern of the word it replaces."""
    if like.isupper():
        return word.upper()
    return word.capitalize() if like[:1].isupper() else word


def _synonym_swap(title: str) -> str:
    """Replace the first headline word that has a stock synonym."""
    words = title.split()
    for i, word in enumerate(words):
        core = word.strip(",:;")
        if core.lower() in SYNONYMS:
            words[i] = word.replace(core, _match_case(SYNONYMS[core.lower()], core))
            return " ".join(words)
    return title


def _reorder_title(title: str) -> str:
    """Different word order: "A says B" <-> "B, A says"; "A: B" / "A - B" -> "B: A"."""
    m = re.match(r"(.+?)(,?) (says|SAYS) (.+)", title)
    if m and m.group(2):
        return f"{m.group(4)} {m.group(3)} {m.group(1)}"
    if m:
        return f"{m.group(4)}, {m.group(1)} {m.group(3)}"
    for sep in (": ", " - ", ", "):
        if sep in title:
            head, tail = title.split(sep, 1)
            return f"{tail[:1].upper()}{tail[1:]}: {head}"
    return title


def _recase(title: str) -> str:
    """Headline case change: all caps <-> headline case."""
    return title_case(title) if is_upper_title(title) else title.upper()


def rewrite_title(title: str, rng: random.Random) -> str:
    """A new headline for the same story (order, case, synonym or an agency prefix)."""
    ops = [_synonym_swap, _reorder_title, _recase]
    new = title
    for op in rng.sample(ops, rng.randint(1, 2)):
        new = op(new)
    if rng.random() < 0.5 or new == title:
        new = rng.choice(PREFIXES) + new
    return new


def near_title(title: str, rng: random.Random) -> str:
    """Copies keep the headline, at most re-cased or stripped of the Reuters ticker."""
    if rng.random() < 0.5:
        return title
    new = re.sub(r"\s*<[^>]*>", "", title) if rng.random() < 0.5 else title
    return title_case(new) if is_upper_title(new) else new


# ----------------------------------------------------------------------------- dates


def published_at(article: Article, rng: random.Random) -> datetime:
    """Publication time from the corpus date, with a seeded time of day where it is missing."""
    raw = article.date
    try:
        if article.dataset == REUTERS:
            return datetime.strptime(raw.split(".")[0], "%d-%b-%Y %H:%M:%S")
        day = datetime.strptime(raw, "%Y/%m/%d")
    except ValueError:
        year = 2004 + rng.randint(0, 1) if article.dataset == "bbc" else 2017
        if article.dataset == REUTERS:
            year = 1987
        day = datetime(year, 1, 1) + timedelta(days=rng.randint(0, 364))
    return day + timedelta(seconds=rng.randint(6 * 3600, 22 * 3600))


def later(date: datetime, rng: random.Random) -> datetime:
    """A copy appears a few hours to a few days after the original."""
    return date + timedelta(seconds=rng.randint(2 * 3600, 4 * 86400))


# ----------------------------------------------------------------------------- copies


class FamilyCycle:
    """Round-robin over the families (seeded order) so every family gets ~equal counts."""

    def __init__(self, rng: random.Random) -> None:
        self.order = rng.sample(FAMILIES, len(FAMILIES))
        self.i = 0

    def take(self, n: int) -> list[str]:
        """The next n families; consecutive, so one original never repeats a family."""
        out = [self.order[(self.i + j) % len(self.order)] for j in range(n)]
        self.i += n
        return out


def combination(rng: random.Random) -> list[str]:
    """2-3 distinct base families in a sensible application order.

    OCR and a web template do not mix: the page re-flow would undo the OCR line breaks, and
    scanned print is never wrapped in a live site's navigation.
    """
    while True:
        picked = rng.sample(CHAIN_ORDER, rng.randint(2, 3))
        if not {"ocr", "template"} <= set(picked):
            return sorted(picked, key=CHAIN_ORDER.index)


def free_outlet(taken: Sequence[str], rng: random.Random) -> Outlet:
    """A template outlet that has not yet carried this story (sources differ within a group)."""
    outlets = [o for o in TEMPLATE_OUTLETS if o.domain not in taken] or list(TEMPLATE_OUTLETS)
    return rng.choice(outlets)


def copy_source(
    chain: Sequence[str], outlet: Outlet, taken: Sequence[str], rng: random.Random
) -> str:
    """The copy's outlet name: the template's site if it was wrapped, else any unused outlet."""
    if "template" in chain:
        return outlet.domain
    names = SYNDICATION_SOURCES + tuple(o.domain for o in TEMPLATE_OUTLETS)
    return rng.choice([n for n in names if n not in taken and n != outlet.domain])


def make_copy(
    orig: Article,
    date: datetime,
    family: str,
    group: str,
    taken: list[str],
    donors: Sequence[Article],
    rng: random.Random,
) -> tuple[Record, list[str]]:
    """One planted copy of an original, edited by one family (combined: a chain of them)."""
    outlet = free_outlet(taken, rng)
    ctx = EditContext(donors=donors, date=date, outlet=outlet)
    for _ in range(5):  # an edit can be a no-op on rare inputs; redraw rather than emit a clone
        text = EDITS[family](orig.text, rng, ctx)
        if text != orig.text:
            break
    else:
        text = _typography(orig.text, True) + " "
    chain = ctx.applied or [family]
    source = copy_source(chain, outlet, taken, rng)
    taken.append(source)
    title = rewrite_title(orig.title, rng) if "headline" in chain else near_title(orig.title, rng)
    pub = later(date, rng)
    return Record(title, text, source, pub, group, family, "copy", tuple(chain)), chain


# ----------------------------------------------------------------------------- negatives


def template_words(teasers: Sequence[str]) -> int:
    """Words of the shared negative template (header, 3 paywalls, newsletter, teasers, footer)."""
    out = NEGATIVE_OUTLET
    parts = [
        *out.header,
        *(out.prompt * 3),
        *out.newsletter,
        out.teaser_heading,
        *teasers,
        *out.footer,
    ]
    return sum(len(p.split()) for p in parts)


def negative_template_page(article: Article, teasers: Sequence[str], rng: random.Random) -> str:
    """A story in the shared Insights Daily template: same paywall thrice, same teasers."""
    paras = page_paragraphs(article.text, rng)
    prompt = "\n".join(NEGATIVE_OUTLET.prompt)
    if len(paras) >= 3:
        mid = len(paras) // 2
        body = [paras[0], prompt, *paras[1:mid], prompt, *paras[mid:], prompt]
    else:
        body = [paras[0], prompt, *paras[1:], prompt, prompt]
    blocks = [
        "\n".join(NEGATIVE_OUTLET.header),
        *body,
        "\n".join(NEGATIVE_OUTLET.newsletter),
        NEGATIVE_OUTLET.teaser_heading,
        *teasers,
        "\n".join(NEGATIVE_OUTLET.footer),
    ]
    return "\n\n".join(blocks)


def negative_template_stories(
    pool: Sequence[Article], n: int, t_words: int, rng: random.Random
) -> list[Article]:
    """Stories of a length that makes the shared template the share of each page that it is in
    seed 004 (see NEGATIVE_TEMPLATE_SHARE)."""
    low_share, high_share = NEGATIVE_TEMPLATE_SHARE
    lo = int(t_words * (1 - high_share) / high_share)
    hi = int(t_words * (1 - low_share) / low_share)
    fitting = [a for a in pool if lo <= a.n_words <= hi]
    if len(fitting) < n:  # widen around the middle of the range rather than fail
        middle = (lo + hi) / 2
        fitting = sorted(pool, key=lambda a: (abs(a.n_words - middle), a.key))[: 3 * n]
    return sample_by_dataset(fitting, n, rng)


_EARNINGS_TITLE = re.compile(r"^(.+?)\s*<([A-Z.]+)>")


def is_earnings_table(article: Article) -> bool:
    """Reuters "Shr ... vs ..." earnings tables: same wording, different figures."""
    t = article.text
    return (
        article.dataset == REUTERS
        and t.startswith("Shr")
        and "\n" in t
        and " vs " in t
        and "Net" in t
        and bool(_EARNINGS_TITLE.match(article.title))
    )


def company_names(articles: Sequence[Article]) -> list[tuple[str, str]]:
    """(name, ticker) pairs from Reuters headlines such as 'COBANCO INC <CBCO> YEAR NET'."""
    seen: dict[str, str] = {}
    for art in articles:
        m = _EARNINGS_TITLE.match(art.title)
        if m and art.dataset == REUTERS:
            seen.setdefault(title_case(m.group(1)), m.group(2))
    return sorted(seen.items())


def _money(rng: random.Random, lo: float, hi: float) -> float:
    """A plausible figure with one decimal."""
    return round(rng.uniform(lo, hi), 1)


def wire_report(company: str, ticker: str, rng: random.Random) -> tuple[str, str]:
    """A generated earnings report: fixed wording, only the company and figures change."""
    quarter = rng.choice(("first", "second", "third", "fourth"))
    net0, rev0 = _money(rng, 2, 80), _money(rng, 40, 900)
    net1, rev1 = round(net0 * rng.uniform(0.6, 1.5), 1), round(rev0 * rng.uniform(0.8, 1.3), 1)
    eps0 = rng.randint(8, 90)
    eps1 = max(1, round(eps0 * net1 / net0 * rng.uniform(0.95, 1.05)))
    short = company.split()[0]
    month = rng.choice(("April", "May", "June"))
    rec, day = sorted(rng.sample(range(1, 29), 2))
    paras = [
        f"{company} said {quarter}-quarter net profit {'rose' if net1 >= net0 else 'fell'} to "
        f"{net1} mln dlrs, or {eps1} cts a share, from {net0} mln dlrs, or {eps0} cts, a year "
        "earlier.",
        f"Revenues {'rose' if rev1 >= rev0 else 'fell'} to {rev1} mln dlrs from {rev0} mln.",
        f"The company said results in the quarter reflected {rng.choice(('higher', 'lower'))} "
        f"volumes and {rng.choice(('higher', 'lower'))} interest costs.",
        f"{short} said it expects full-year results to "
        f"{rng.choice(('improve', 'remain under pressure'))} and declared a quarterly dividend "
        f"of {rng.randint(2, 40)} cts a share, payable {month} {day} to holders of record "
        f"{month} {rec}.",
        f"Shares of {short} closed at {rng.randint(8, 90)} dlrs, {rng.choice(('up', 'down'))} "
        f"{rng.randint(1, 7)}/8, on the New York Stock Exchange.",
    ]
    title = f"{company.upper()} <{ticker}> {quarter.upper()} QTR NET"
    return title, render(paras, "indent", rng.randint(62, 70))


def wire_negatives(
    tables: Sequence[Article], companies: Sequence[tuple[str, str]], n: int, rng: random.Random
) -> list[tuple[str, str, str, str, datetime]]:
    """Half real Reuters earnings tables, half generated prose reports (distinct companies).

    Returns (corpus key or "", title, text, source, published) tuples.
    """
    real = rng.sample(list(tables), min(n // 2, len(tables)))
    out = [(a.key, a.title, a.text, a.source, published_at(a, rng)) for a in real]
    names = rng.sample(list(companies), min(n - len(out), len(companies)))
    for company, ticker in names:
        title, text = wire_report(company, ticker, rng)
        date = datetime(1987, 4, 1) + timedelta(seconds=rng.randint(0, 30 * 86400))
        out.append(("", title, text, "earnings-wire.example", date))
    return out


# ----------------------------------------------------------------------------- assembly


class Groups:
    """Sequential story-group labels (ids are shuffled later, so groups reveal nothing)."""

    def __init__(self) -> None:
        self.n = 0

    def new(self) -> str:
        """A fresh group label."""
        self.n += 1
        return f"g{self.n:06d}"


def plant_copies(
    originals: Sequence[Article], donors: Sequence[Article], groups: Groups, rng: random.Random
) -> tuple[list[Record], Counter]:
    """Originals plus 1-3 copies each; returns records and counts of combined components."""
    cycle = FamilyCycle(rng)
    records: list[Record] = []
    components: Counter = Counter()
    for orig in originals:
        group, date = groups.new(), published_at(orig, rng)
        records.append(
            Record(orig.title, orig.text, orig.source, date, group, "original", "original")
        )
        taken = [orig.source]
        for family in cycle.take(rng.randint(1, 3)):
            record, chain = make_copy(orig, date, family, group, taken, donors, rng)
            records.append(record)
            if family == "combined":
                components.update(chain)
    return records, components


def singles(
    articles: Sequence[Article], family: str, role: str, groups: Groups, rng: random.Random
) -> list[Record]:
    """Unmodified real articles that each form their own group (distractors)."""
    return [
        Record(a.title, a.text, a.source, published_at(a, rng), groups.new(), family, role)
        for a in articles
    ]


def build(args: argparse.Namespace) -> tuple[list[Record], dict]:
    """Build every record and the manifest (everything seeded from args.seed)."""
    rng = random.Random(args.seed)
    nprng = np.random.default_rng(args.seed)
    articles = load_articles(args.data)
    distinct, dedup_stats = dedupe(articles, nprng)
    long_pool = [a for a in distinct if a.n_words >= MIN_WORDS and a.title]
    originals = sample_by_dataset(long_pool, args.originals, rng)
    used = {a.key for a in originals}
    rest = [a for a in long_pool if a.key not in used]
    teaser_arts = pick_teaser_articles(
        [a for a in rest if a.dataset != REUTERS], rng, NEGATIVE_TEASERS
    )
    neg_teasers = [paragraph_teaser(a) for a in teaser_arts]
    used |= {a.key for a in teaser_arts}
    rest = [a for a in rest if a.key not in used]
    t_words = template_words(neg_teasers)
    neg_stories = negative_template_stories(rest, args.negatives_template, t_words, rng)
    used |= {a.key for a in neg_stories}
    rest = [a for a in rest if a.key not in used]
    distractors = sample_by_dataset(rest, args.distractors, rng)
    used |= {a.key for a in distractors}
    tables = [a for a in distinct if is_earnings_table(a) and a.key not in used]
    wire = wire_negatives(tables, company_names(articles), args.negatives_wire, rng)
    used |= {key for key, *_ in wire}
    donors = [a for a in rest if a.key not in used]

    groups = Groups()
    records, components = plant_copies(originals, donors, groups, rng)
    for art in neg_stories:
        page = negative_template_page(art, neg_teasers, rng)
        records.append(
            Record(
                art.title,
                page,
                NEGATIVE_OUTLET.domain,
                published_at(art, rng),
                groups.new(),
                "negative-template",
                "negative",
            )
        )
    for _, title, text, source, date in wire:
        records.append(Record(title, text, source, date, groups.new(), "negative-wire", "negative"))
    records += singles(distractors, "distractor", "distractor", groups, rng)
    rng.shuffle(records)

    manifest = {
        "seed": args.seed,
        "parameters": {
            "originals": args.originals,
            "negatives_template": args.negatives_template,
            "negatives_wire": args.negatives_wire,
            "distractors": args.distractors,
            "min_words": MIN_WORDS,
            "copies_per_original": [1, 3],
            "distinct_shingle_words": SHINGLE,
            "distinct_jaccard_below": DISTINCT_JACCARD,
            "distinct_containment_below": DISTINCT_CONTAINMENT,
            "minhash_perm": NUM_PERM,
            "minhash_rows_per_band": ROWS_PER_BAND,
            "reuters_cap": REUTERS_CAP,
            "negative_template_share": list(NEGATIVE_TEMPLATE_SHARE),
            "negative_teasers": NEGATIVE_TEASERS,
            "negative_template_words": t_words,
        },
        "input": {
            "file": args.data.name,
            "sha256": file_sha256(args.data),
            "articles": len(articles),
            **dedup_stats,
        },
        "counts": {
            "total": len(records),
            "families": dict(sorted(Counter(r.family for r in records).items())),
            "roles": dict(sorted(Counter(r.role for r in records).items())),
            "original_datasets": dict(sorted(Counter(a.dataset for a in originals).items())),
            "distractor_datasets": dict(sorted(Counter(a.dataset for a in distractors).items())),
            "combined_components": dict(sorted(components.items())),
        },
    }
    return records, manifest


def write_outputs(records: Sequence[Record], manifest: dict, out: Path) -> None:
    """documents.jsonl, gold.jsonl (same order, ids syn-NNNNNN) and manifest.json."""
    out.mkdir(parents=True, exist_ok=True)
    with (
        (out / "documents.jsonl").open("w", encoding="utf-8", newline="\n") as docs,
        (out / "gold.jsonl").open("w", encoding="utf-8", newline="\n") as gold,
    ):
        for index, rec in enumerate(records):
            doc_id = f"syn-{index:06d}"
            doc = {
                "id": doc_id,
                "title": rec.title,
                "text": rec.text,
                "source": rec.source,
                "published": rec.published.strftime(TIME_FMT),
            }
            label = {"id": doc_id, "group": rec.group, "family": rec.family, "role": rec.role}
            if rec.edits:
                label["edits"] = list(rec.edits)
            docs.write(json.dumps(doc, ensure_ascii=False) + "\n")
            gold.write(json.dumps(label, ensure_ascii=False) + "\n")
    (out / "manifest.json").write_text(
        json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """Command-line options."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--originals", type=int, default=2000, help="originals that get copies")
    p.add_argument("--seed", type=int, default=13)
    p.add_argument("--out", type=Path, default=DEFAULT_OUT, help="output directory")
    p.add_argument("--data", type=Path, default=DEFAULT_DATA, help="realnews documents.jsonl.gz")
    p.add_argument(
        "--negatives-template",
        type=int,
        default=300,
        help="distinct stories wrapped in one shared site template",
    )
    p.add_argument(
        "--negatives-wire",
        type=int,
        default=200,
        help="templated earnings reports that differ only in figures",
    )
    p.add_argument(
        "--distractors",
        type=int,
        default=2000,
        help="further distinct real articles with no copies",
    )
    return p.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    """Build the benchmark and print a short summary to stderr."""
    start = time.perf_counter()
    args = parse_args(argv)
    if not args.data.exists():
        print(f"input not found: {args.data}", file=sys.stderr)
        return 2
    records, manifest = build(args)
    write_outputs(records, manifest, args.out)
    counts = manifest["counts"]
    print(f"wrote {counts['total']} documents to {args.out}", file=sys.stderr)
    print(f"  families: {counts['families']}", file=sys.stderr)
    print(f"  roles:    {counts['roles']}", file=sys.stderr)
    print(f"  originals by dataset: {counts['original_datasets']}", file=sys.stderr)
    print(
        f"  corpus: {manifest['input']['articles']} articles, "
        f"{manifest['input'].get('kept')} distinct",
        file=sys.stderr,
    )
    print(f"  time: {time.perf_counter() - start:.1f}s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
