"""``dialogue-flow status``: whether the sweep and the dispatchers run, for monitoring
(issue 17, part 6; see :mod:`dialogue_flow._status` for the exit codes)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import TYPE_CHECKING

import click

from ._cli_settings import config_option, db_option, open_flow, settings_for
from ._clock import VIETNAM_TZ

if TYPE_CHECKING:
    from ._status import StoreStatus

__all__ = ["status_command"]


@click.command("status")
@db_option
@config_option
@click.option("--org", "organisation", default=None,
              help="This organisation only (default: every one in the store).")
@click.option("--subtree", is_flag=True, help="With --org: its communes too.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True, help="json: for a monitoring system.")
@click.option("--max-sweep-age", "sweep_hours", type=click.FloatRange(min=0, min_open=True),
              default=None, metavar="HOURS",
              help="The sweep is late after this many hours (default: the settings' "
              "[status], else 26).")
@click.option("--max-pending-age", "pending_minutes",
              type=click.FloatRange(min=0, min_open=True), default=None, metavar="MINUTES",
              help="The outbox is stuck when a row has waited longer (default: the "
              "settings', else 60).")
@click.option("--max-parked", "max_parked", type=click.IntRange(min=0), default=None,
              metavar="N", help="The outbox is stuck with more parked rows (default: the "
              "settings', else 0).")
@click.pass_context
def status_command(ctx: click.Context, url: str | None, config: Path | None,
                   organisation: str | None, subtree: bool, fmt: str,
                   sweep_hours: float | None, pending_minutes: float | None,
                   max_parked: int | None) -> None:
    """Per organisation: the last sweep and dispatch, the outbox backlog, parked rows and
    overdue matters. Exit status 0 when all is well, 3 when the sweep is late (or never
    ran), 4 when the outbox is stuck, 5 when both (1: an error; 2: a usage mistake)."""
    from ._status import StatusThresholds  # noqa: PLC0415 - keeps `--help` fast

    settings = settings_for(ctx, config)
    base = settings.status if settings is not None and settings.status is not None else (
        StatusThresholds())
    thresholds = StatusThresholds(
        max_sweep_age=base.max_sweep_age if sweep_hours is None else dt.timedelta(
            hours=sweep_hours),
        max_pending_age=base.max_pending_age if pending_minutes is None else dt.timedelta(
            minutes=pending_minutes),
        max_parked=base.max_parked if max_parked is None else max_parked)
    with open_flow(ctx, url, config) as flow:
        status = flow.status(organisation=organisation, subtree=subtree,
                             thresholds=thresholds)
    if fmt == "json":
        click.echo(json.dumps(status.to_dict(), ensure_ascii=False, indent=2))
    else:
        _print(status)
    ctx.exit(status.exit_code)


def _print(status: StoreStatus) -> None:
    now = status.checked_at
    verdict = {0: "ok", 3: "the sweep is late", 4: "the outbox is stuck",
               5: "the sweep is late and the outbox is stuck"}[status.exit_code]
    click.echo(f"status at {_when(now)}: {verdict} (exit {status.exit_code})")
    for org in status.organisations:
        pending = f"pending {org.pending}"
        if org.oldest_pending_at is not None:
            pending += f" (oldest {_ago(now, org.oldest_pending_at)})"
        problems = f"  !! {', '.join(org.problems)}" if org.problems else ""
        click.echo(f"{org.organisation_id}: last sweep {_stamp(now, org.last_sweep)}, last "
                   f"dispatch {_stamp(now, org.last_dispatch)}; {pending}, parked "
                   f"{org.parked}; overdue matters {org.overdue}{problems}")


def _when(instant: dt.datetime) -> str:
    return instant.astimezone(VIETNAM_TZ).strftime("%Y-%m-%d %H:%M")


def _stamp(now: dt.datetime, instant: dt.datetime | None) -> str:
    return "never" if instant is None else f"{_when(instant)} ({_ago(now, instant)})"


def _ago(now: dt.datetime, instant: dt.datetime) -> str:
    seconds = max(int((now - instant).total_seconds()), 0)
    if seconds < 3600:
        return f"{seconds // 60} min ago"
    if seconds < 172_800:
        return f"{seconds // 3600} h ago"
    return f"{seconds // 86_400} days ago"
