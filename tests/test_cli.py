"""Tests of the dedup command line, run in-process through dedup.cli.main."""

from __future__ import annotations

import io
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from dedup.cli import main

REPO = Path(__file__).resolve().parents[1]
OUTPUT_FILES = ["clusters.jsonl", "deduplicated.jsonl", "pairs.jsonl"]

# Three made-up stories with distinct vocabulary, one paragraph each (~150 words).
STORY_A = (
    "The harbour council of Port Elwyn voted on Tuesday to approve a tidal energy plant at the "
    "mouth of the Carrow estuary, ending four years of argument between fishermen, engineers and "
    "birdwatchers. The plant will place twelve submerged turbines in the channel where the tide "
    "runs fastest, and engineers from the Welsh firm Morlais Dynamics say the machines could "
    "supply about nine thousand homes once the final cables are laid in the spring of next year. "
    "Fishermen who opposed the scheme won a promise that the turbines will stop during the "
    "herring migration each autumn, and an independent panel will count seabirds along the "
    "mudflats every month. Councillor Bethan Rees called the vote a careful compromise rather "
    "than a victory for either side. Construction barges are expected to arrive in March, and "
    "the council will publish noise readings from the quay on its website every week while the "
    "foundations are drilled into the granite seabed beneath the old lighthouse."
)
STORY_D = (
    "Detectives in Bruges have recovered three illuminated manuscripts stolen from the Saint "
    "Donatian monastery library almost forty years ago, Belgian prosecutors announced on Friday. "
    "The books, a psalter and two gospel volumes decorated with gold leaf and lapis pigment, "
    "turned up in the attic of a retired antiques dealer in Ghent after his nephew tried to sell "
    "a single page through an online auction. Art historians at the Royal Library examined the "
    "vellum and matched the binding stitches to photographs taken by a visiting scholar in 1979. "
    "The dealer, now ninety one, told investigators he bought the parcel at a flea market and "
    "never opened it. Prosecutors said no charges are planned because the theft is too old to "
    "pursue. The abbot thanked the police and said the monks intend to display the psalter "
    "behind glass in the cloister chapel, next to a replica of the carved oak lectern from which "
    "it was once read aloud at vespers."
)
STORY_E = (
    "A fourteen year old from Kraków won the European junior chess championship in Riga on "
    "Sunday after a tense final round that lasted almost six hours. Zofia Nowicka, playing the "
    "black pieces, sacrificed a rook on move thirty two and converted the resulting endgame with "
    "a pair of connected passed pawns, leaving her Armenian opponent with no defence against "
    "promotion. Her coach, a former grandmaster who runs a club above a pharmacy in the Kazimierz "
    "district, said she studies openings with a wooden board and a paper notebook rather than "
    "software. The title earns her a place at the world youth olympiad in Montevideo and a "
    "modest scholarship from the national federation. Tournament organisers praised the "
    "sportsmanship of all eighty competitors, despite a power cut that darkened the hall "
    "during the fourth round, when arbiters paused every clock and players waited calmly by "
    "candlelight until the generators started."
)
# c is a truncated copy: the first 60% of a's words (Jaccard ~0.59 < 0.6, containment 1.0).
STORY_C = " ".join(STORY_A.split()[: int(len(STORY_A.split()) * 0.6)])


def news_records(c_published: str = "2024-01-03") -> list[dict[str, Any]]:
    """a; b, an exact copy of a published first; c, a truncated copy; d, e unrelated."""
    return [
        {
            "id": "a",
            "title": "Tidal plant approved in Port Elwyn",
            "text": STORY_A,
            "published": "2024-01-02",
            "lang": "en",
        },
        {
            "id": "b",
            "title": "Council backs Carrow estuary turbines",
            "text": STORY_A,
            "published": "2024-01-01T08:30:00Z",
            "lang": "en",
        },
        {"id": "c", "title": "Tidal plant approved", "text": STORY_C, "published": c_published},
        {
            "id": "d",
            "title": "Stolen manuscripts found in Ghent attic",
            "text": STORY_D,
            "published": "2024-01-05",
        },
        {"id": "e", "title": "Teenager wins junior chess title", "text": STORY_E},
    ]


def jsonl_text(records: list[dict[str, Any]]) -> str:
    return "".join(json.dumps(record, ensure_ascii=False) + "\n" for record in records)


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def run_cli(
    args: list[Any], capsys: pytest.CaptureFixture[str], stdin: bytes | None = None
) -> tuple[int, str, str]:
    """Run ``dedup ARGS`` in-process; return the exit code, stdout and stderr."""
    capsys.readouterr()  # drop anything printed before
    with pytest.MonkeyPatch.context() as patch:
        if stdin is not None:
            patch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(stdin), encoding="utf-8"))
        with pytest.raises(SystemExit) as exit_info:
            main([str(arg) for arg in args])
    out, err = capsys.readouterr()
    code = exit_info.value.code
    if code is None:
        code = 0
    elif not isinstance(code, int):  # sys.exit("message") exits 1
        code = 1
    return code, out, err


@pytest.fixture
def news(tmp_path: Path) -> Path:
    path = tmp_path / "news.jsonl"
    path.write_text(jsonl_text(news_records()), encoding="utf-8")
    return path


@pytest.fixture
def out(tmp_path: Path) -> Path:
    return tmp_path / "out"


def output_files(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir()) if directory.exists() else []


def duplicate_clusters(directory: Path) -> list[dict[str, Any]]:
    return [c for c in read_jsonl(directory / "clusters.jsonl") if c["kind"] == "duplicate"]


# --- dedup find: outputs -------------------------------------------------------------------


def test_cli_find_writes_exactly_the_three_files(
    news: Path, out: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run_cli(["find", news, "--out", out, "--quiet"], capsys)
    assert code == 0, err
    assert output_files(out) == OUTPUT_FILES


def test_cli_find_clusters_contract(
    news: Path, out: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run_cli(["find", news, "--out", out, "--quiet"], capsys)
    assert code == 0, err
    clusters = read_jsonl(out / "clusters.jsonl")
    for cluster in clusters:
        assert set(cluster) == {"cluster", "kind", "representative", "members"}
        assert cluster["kind"] in ("duplicate", "related")
        for member in cluster["members"]:
            assert set(member) == {"id", "relation", "score"}
    # b is an exact copy of a published a day earlier, so it represents the cluster; c is a's
    # first 60% (contained); d and e are unrelated stories.
    (duplicate,) = duplicate_clusters(out)
    assert duplicate["cluster"] == "dup-000001"
    assert duplicate["representative"] == "b"
    relations = {m["id"]: m["relation"] for m in duplicate["members"]}
    assert relations == {"a": "exact", "b": "representative", "c": "contained"}
    scores = {m["id"]: m["score"] for m in duplicate["members"]}
    assert scores == {"a": 1.0, "b": 1.0, "c": 1.0}
    in_duplicates = {m["id"] for c in duplicate_clusters(out) for m in c["members"]}
    assert {"d", "e"}.isdisjoint(in_duplicates)
    assert [c for c in clusters if c["kind"] == "related"] == []


def test_cli_find_pairs_contract(news: Path, out: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run_cli(["find", news, "--out", out, "--quiet"], capsys)
    assert code == 0, err
    pairs = read_jsonl(out / "pairs.jsonl")
    keys = {
        "a",
        "b",
        "relation",
        "jaccard",
        "containment_ab",
        "containment_ba",
        "cosine",
        "title_similarity",
    }
    for pair in pairs:
        assert set(pair) == keys
        for score in keys - {"a", "b", "relation"}:
            assert 0.0 <= pair[score] <= 1.0
    by_ids = {(p["a"], p["b"]): p for p in pairs}
    assert {ids: p["relation"] for ids, p in by_ids.items()} == {
        ("a", "b"): "exact",
        ("a", "c"): "contained",
        ("b", "c"): "contained",
    }
    exact = by_ids["a", "b"]
    assert (exact["jaccard"], exact["containment_ab"], exact["containment_ba"]) == (1.0, 1.0, 1.0)
    truncated = by_ids["a", "c"]
    assert truncated["containment_ba"] == 1.0  # all of c is in a
    assert truncated["jaccard"] < 0.6  # not a near-duplicate: c is only 60% of a


def test_cli_find_deduplicated_feed(
    news: Path, out: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run_cli(["find", news, "--out", out, "--quiet"], capsys)
    assert code == 0, err
    records = {r["id"]: r for r in news_records()}
    assert read_jsonl(out / "deduplicated.jsonl") == [
        {**records["b"], "cluster": "dup-000001"},
        {**records["d"], "cluster": None},
        {**records["e"], "cluster": None},
    ]


def test_cli_find_feed_keeps_json_lines_as_written(
    tmp_path: Path, out: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    records = news_records()
    lines = [json.dumps(r, ensure_ascii=True, separators=(",", ":")) for r in records]
    lines[3] = lines[3][:-1] + ',"cluster":"theirs","score":1.50}'  # a member the feed sets
    path = tmp_path / "compact.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    code, _, err = run_cli(["find", path, "--out", out, "--quiet"], capsys)
    assert code == 0, err
    feed = (out / "deduplicated.jsonl").read_text(encoding="utf-8").splitlines()
    assert feed[0] == lines[1][:-1] + ', "cluster": "dup-000001"}'
    # Parsed and written again: the record's own "cluster" is replaced, not repeated.
    assert json.loads(feed[1]) == {**records[3], "cluster": None, "score": 1.5}
    assert feed[2] == lines[4][:-1] + ', "cluster": null}'


def test_cli_find_annotate_keeps_every_record(
    news: Path, out: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run_cli(["find", news, "--out", out, "--quiet", "--annotate"], capsys)
    assert code == 0, err
    records = news_records()
    expected = {
        "a": ("dup-000001", "b"),
        "b": ("dup-000001", None),
        "c": ("dup-000001", "b"),
        "d": (None, None),
        "e": (None, None),
    }
    assert read_jsonl(out / "deduplicated.jsonl") == [
        {**r, "cluster": expected[r["id"]][0], "duplicate_of": expected[r["id"]][1]}
        for r in records
    ]


# preference_order: earliest = (published, unknown last), then longest, then input order;
# longest = longest body, then earliest, then input order; first = input order.
# a and b have the same body, b is a day older, so "longest" picks b. In the second fixture c
# (the shortest copy) is the oldest: "earliest" picks c, "longest" still b, "first" always a.
@pytest.mark.parametrize(
    ("c_published", "keep", "representative", "relations", "kept"),
    [
        ("2024-01-03", "earliest", "b", {"a": "exact", "c": "contained"}, ["b", "d", "e"]),
        ("2024-01-03", "longest", "b", {"a": "exact", "c": "contained"}, ["b", "d", "e"]),
        ("2024-01-03", "first", "a", {"b": "exact", "c": "contained"}, ["a", "d", "e"]),
        ("2023-12-31", "earliest", "c", {"a": "contained", "b": "contained"}, ["c", "d", "e"]),
        ("2023-12-31", "longest", "b", {"a": "exact", "c": "contained"}, ["b", "d", "e"]),
        ("2023-12-31", "first", "a", {"b": "exact", "c": "contained"}, ["a", "d", "e"]),
    ],
)
def test_cli_find_keep_rule(
    tmp_path: Path,
    out: Path,
    capsys: pytest.CaptureFixture[str],
    c_published: str,
    keep: str,
    representative: str,
    relations: dict[str, str],
    kept: list[str],
) -> None:
    news = tmp_path / "news.jsonl"
    news.write_text(jsonl_text(news_records(c_published)), encoding="utf-8")
    code, _, err = run_cli(["find", news, "--out", out, "--quiet", "--keep", keep], capsys)
    assert code == 0, err
    (duplicate,) = duplicate_clusters(out)
    assert duplicate["representative"] == representative
    members = {m["id"]: m["relation"] for m in duplicate["members"]}
    assert members == {representative: "representative", **relations}
    assert [r["id"] for r in read_jsonl(out / "deduplicated.jsonl")] == kept


def test_cli_find_format_json(news: Path, out: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, stdout, err = run_cli(["find", news, "--out", out, "--quiet", "--format", "json"], capsys)
    assert code == 0, err
    summary = json.loads(stdout)  # exactly one JSON document on stdout
    assert stdout.count("\n") == 1
    assert {
        "articles",
        "duplicate_clusters",
        "removed",
        "related_clusters",
        "seconds",
        "lsh",
        "largest_clusters",
    } <= set(summary)
    assert summary["articles"] == 5
    assert summary["removed"] == 2
    assert summary["duplicate_clusters"] == 1
    assert summary["related_clusters"] == 0
    assert {"bands", "rows", "probability_at_threshold"} <= set(summary["lsh"])
    assert summary["lsh"]["bands"] * summary["lsh"]["rows"] <= 128
    assert 0.0 < summary["lsh"]["probability_at_threshold"] <= 1.0
    assert isinstance(summary["seconds"], dict)
    assert all(seconds >= 0 for seconds in summary["seconds"].values())
    assert summary["largest_clusters"] == [
        {
            "cluster": "dup-000001",
            "size": 3,
            "representative": "b",
            "title": "Council backs Carrow estuary turbines",
        }
    ]


def test_cli_find_table_summary(news: Path, out: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, stdout, err = run_cli(["find", news, "--out", out, "--quiet"], capsys)
    assert code == 0, err
    assert "dedup find" in stdout
    assert "dup-000001" in stdout


def test_cli_find_quiet_prints_nothing_on_stderr(
    news: Path, out: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run_cli(["find", news, "--out", out, "--quiet", "--format", "json"], capsys)
    assert code == 0
    assert err == ""


def test_cli_find_reads_stdin(out: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = jsonl_text(news_records()).encode()
    code, stdout, err = run_cli(
        ["find", "-", "--out", out, "--quiet", "--format", "json"], capsys, stdin=data
    )
    assert code == 0, err
    assert json.loads(stdout)["removed"] == 2
    assert [r["id"] for r in read_jsonl(out / "deduplicated.jsonl")] == ["b", "d", "e"]


def test_cli_find_field_options(
    tmp_path: Path, out: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    renamed = [{"key": r["id"], "headline": r["title"], "body": r["text"]} for r in news_records()]
    path = tmp_path / "renamed.jsonl"
    path.write_text(jsonl_text(renamed), encoding="utf-8")
    args = ["find", path, "--out", out, "--quiet", "--keep", "first"]
    args += ["--id-field", "key", "--title-field", "headline", "--text-field", "body"]
    code, _, err = run_cli(args, capsys)
    assert code == 0, err
    assert read_jsonl(out / "deduplicated.jsonl") == [
        {**renamed[0], "cluster": "dup-000001"},
        {**renamed[3], "cluster": None},
        {**renamed[4], "cluster": None},
    ]


# --- dedup find: bad input -----------------------------------------------------------------

GOOD_LINE = json.dumps({"id": "a", "text": STORY_A})
BAD_INPUTS = [
    # (id, file contents or None for no file, extra options, stderr line pattern, exit code)
    ("missing-file", None, [], re.escape("Error: input not found: {path}"), 1),
    (
        "malformed-json",
        f'{GOOD_LINE}\n{{"id": "b", "text": }}\n'.encode(),
        [],
        re.escape("Error: {path}:2: malformed JSON: Expecting value (column 21)"),
        1,
    ),
    (
        "no-text",
        f'{GOOD_LINE}\n\n{{"id": "b", "text": "   "}}\n'.encode(),
        [],
        re.escape("Error: {path}:3: record has no text (field 'text'; see --text-field)"),
        1,
    ),
    ("empty-input", b"\n  \n\n", [], re.escape("Error: no articles found in {path}"), 1),
    (
        "lone-surrogate",
        GOOD_LINE.encode() + b'\n{"id": "b", "title": "x \\udc80 y", "text": "words"}\n',
        [],
        re.escape(
            "Error: {path}:2: field 'title' holds a lone surrogate (\\udc80), which is not "
            "Unicode text"
        ),
        1,
    ),
    (
        "non-utf8",
        GOOD_LINE.encode() + b'\n{"id": "b", "text": "caf\xff"}\n',
        [],
        re.escape("Error: {path}:2: not valid UTF-8 (byte 0xff)"),
        1,
    ),
    (
        "keep-sideways",
        f"{GOOD_LINE}\n".encode(),
        ["--keep", "sideways"],
        # Typer >= 0.26 inserts "Value error, " (from pydantic) before click's message.
        r"Error: Invalid value for '--keep': (Value error, )?'sideways' is not one of "
        r"'earliest', 'longest', 'first'\.",
        2,
    ),
    (
        "format-xml",
        f"{GOOD_LINE}\n".encode(),
        ["--format", "xml"],
        r"Error: Invalid value for '--format': (Value error, )?'xml' is not one of "
        r"'table', 'json'\.",
        2,
    ),
    (
        "unknown-option",
        f"{GOOD_LINE}\n".encode(),
        ["--bogus"],
        r"Error: No such option: --bogus( \(Possible options: [-a-z, ]+\))?",
        2,
    ),
    (
        "threshold-out-of-range",
        f"{GOOD_LINE}\n".encode(),
        ["--threshold", "1.5"],
        re.escape("Error: threshold must be in [0, 1]; got 1.5"),
        1,
    ),
]


@pytest.mark.parametrize(
    ("contents", "options", "pattern", "expected_code"),
    [case[1:] for case in BAD_INPUTS],
    ids=[case[0] for case in BAD_INPUTS],
)
def test_cli_find_bad_input(
    tmp_path: Path,
    out: Path,
    capsys: pytest.CaptureFixture[str],
    contents: bytes | None,
    options: list[str],
    pattern: str,
    expected_code: int,
) -> None:
    path = tmp_path / "input.jsonl"
    if contents is not None:
        path.write_bytes(contents)
    code, stdout, err = run_cli(["find", path, "--out", out, "--quiet", *options], capsys)
    assert code == expected_code
    assert code != 0
    assert "Traceback" not in stdout + err
    assert err.endswith("\n")
    lines = err.splitlines()
    assert len(lines) == 1, err
    assert re.fullmatch(pattern.replace(re.escape("{path}"), re.escape(str(path))), lines[0]), (
        lines[0]
    )
    assert output_files(out) == []


def test_cli_find_on_error_skip(
    tmp_path: Path, out: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    lines = jsonl_text(news_records()).splitlines()
    lines.insert(2, '{"id": "broken", "text": ')  # line 3
    path = tmp_path / "news.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    code, stdout, err = run_cli(
        ["find", path, "--out", out, "--on-error", "skip", "--annotate", "--format", "json"],
        capsys,
    )
    assert code == 0, err
    # The column json reports for a line cut short is not pinned down (see report).
    warning = re.escape(
        f"Warning: skipped 1 bad record(s); first: {path}:3: malformed JSON: Expecting value"
    )
    assert any(re.fullmatch(warning + r" \(column \d+\)", line) for line in err.splitlines()), err
    assert "Traceback" not in err
    assert json.loads(stdout)["skipped"] == 1
    assert [r["id"] for r in read_jsonl(out / "deduplicated.jsonl")] == ["a", "b", "c", "d", "e"]


def test_cli_find_failed_run_leaves_earlier_output_untouched(
    tmp_path: Path, news: Path, out: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run_cli(["find", news, "--out", out, "--quiet"], capsys)
    assert code == 0, err
    before = {name: (out / name).read_bytes() for name in output_files(out)}
    assert sorted(before) == OUTPUT_FILES

    bad = tmp_path / "bad.jsonl"
    bad.write_text(f'{GOOD_LINE}\n{{"id": "b", "text": }}\n', encoding="utf-8")
    code, _, err = run_cli(["find", bad, "--out", out, "--quiet", "--annotate"], capsys)
    assert code == 1
    assert err.startswith("Error: ")
    assert output_files(out) == OUTPUT_FILES  # no temporary files left behind either
    assert {name: (out / name).read_bytes() for name in OUTPUT_FILES} == before


# --- dedup eval ----------------------------------------------------------------------------


def test_cli_eval_format_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    def member(article_id: str, relation: str = "near") -> dict[str, Any]:
        return {"id": article_id, "relation": relation, "score": 0.9}

    clusters = tmp_path / "clusters.jsonl"
    clusters.write_text(
        jsonl_text(
            [
                {
                    "cluster": "dup-000001",
                    "kind": "duplicate",
                    "representative": "a",
                    "members": [member("a", "representative"), member("b"), member("c")],
                },
                {
                    "cluster": "dup-000002",
                    "kind": "duplicate",
                    "representative": "d",
                    "members": [member("d", "representative"), member("e")],
                },
                # related clusters are not scored by default
                {
                    "cluster": "rel-000001",
                    "kind": "related",
                    "representative": "a",
                    "members": [member("a", "representative"), member("d", "related")],
                },
            ]
        ),
        encoding="utf-8",
    )
    gold = tmp_path / "gold.jsonl"
    gold.write_text(
        jsonl_text([{"id": i, "group": g} for i, g in zip("abcde", [1, 1, 2, 2, 3], strict=True)]),
        encoding="utf-8",
    )
    code, stdout, err = run_cli(["eval", clusters, gold, "--format", "json"], capsys)
    assert code == 0, err
    scores = json.loads(stdout)
    # Predicted P1={a,b,c} P2={d,e}; gold G1={a,b} G2={c,d} G3={e}.
    # Pairs: predicted ab ac bc de (4); gold ab cd (2); true: ab (1).
    #   precision 1/4 = 0.25, recall 1/2 = 0.5, f1 = 2*.25*.5/.75 = 0.3333.
    # B-cubed precision per item, |own predicted cluster ∩ own gold| / |predicted cluster|:
    #   a 2/3, b 2/3, c 1/3, d 1/2, e 1/2 -> 8/3 / 5 = 0.5333.
    # B-cubed recall per item, |own predicted ∩ own gold| / |gold group|:
    #   a 2/2, b 2/2, c 1/2, d 1/2, e 1/1 -> 4 / 5 = 0.8.
    #   bcubed f1 = 2 * (8/15) * 0.8 / (8/15 + 0.8) = 12.8 / 20 = 0.64.
    # ARI: sum C(n_ij, 2) = 1; rows C(3,2)+C(2,2) = 4; columns 1+1+0 = 2; C(5,2) = 10;
    #   expected 4*2/10 = 0.8; max (4+2)/2 = 3; ARI = (1-0.8)/(3-0.8) = 0.0909.
    # NMI (arithmetic mean): H(P) = 0.6730, H(G) = 1.0549,
    #   I = .4 ln(5/3) + .2 ln(5/6) + .2 ln(5/4) + .2 ln(5/2) = 0.3958;
    #   NMI = 0.3958 / ((0.6730 + 1.0549) / 2) = 0.4581.
    assert scores == {
        "items": 5,
        "gold_pairs": 2,
        "predicted_pairs": 4,
        "true_pairs": 1,
        "precision": 0.25,
        "recall": 0.5,
        "f1": 0.3333,
        "bcubed_precision": 0.5333,
        "bcubed_recall": 0.8,
        "bcubed_f1": 0.64,
        "ari": 0.0909,
        "nmi": 0.4581,
        "family_recall": {},
    }


def test_cli_eval_table(
    tmp_path: Path, news: Path, out: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run_cli(["find", news, "--out", out, "--quiet"], capsys)
    assert code == 0, err
    gold = tmp_path / "gold.jsonl"
    gold.write_text(
        jsonl_text([{"id": i, "group": g} for i, g in zip("abcde", "xxxyz", strict=True)]),
        encoding="utf-8",
    )
    code, stdout, err = run_cli(["eval", out / "clusters.jsonl", gold], capsys)
    assert code == 0, err
    assert "dedup eval" in stdout
    assert re.search(r"bcubed_f1\s.*1\.0000", stdout)


def test_cli_eval_missing_gold(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    clusters = tmp_path / "clusters.jsonl"
    clusters.write_text("", encoding="utf-8")
    gold = tmp_path / "gold.jsonl"
    code, _, err = run_cli(["eval", clusters, gold], capsys)
    assert code == 1
    assert err.splitlines() == [f"Error: input not found: {gold}"]


# --- help and entry points -----------------------------------------------------------------


@pytest.mark.parametrize("command", ["find", "eval"])
def test_cli_command_help(command: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, stdout, err = run_cli([command, "--help"], capsys)
    assert code == 0, err
    assert f"Usage: dedup {command}" in stdout
    assert "Example:" in stdout


def test_cli_top_level_help(capsys: pytest.CaptureFixture[str]) -> None:
    code, stdout, err = run_cli(["--help"], capsys)
    assert code == 0, err
    assert "Usage: dedup" in stdout
    assert "find" in stdout and "eval" in stdout


def test_cli_no_arguments_shows_readable_help(capsys: pytest.CaptureFixture[str]) -> None:
    # no_args_is_help: `dedup` alone should show the usage, not squash the whole help text into
    # one "Error: Usage: ... Options: ... Commands: ..." line (known bug, see report).
    code, stdout, err = run_cli([], capsys)
    assert code in (0, 2)
    lines = (stdout + err).splitlines()
    assert "Usage: dedup [OPTIONS] COMMAND [ARGS]..." in lines
    assert "Traceback" not in stdout + err


def test_cli_module_entry_point_help() -> None:
    completed = subprocess.run(
        [sys.executable, "-m", "dedup", "--help"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    assert "Usage: dedup" in completed.stdout
    assert "find" in completed.stdout and "eval" in completed.stdout


def test_cli_console_script_find_on_seeds(tmp_path: Path) -> None:
    script = shutil.which("dedup", path=str(Path(sys.executable).parent)) or shutil.which("dedup")
    assert script is not None, "the dedup console script is not installed"
    out = tmp_path / "out"
    completed = subprocess.run(
        [script, "find", str(REPO / "seeds"), "--out", str(out), "--quiet", "--format", "json"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    summary = json.loads(completed.stdout)
    assert summary["articles"] == 2
    assert output_files(out) == OUTPUT_FILES
    assert len(read_jsonl(out / "deduplicated.jsonl")) == 2


def test_cli_find_explain_lists_removed_template_blocks(
    out: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    seeds = Path(__file__).parent.parent / "seeds"
    code, stdout, err = run_cli(
        ["find", seeds, "--out", out, "--quiet", "--explain", "--format", "json"], capsys
    )
    assert code == 0, err
    assert json.loads(stdout)["templates"]["blocks"] == [
        {"text": "Need to access the insight?", "articles": 1},
        {"text": "Start your 7-day free trial now", "articles": 1},
    ]
    code, stdout, err = run_cli(["find", seeds, "--out", out, "--quiet", "--explain"], capsys)
    assert code == 0, err
    assert "template blocks removed (1 articles, 33 words)" in stdout


# --- dedup find: processes and streaming ---------------------------------------------------


@pytest.mark.parametrize("options", [[], ["--no-related", "--annotate"]], ids=["default", "lean"])
def test_cli_find_two_jobs_write_the_same_files_as_one(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], stories, site_template, options
) -> None:
    from conftest import mixed_records

    path = tmp_path / "feed.jsonl"
    path.write_text(jsonl_text(mixed_records(stories, site_template)), encoding="utf-8")
    written = {}
    for jobs in (1, 2):
        out = tmp_path / f"out-{jobs}"
        # Chunks of three articles: the two-job run hands seven chunks to worker processes.
        args = ["find", path, "--out", out, "--quiet", "--jobs", jobs, "--chunk-size", 3]
        code, _, err = run_cli([*args, *options], capsys)
        assert code == 0, err
        written[jobs] = {name: (out / name).read_bytes() for name in output_files(out)}
    assert sorted(written[1]) == OUTPUT_FILES
    assert written[2] == written[1]
    clusters = read_jsonl(tmp_path / "out-1" / "clusters.jsonl")
    assert {c["kind"] for c in clusters} == ({"duplicate"} if options else {"duplicate", "related"})


def test_cli_find_duplicate_id_in_a_later_chunk(
    tmp_path: Path, out: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "ids.jsonl"
    records = news_records()
    records[3]["id"] = "a"
    path.write_text(jsonl_text(records), encoding="utf-8")
    code, _, err = run_cli(["find", path, "--out", out, "--quiet", "--chunk-size", 1], capsys)
    assert code == 1
    assert err == f"Error: {path}:4: duplicate id 'a', already used at {path}:1\n"
    code, stdout, err = run_cli(
        ["find", path, "--out", out, "--on-error", "skip", "--format", "json", "--chunk-size", 2],
        capsys,
    )
    assert code == 0, err
    assert json.loads(stdout)["skipped"] == 1
    assert [r["id"] for r in read_jsonl(out / "deduplicated.jsonl")] == ["b", "e"]


def test_cli_find_jobs_must_be_positive(
    news: Path, out: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run_cli(["find", news, "--out", out, "--jobs", 0], capsys)
    assert code == 1
    assert err == "Error: jobs must be at least 1 (or unset for all cores); got 0\n"


def test_cli_find_skips_the_related_search_above_the_size_limit(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], stories, site_template
) -> None:
    from conftest import mixed_records

    records = mixed_records(stories, site_template)
    path = tmp_path / "feed.jsonl"
    path.write_text(jsonl_text(records), encoding="utf-8")
    found = {}
    for limit in (len(records), len(records) - 1):
        out = tmp_path / f"out-{limit}"
        args = ["find", path, "--out", out, "--quiet", "--format", "json"]
        code, stdout, err = run_cli([*args, "--related-max-articles", limit], capsys)
        assert code == 0, err
        found[limit] = (json.loads(stdout), err, read_jsonl(out / "clusters.jsonl"))
    summary, err, clusters = found[len(records)]
    assert err == ""
    assert summary["related_searched"] is True
    assert {c["kind"] for c in clusters} == {"duplicate", "related"}
    summary, err, clusters = found[len(records) - 1]
    assert err == (
        f"Note: related-story search skipped: {len(records)} articles is more than "
        f"--related-max-articles {len(records) - 1} (its time grows with the square of the "
        "run); pass --related-max-articles 0 to search anyway.\n"
    )
    assert summary["related_searched"] is False
    assert summary["related_clusters"] == 0
    # The copies are found all the same.
    assert clusters == [c for c in found[len(records)][2] if c["kind"] == "duplicate"]
