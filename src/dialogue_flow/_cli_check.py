"""``dialogue-flow check`` and ``dialogue-flow repair``: find broken dialogue invariants in
a store and fix each with an audited command (see ``_integrity``)."""

from __future__ import annotations

from pathlib import Path

import click

from ._cli_settings import config_option, db_option, open_flow
from ._errors import DialogueFlowError
from ._records import Actor, Dialogue, Role, Submission

__all__ = ["check_command", "repair_command"]


@click.command("check")
@db_option
@config_option
@click.pass_context
def check_command(ctx: click.Context, url: str | None, config: Path | None) -> None:
    """Audit a store for broken dialogue invariants; exit 1 when any is found.

    Each finding is printed with the repair command that fixes it.
    """
    try:
        with open_flow(ctx, url, config) as flow:
            found = flow.check()
    except DialogueFlowError as exc:
        raise click.ClickException(str(exc)) from exc
    where = f" --db {url}" if url is not None else ""
    for violation in found:
        click.echo(f"{violation.code}: {violation.message}\n  repair: dialogue-flow repair "
                   f"{violation.repair} {violation.record_id}{where} --reason '...'")
    click.echo(f"{len(found)} problem{'' if len(found) == 1 else 's'} found")
    if found:
        raise SystemExit(1)


@click.command("repair")
@click.argument("action", type=click.Choice(["complete", "detach"]))
@click.argument("record_id")
@db_option
@config_option
@click.option("--reason", required=True, help="Why: kept in the audit trail.")
@click.option("--actor", "actor_id", default="dialogue-flow-repair", show_default=True,
              help="The actor id the audit trail records (acting as the office).")
@click.pass_context
def repair_command(ctx: click.Context, action: str, record_id: str, url: str | None,
                   config: Path | None, reason: str, actor_id: str) -> None:
    """Repair what `dialogue-flow check` reported: `complete DIALOGUE` or `detach SUBMISSION`."""
    try:
        actor = Actor(actor_id, "dialogue-flow repair", Role.OFFICE)
        with open_flow(ctx, url, config) as flow:
            done: Dialogue | Submission = (
                flow.complete_dialogue(record_id, actor=actor, reason=reason)
                if action == "complete" else flow.detach(record_id, actor=actor, reason=reason))
    except DialogueFlowError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"{action}: {record_id} done ({done.KIND} now at version {done.version})")
