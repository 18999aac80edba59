"""``dialogue-flow document`` and ``dialogue-flow chart`` (issue 18): office documents and
report charts as files.

The file's suffix picks the plugin that writes it (``.docx``: ``dialogue-flow-docx``;
``.png``/``.svg``: its ``charts`` extra), found through the ``dialogue_flow.formats``
entry-point group; ``.json`` is the document's or the chart's mapping, written by the
library itself. Everything heavy is imported inside the commands.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from ._cli_personal import cli_actor
from ._cli_settings import config_option, day, db_option, open_flow, settings_for
from ._document_settings import DOCUMENT_KINDS

if TYPE_CHECKING:
    from ._flow import DialogueFlow

__all__ = ["chart_command", "document_command"]

_SUBJECT = {"announcement": "--dialogue", "conclusion_notice": "--dialogue",
            "answer": "--submission", "report": "--period"}


def _suffix(output: Path) -> str:
    fmt = output.suffix.lower().removeprefix(".")
    if not fmt:
        raise click.UsageError(f"--output {output}: name the file with its format's suffix "
                               "(.docx, .json; charts .png, .svg, .json)")
    return fmt


def _write(output: Path, data: bytes) -> None:
    output.write_bytes(data)
    click.echo(f"{output} ({len(data):,} bytes)")


@click.command("document")
@click.argument("kind", type=click.Choice(DOCUMENT_KINDS))
@db_option
@config_option
@click.option("--output", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="The file to write: FILE.docx (dialogue-flow-docx), or FILE.json.")
@click.option("--dialogue", "dialogue_id", default=None, metavar="ID",
              help="The dialogue (announcement, conclusion_notice).")
@click.option("--submission", "submission_id", default=None, metavar="ID",
              help="The answered submission (answer).")
@click.option("--period", default=None, help="The report's period: 2021-H1, 2021, 2021-Q3...")
@click.option("--org", "organisation", default=None,
              help="report: of this organisation (default: the whole store).")
@click.option("--subtree", is_flag=True, help="report, with --org: its communes too.")
@click.option("--rollup", is_flag=True,
              help="report, with --org: a row per organisation under it (215-KL/TW).")
@click.option("--as-of", "as_of", callback=day, default=None,
              help="report: count as of this day (default: today).")
@click.option("--on", "on", callback=day, default=None,
              help="announcement, answer: the day it is issued (default: the day it was "
              "announced or answered).")
@click.option("--actor", "actor_id", default="office", show_default=True, metavar="ID",
              help="Who issues it (recorded with its number); answer: who reads the "
              "petitioner's name for the address (recorded in the access log).")
@click.option("--role", type=click.Choice(["office", "chair", "standing_committee"]),
              default="office", show_default=True, help="The actor's role.")
@click.option("--draft", is_flag=True,
              help="A draft: no number taken, nothing recorded.")
@click.option("--reissue", is_flag=True,
              help="Issue it again under a new number (default: a reprint keeps its number).")
@click.option("--templates", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="A folder of templates (KIND.docx) replacing the plugin's own "
              "(default: the settings' [documents] templates).")
@click.option("--lang", "language", type=click.Choice(["vi", "en"]), default=None,
              help="The language of the library's words (default: the flow's, vi).")
@click.pass_context
def document_command(ctx: click.Context, kind: str, url: str | None, config: Path | None,
                     output: Path, dialogue_id: str | None, submission_id: str | None,
                     period: str | None, organisation: str | None, subtree: bool,
                     rollup: bool, as_of: dt.date | None, on: dt.date | None, actor_id: str,
                     role: str, draft: bool, reissue: bool, templates: Path | None,
                     language: str | None) -> None:
    """Issue an office document in the party's format: an announcement, a conclusion
    notice, a written answer or a periodic report.

    It takes the next number of its type for its organisation and year, recorded with its
    record; running it again reprints it with the same number (--reissue: a new one).
    """
    import json  # noqa: PLC0415 - the command's own needs, not --help's

    given = {"--dialogue": dialogue_id, "--submission": submission_id, "--period": period}
    wanted = _SUBJECT[kind]
    if given[wanted] is None:
        raise click.UsageError(f"{kind} needs {wanted}")
    extra = [name for name, value in given.items() if value is not None and name != wanted]
    if extra:
        raise click.UsageError(f"{kind} takes {wanted}, not {', '.join(extra)}")
    if (organisation or subtree or rollup or as_of) and kind != "report":
        raise click.UsageError("--org, --subtree, --rollup and --as-of are for a report")
    if on is not None and kind not in ("announcement", "answer"):
        raise click.UsageError(f"--on is for an announcement or an answer; {kind} is "
                               + ("dated by the notice" if kind == "conclusion_notice"
                                  else "dated --as-of"))
    fmt = _suffix(output)
    settings = settings_for(ctx, config)
    documents = None if settings is None else settings.documents
    folder = templates or (None if documents is None else documents.templates)
    with open_flow(ctx, url, config) as flow:
        options: dict[str, Any] = {"language": language, "settings": documents,
                                   "draft": draft, "reissue": reissue}
        if kind == "report":
            options.update(organisation=organisation, subtree=subtree, rollup=rollup,
                           as_of=as_of)
        elif kind != "conclusion_notice":
            options["on"] = on
        subject = given[wanted]
        actor = cli_actor(actor_id, _organisation_of(flow, kind, subject, organisation), role)
        document = flow.document(kind, subject, actor=actor, **options)
        if fmt == "json":
            data = (json.dumps(document, ensure_ascii=False, indent=2) + "\n").encode()
        else:
            data = flow.render_document(document, fmt,
                                        templates=None if folder is None else str(folder))
    _write(output, data)
    if not draft:
        click.echo(f"{document['number']['text']}, {document['issued_on']}")


@click.command("chart")
@db_option
@config_option
@click.option("--period", required=True, help="The report's period: 2021-H1, 2021, ...")
@click.option("--chart", "kind", type=click.Choice(["by_month_state", "on_time_rate"]),
              default="by_month_state", show_default=True,
              help="Matters by month and state, or the on-time rate by department (by "
              "organisation with --rollup).")
@click.option("--output", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="The file to write: FILE.png or FILE.svg (dialogue-flow-docx[charts]), "
              "or FILE.json.")
@click.option("--org", "organisation", default=None,
              help="Of this organisation (default: the whole store).")
@click.option("--subtree", is_flag=True, help="With --org: its communes too.")
@click.option("--rollup", is_flag=True,
              help="With --org: the on-time rate per organisation under it.")
@click.option("--lang", "language", type=click.Choice(["vi", "en"]), default=None,
              help="The language of the chart's words (default: the flow's, vi).")
@click.pass_context
def chart_command(ctx: click.Context, url: str | None, config: Path | None, period: str,
                  kind: str, output: Path, organisation: str | None, subtree: bool,
                  rollup: bool, language: str | None) -> None:
    """Draw a chart of a period's report as an image."""
    import json  # noqa: PLC0415 - the command's own needs, not --help's

    if rollup and organisation is None:
        raise click.UsageError("--rollup needs --org (the province whose communes it shows)")
    fmt = _suffix(output)
    with open_flow(ctx, url, config, language=language) as flow:  # the settings' plugins
        chart = _chart(flow, period, kind, organisation, subtree=subtree, rollup=rollup)
        if fmt == "json":
            data = (json.dumps(chart, ensure_ascii=False, indent=2) + "\n").encode()
        else:
            data = flow.render_chart(chart, fmt)
    _write(output, data)


def _chart(flow: DialogueFlow, period: str, kind: str, organisation: str | None, *,
           subtree: bool, rollup: bool) -> dict[str, Any]:
    from ._report import Period  # noqa: PLC0415

    chosen = Period.parse(period)
    rolled = (flow.rollup(chosen, organisation=organisation)
              if rollup and organisation is not None and kind == "on_time_rate" else None)
    return flow.charts(chosen, organisation=organisation, subtree=subtree or rollup,
                       rollup=rolled)[kind]


def _organisation_of(flow: DialogueFlow, kind: str, subject: str | None,
                     organisation: str | None) -> str | None:
    """The organisation the document's record belongs to: the actor acts in it."""
    if subject is None or kind == "report":
        return organisation
    if kind == "answer":
        return flow.submission(subject).organisation_id
    return flow.dialogue(subject).organisation_id
