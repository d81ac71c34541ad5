"""The ``dedup`` command line: a thin layer that parses options, calls the library and renders.

Errors a user can cause (:class:`~dedup.errors.DedupError`, bad options) print one ``Error: ...``
line on stderr and exit non-zero; anything else is a bug and keeps its traceback.
"""

from __future__ import annotations

import json
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

# Typer >= 0.26 vendors Click; its exception base is not re-exported, so it is imported from
# there to turn usage errors into our one-line format.
from typer._click.exceptions import ClickException, NoArgsIsHelpError

from .config import (
    BoilerplateConfig,
    DedupConfig,
    LSHConfig,
    ShingleConfig,
    VerifyConfig,
)
from .errors import DedupError
from .evaluation import Scores, evaluate_files
from .executor import prepare_process
from .ingest import FieldMap
from .pipeline import find_duplicates_in_files
from .report import (
    explain_templates,
    render_explanation,
    render_summary,
    summarize,
    write_outputs,
)

app = typer.Typer(
    name="dedup",
    help="Find duplicate and near-duplicate news articles.\n\n"
    "Example: dedup find seeds/ --out dedup-out",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)
stderr = Console(stderr=True)


class OutputFormat(StrEnum):
    table = "table"
    json = "json"


class Keep(StrEnum):
    earliest = "earliest"
    longest = "longest"
    first = "first"


class OnError(StrEnum):
    stop = "stop"
    skip = "skip"


class ShingleKind(StrEnum):
    word = "word"
    char = "char"


class ClusterKind(StrEnum):
    duplicate = "duplicate"
    related = "related"


FormatOption = Annotated[
    OutputFormat, typer.Option("--format", help="Summary as rich tables or as JSON on stdout.")
]


class _RichProgress:
    """Adapts the library's progress protocol to a rich progress bar on stderr."""

    def __init__(self, progress: Progress) -> None:
        self._progress = progress
        self._task: int | None = None

    def start(self, stage: str, total: int | None) -> None:
        if self._task is not None:
            self._progress.remove_task(self._task)  # type: ignore[arg-type]
        self._task = self._progress.add_task(stage, total=total)  # type: ignore[assignment]

    def advance(self, steps: int = 1) -> None:
        if self._task is not None:
            self._progress.advance(self._task, steps)  # type: ignore[arg-type]


def _progress_bar(quiet: bool) -> Progress:
    return Progress(
        TextColumn("{task.description:<22}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=stderr,
        transient=True,
        # Off when stderr is no terminal: a log gets no use of a bar but an empty line.
        disable=quiet or not stderr.is_terminal,
    )


@app.command("find")
def find_command(
    inputs: Annotated[
        list[str],
        typer.Argument(
            help="Files of articles (.jsonl, .jsonl.gz, .csv), directories of .txt or .html "
            "files, or - for JSON Lines on stdin.",
            show_default=False,
        ),
    ],
    out: Annotated[
        Path, typer.Option("--out", "-o", help="Directory for the output files.")
    ] = Path("dedup-out"),
    keep: Annotated[
        Keep, typer.Option(help="Which copy represents a duplicate cluster.")
    ] = Keep.earliest,
    annotate: Annotated[
        bool, typer.Option(help="Keep every record in deduplicated.jsonl and mark duplicates.")
    ] = False,
    on_error: Annotated[
        OnError, typer.Option(help="stop at the first bad record, or skip bad records.")
    ] = OnError.stop,
    id_field: Annotated[str, typer.Option(help="Input field holding the id.")] = "id",
    title_field: Annotated[str, typer.Option(help="Input field holding the title.")] = "title",
    text_field: Annotated[str, typer.Option(help="Input field holding the body.")] = "text",
    shingle: Annotated[
        ShingleKind, typer.Option(help="word n-grams, or char n-grams for noisy (OCR) text.")
    ] = ShingleKind.word,
    shingle_size: Annotated[
        int | None, typer.Option(help="n of the n-grams [default: 3 words, 5 characters].")
    ] = None,
    threshold: Annotated[
        float, typer.Option(help="Jaccard similarity at which LSH proposes a candidate pair.")
    ] = LSHConfig.threshold,
    num_perm: Annotated[int, typer.Option(help="MinHash permutations.")] = LSHConfig.num_perm,
    seed: Annotated[int, typer.Option(help="Seed of the MinHash permutations.")] = LSHConfig.seed,
    near_threshold: Annotated[
        float, typer.Option(help="Exact Jaccard for a near-duplicate.")
    ] = VerifyConfig.near_threshold,
    containment_threshold: Annotated[
        float, typer.Option(help="Share of the shorter article inside the longer, for contained.")
    ] = VerifyConfig.containment_threshold,
    related_threshold: Annotated[
        float, typer.Option(help="TF-IDF cosine of two bodies for a related pair in pairs.jsonl.")
    ] = VerifyConfig.related_threshold,
    story_threshold: Annotated[
        float,
        typer.Option(help="Centroid TF-IDF cosine at which related-story groups stop merging."),
    ] = VerifyConfig.story_threshold,
    related: Annotated[
        bool,
        typer.Option(
            help="Look for related stories. This holds the run's sparse TF-IDF matrix in "
            "memory; with --no-related a run holds per article only its MinHash signature "
            "and a few figures.",
        ),
    ] = True,
    related_max_articles: Annotated[
        int,
        typer.Option(
            help="Skip the related-story search for runs of more articles (its time grows with "
            "the square of the run); 0: no limit."
        ),
    ] = VerifyConfig.related_max_articles,
    templates: Annotated[
        bool, typer.Option(help="Remove site templates (lines recurring across articles).")
    ] = True,
    explain: Annotated[
        bool, typer.Option(help="Also show what template removal took out of the articles.")
    ] = False,
    jobs: Annotated[
        int | None,
        typer.Option(
            help="Worker processes [default: every available core]; the output is the same "
            "for any number.",
            show_default=False,
        ),
    ] = None,
    chunk_size: Annotated[
        int, typer.Option(help="Articles per chunk handed to a worker.")
    ] = DedupConfig.chunk_size,
    output_format: FormatOption = OutputFormat.table,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")] = False,
) -> None:
    """Find copies and related stories; write clusters, scored pairs and a deduplicated feed.

    The inputs are streamed in chunks and read twice, once to find the copies and once to
    write the feed (stdin is spooled to a temporary file); the normalized texts wait in a
    temporary file about the size of the input, so memory holds signatures, not texts.

    Example: dedup find articles.jsonl --out dedup-out
    """
    size = shingle_size or (ShingleConfig.shingle_size if shingle == ShingleKind.word else 5)
    config = DedupConfig(
        shingle=ShingleConfig(kind=shingle.value, shingle_size=size),
        boilerplate=BoilerplateConfig(enabled=templates),
        lsh=LSHConfig(threshold=threshold, num_perm=num_perm, seed=seed),
        verify=VerifyConfig(
            near_threshold=near_threshold,
            containment_threshold=containment_threshold,
            related_threshold=related_threshold,
            story_threshold=story_threshold,
            related=related,
            related_max_articles=related_max_articles,
        ),
        keep=keep.value,
        jobs=jobs,
        chunk_size=chunk_size,
    )
    fields = FieldMap(id=id_field, title=title_field, text=text_field)
    with _progress_bar(quiet) as bar:
        result = find_duplicates_in_files(
            inputs,
            config,
            fields=fields,
            on_error=on_error.value,
            explain=explain,
            progress=_RichProgress(bar),
        )
    with result:
        if result.skipped:
            stderr.print(
                f"Warning: skipped {len(result.skipped)} bad record(s); first: {result.skipped[0]}",
                markup=False,
                highlight=False,
                soft_wrap=True,
            )
        if result.related_skipped:
            stderr.print(
                f"Note: related-story search skipped: {len(result):,} articles is more than "
                f"--related-max-articles {config.verify.related_max_articles:,} (its time grows "
                "with the square of the run); pass --related-max-articles 0 to search anyway.",
                markup=False,
                highlight=False,
                soft_wrap=True,
            )
        write_outputs(result, out, annotate=annotate)
    summary = summarize(result)
    summary["out"] = str(out)
    summary["skipped"] = len(result.skipped)
    if explain:
        summary["templates"] = explain_templates(result)
    if output_format == OutputFormat.json:
        typer.echo(json.dumps(summary, ensure_ascii=False))
        return
    console = Console()
    render_summary(summary, console)
    if explain:
        render_explanation(summary["templates"], console)


@app.command("eval")
def eval_command(
    clusters: Annotated[Path, typer.Argument(help="A clusters.jsonl written by dedup find.")],
    gold: Annotated[Path, typer.Argument(help='Gold labels: {"id", "group"} per line.')],
    kind: Annotated[
        ClusterKind, typer.Option(help="Which clusters to score.")
    ] = ClusterKind.duplicate,
    output_format: FormatOption = OutputFormat.table,
) -> None:
    """Score clusters against gold labels: pairwise and B-cubed precision/recall/F1, ARI, NMI.

    Example: dedup eval dedup-out/clusters.jsonl gold.jsonl
    """
    scores = evaluate_files(clusters, gold, kind.value)
    if output_format == OutputFormat.json:
        typer.echo(json.dumps(scores.as_dict()))
    else:
        _render_scores(scores, Console())


def _render_scores(scores: Scores, console: Console) -> None:
    from rich.table import Table

    table = Table(title="dedup eval", show_header=False)
    table.add_column("measure")
    table.add_column("value", justify="right")
    for name, value in scores.as_dict().items():
        if name == "family_recall":
            for family, recall in value.items():
                table.add_row(f"recall: {family}", f"{recall:.4f}")
        else:
            table.add_row(name, f"{value:.4f}" if isinstance(value, float) else str(value))
    console.print(table)


def main(argv: list[str] | None = None) -> None:
    """Entry point of the ``dedup`` script: run the app, turning user errors into one line."""
    prepare_process()
    try:
        code = app(args=argv, prog_name="dedup", standalone_mode=False)
    except DedupError as error:
        _fail(str(error), 1)
    except NoArgsIsHelpError as error:  # plain `dedup`: the help, as it is
        print(error.format_message())
        sys.exit(2)
    except ClickException as error:
        # Typer validates choices through pydantic, which prefixes its messages with this.
        _fail(error.format_message().replace("Value error, ", ""), error.exit_code)
    except typer.Abort:
        _fail("aborted", 130)
    sys.exit(code if isinstance(code, int) else 0)


def _fail(message: str, code: int) -> None:
    print(f"Error: {' '.join(message.split())}", file=sys.stderr)
    sys.exit(code)
