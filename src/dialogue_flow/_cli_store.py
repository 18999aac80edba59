"""Command-line commands that look after a whole store (issue 17): ``prune``."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import click

from ._cli_settings import config_option, db_option, open_flow
from ._errors import DialogueFlowError

__all__ = ["prune_command"]


def _day(_ctx: click.Context, _param: click.Parameter, value: str | None) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date like 2026-01-05") from None


@click.command("prune")
@db_option
@config_option
@click.option("--outbox-days", "days", type=int, default=None, metavar="N",
              help="Delete settled notifications written more than N days ago (default: the "
              "settings' [housekeeping] outbox_days).")
@click.option("--today", callback=_day, default=None,
              help="Count the days back from this day (default: today).")
@click.pass_context
def prune_command(ctx: click.Context, url: str | None, config: Path | None, days: int | None,
                  today: dt.date | None) -> None:
    """Delete settled outbox rows (delivered, logged, no recipient) past the retention.

    Pending and parked rows are kept however old; the keys of the rows deleted are kept,
    so the sweep never queues the same notice again. The daily sweep does the same when
    the settings set [housekeeping] outbox_days.
    """
    try:
        with open_flow(ctx, url, config) as flow:
            pruned = flow.prune_outbox(days=days, today=today)
    except DialogueFlowError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"outbox: {pruned} settled notification{'' if pruned == 1 else 's'} pruned")
