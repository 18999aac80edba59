"""Command-line commands for citizen reception days: the month's schedule and the iCalendar
export of announced reception days and dialogues."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import click

from ._cli_settings import config_option, day, db_option, open_flow
from ._errors import DialogueFlowError

__all__ = ["ics_command", "lookup_command", "receptions_command"]


@click.command("receptions")
@db_option
@config_option
@click.option("--org", "organisation", required=True, help="The organisation.")
@click.option("--month", required=True, help="The month, e.g. 2026-01.")
@click.option("--subtree", is_flag=True, help="A line per organisation under it too.")
@click.pass_context
def receptions_command(ctx: click.Context, url: str | None, config: Path | None,
                       organisation: str, month: str, subtree: bool) -> None:
    """List an organisation's citizen reception days of a month against its minimum."""
    from ._reception import month_bounds  # noqa: PLC0415

    try:
        start, end = month_bounds(month, "--month")
        with open_flow(ctx, url, config) as flow:
            page = flow.reception_days(organisation=organisation, subtree=subtree,
                                       scheduled_from=start, scheduled_to=end, limit=1000)
            scope = sorted({organisation, *(r.organisation_id for r in page)})
            months = [flow.reception_month(org_id, month) for org_id in scope]
    except DialogueFlowError as exc:
        raise click.ClickException(str(exc)) from exc
    for r in sorted(page, key=lambda r: (r.organisation_id, r.scheduled_for, r.id)):
        extra = f", {r.citizens} citizens" if r.citizens is not None else ""
        replaced = f", replaced by {r.replaced_by}" if r.replaced_by else ""
        click.echo(f"{r.organisation_id} {r.scheduled_for.isoformat()} {r.id} "
                   f"{r.state}{extra}{replaced}")
    for m in months:
        verdict = " SHORT" if m.short else ""
        click.echo(f"{m.organisation_id} {m.month}: held {m.held}, to come {m.planned}, "
                   f"cancelled {m.cancelled}, minimum {m.minimum}{verdict}")


@click.command("ics")
@db_option
@config_option
@click.option("--org", "organisation", required=True, help="The organisation.")
@click.option("--from", "start", callback=day, required=True, help="First day, 2026-01-01.")
@click.option("--to", "end", callback=day, required=True, help="Last day, 2026-12-31.")
@click.option("--subtree", is_flag=True, help="With the organisations under it.")
@click.option("--lang", "language", type=click.Choice(["vi", "en"]), default=None,
              help="Language of the event titles (default: the settings', else vi).")
@click.option("--output", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write to this file instead of standard output.")
@click.pass_context
def ics_command(ctx: click.Context, url: str | None, config: Path | None, organisation: str,
                start: dt.date, end: dt.date, subtree: bool, language: str | None,
                output: Path | None) -> None:
    """Export announced citizen reception days and dialogues as iCalendar (.ics).

    Needs the ics extra: pip install 'dialogue-flow[ics]'.
    """
    try:
        with open_flow(ctx, url, config, language=language) as flow:
            data = flow.calendar_ics(organisation, start=start, end=end, subtree=subtree)
    except DialogueFlowError as exc:
        raise click.ClickException(str(exc)) from exc
    if output is None:
        click.echo(data.decode("utf-8"), nl=False)
    else:
        output.write_bytes(data)


@click.command("lookup")
@db_option
@config_option
@click.argument("code")
@click.option("--lang", "language", type=click.Choice(["vi", "en"]), default=None,
              help="Language of the state's name (default: the settings', else vi).")
@click.pass_context
def lookup_command(ctx: click.Context, url: str | None, config: Path | None, code: str,
                   language: str | None) -> None:
    """What a citizen may see of a matter by its tracking code (no personal data): what the
    office reads out on the phone."""
    from ._labels import label  # noqa: PLC0415

    try:
        with open_flow(ctx, url, config, language=language) as flow:
            status = flow.lookup(code)
            words = flow.language
    except DialogueFlowError as exc:
        raise click.ClickException(str(exc)) from exc
    lines = [(("Mã tra cứu", "Tracking code"), status.tracking_code),
             (("Trạng thái", "State"), label("state", status.state.value, words)),
             (("Ngày tiếp nhận", "Received"), status.received_on.isoformat()),
             (("Hạn giải quyết", "Due"), status.due_on.isoformat() if status.due_on else "—"),
             (("Đơn vị giải quyết", "Responsible"), status.responsible or "—"),
             (("Cơ quan", "Organisation"), status.organisation or "—")]
    if status.answer is not None:
        lines.append((("Trả lời", "Answer"), status.answer))
    for (vi, en), value in lines:
        click.echo(f"{vi if words == 'vi' else en}: {value}")
