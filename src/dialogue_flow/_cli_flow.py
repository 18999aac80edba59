"""Command-line commands that run the workflow: demo, diagram, sweep and report."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import click

from ._cli_personal import cli_actor
from ._cli_settings import config_option, day, db_option, open_flow
from ._errors import DialogueFlowError

__all__ = [
    "demo_command",
    "diagram_command",
    "outbox_command",
    "report_command",
    "sweep_command",
]


@click.command("demo")
@click.option("--db", "db", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="SQLite file to write (default: a fresh dialogue-flow-demo.db here, or "
              "dialogue-flow-province-demo.db with --province).")
@click.option("--lang", "language", type=click.Choice(["vi", "en"]), default="vi",
              show_default=True, help="Language of the timeline.")
@click.option("--province", is_flag=True,
              help="A province and its three communes in 2026 instead (the two tiers since "
              "July 2025): dialogues, escalations to the province, a roll-up.")
def demo_command(db: Path | None, language: str, province: bool) -> None:
    """Play the seed's 2021 plan of two dialogues on the embedded SQLite storage."""
    from ._demo import run_demo  # noqa: PLC0415 - keeps `dialogue-flow --help` fast
    from ._province_demo import run_province_demo  # noqa: PLC0415

    default = "dialogue-flow-province-demo.db" if province else "dialogue-flow-demo.db"
    path = db if db is not None else Path(default)
    for suffix in ("", "-wal", "-shm"):  # a rerun starts from a fresh file
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    try:
        if province:
            run_province_demo(f"sqlite:///{path}", echo=click.echo)
        else:
            run_demo(f"sqlite:///{path}", language=language, echo=click.echo)
    except DialogueFlowError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"\n{'Dữ liệu' if language == 'vi' else 'Data'}: {path}")


@click.command("diagram")
@click.option("--lifecycle", type=click.Choice(["submission", "dialogue", "reception_day",
                                               "both", "all"]),
              default="all", show_default=True,
              help="One lifecycle; both: submission and dialogue; all: the three.")
def diagram_command(lifecycle: str) -> None:
    """Print the lifecycles as Mermaid state diagrams (generated from their declaration)."""
    from ._lifecycle import DIALOGUE, RECEPTION, SUBMISSION  # noqa: PLC0415 - --help starts fast

    wanted = {"all": ("submission", "dialogue", "reception_day"),
              "both": ("submission", "dialogue")}.get(lifecycle, (lifecycle,))
    chosen = [lc for lc in (SUBMISSION, DIALOGUE, RECEPTION) if lc.kind in wanted]
    click.echo("\n".join(lc.mermaid() for lc in chosen), nl=False)



@click.command("sweep")
@db_option
@config_option
@click.option("--today", callback=day, default=None,
              help="The day to sweep for (default: today in Asia/Ho_Chi_Minh).")
@click.option("--lang", "language", type=click.Choice(["vi", "en"]), default=None,
              help="Language of the notices written (default: the settings', else vi).")
@click.option("--org", "organisation", default=None,
              help="Sweep this organisation only (default: the whole store).")
@click.option("--subtree", is_flag=True, help="With --org: its communes too.")
@click.pass_context
def sweep_command(ctx: click.Context, url: str | None, config: Path | None,
                  today: dt.date | None, language: str | None, organisation: str | None,
                  subtree: bool) -> None:
    """Write the day's reminders and overdue notices to the outbox (idempotent)."""
    try:
        with open_flow(ctx, url, config, language=language) as flow:
            result = flow.sweep(today, organisation=organisation, subtree=subtree)
    except DialogueFlowError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"{result.today.isoformat()}: due soon {result.due_soon}, overdue matters "
               f"{result.overdue_matters}, dialogues {result.dialogues}, reports "
               f"{result.reports}, reception days {result.receptions}; new notices "
               f"{result.written} (overdue notices {result.overdue_notices})")
    if result.pruned:
        click.echo(f"outbox: {result.pruned} settled notifications past the retention pruned")
    if result.erased:
        click.echo(f"personal data: {result.erased} closed matters past their retention "
                   "erased")


@click.command("report")
@db_option
@config_option
@click.option("--period", required=True,
              help="2021, 2021-06, 2021-Q1, 2021-H1, 2021-H2 or 2021-9M.")
@click.option("--format", "fmt", default="md", show_default=True,
              help="md, csv, json, or a format a plugin renders.")
@click.option("--as-of", "as_of", callback=day, default=None,
              help="Count states as of this day (default: today).")
@click.option("--personal-data", is_flag=True,
              help="Include petitioners' names (left out by default); needs --actor.")
@click.option("--actor", "actor_id", default=None, metavar="ID",
              help="With --personal-data: who reads the names (an actor id, recorded in the "
              "access log).")
@click.option("--output", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write to this file instead of standard output.")
@click.option("--org", "organisation", default=None,
              help="Report on this organisation only (default: the whole store).")
@click.option("--subtree", is_flag=True, help="With --org: count its communes too.")
@click.option("--rollup", is_flag=True,
              help="With --org: a row per organisation under it and the total (215-KL/TW).")
@click.option("--lang", "language", type=click.Choice(["vi", "en"]), default=None,
              help="Language of the report's words (default: the flow's language, vi). "
              "JSON keys and the CSV's key columns stay the same in both.")
@click.pass_context
def report_command(ctx: click.Context, url: str | None, config: Path | None, period: str,
                   fmt: str, as_of: dt.date | None,
                   personal_data: bool, actor_id: str | None, output: Path | None,
                   organisation: str | None, subtree: bool, rollup: bool,
                   language: str | None) -> None:
    """Render the report of a period."""
    if rollup and organisation is None:
        raise click.UsageError("--rollup needs --org (the province whose communes it lists)")
    if personal_data and actor_id is None:
        raise click.UsageError("--personal-data needs --actor ID: who reads the names "
                               "(recorded in the access log)")
    try:
        with open_flow(ctx, url, config) as flow:
            if rollup and organisation is not None:  # checked above
                text = flow.render_rollup(flow.rollup(period, organisation=organisation,
                                                      as_of=as_of), fmt, language=language)
            else:
                reader = None if actor_id is None else cli_actor(actor_id, organisation)
                report = flow.report(period, as_of=as_of,
                                     include_personal_data=personal_data,
                                     organisation=organisation, subtree=subtree,
                                     actor=reader)
                text = flow.render_report(report, fmt, language=language)
    except DialogueFlowError as exc:
        raise click.ClickException(str(exc)) from exc
    if output is None:
        click.echo(text, nl=False)
    else:
        output.write_text(text, encoding="utf-8")


@click.command("outbox")
@db_option
@config_option
@click.option("--requeue", "keys", multiple=True, metavar="KEY",
              help="Make this parked notification pending again (repeatable).")
@click.option("--limit", default=50, show_default=True,
              help="Parked rows, and rows with no recipient, to list.")
@click.option("--org", "organisation", default=None,
              help="This organisation's notifications only (default: the whole store).")
@click.option("--subtree", is_flag=True, help="With --org: its communes' too.")
@click.pass_context
def outbox_command(ctx: click.Context, url: str | None, config: Path | None,
                   keys: tuple[str, ...], limit: int, organisation: str | None,
                   subtree: bool) -> None:
    """Show the outbox: rows per status (delivered: a channel reached someone; logged: no
    channel reached the recipients; no_recipient: nobody named), the parked ones with
    their last error, and the latest with no recipient."""
    try:
        with open_flow(ctx, url, config) as flow:
            for key in keys:
                done = flow.storage.requeue(key)
                click.echo(f"{key}: {'requeued' if done else 'not parked, left alone'}")
            stats = flow.outbox_stats(organisation=organisation, subtree=subtree)
            parked = flow.parked_notifications(limit, organisation=organisation,
                                               subtree=subtree)
            unaddressed = flow.outbox_entries("no_recipient", limit,
                                              organisation=organisation, subtree=subtree)
    except DialogueFlowError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(", ".join(f"{status} {count}" for status, count in stats.items()))
    for entry in parked:
        click.echo(f"parked {entry.key} ({entry.notification.event}, {entry.attempts} "
                   f"attempts): {entry.last_error}")
    for entry in unaddressed:
        click.echo(f"no recipient {entry.key} ({entry.notification.event}, for "
                   f"{entry.notification.audience})")
