"""``dialogue-flow check`` and ``dialogue-flow repair``: find broken dialogue invariants in
a store and fix each with an audited command (see ``_integrity``)."""

from __future__ import annotations

import click

from ._errors import DialogueFlowError
from ._flow import DialogueFlow
from ._records import Actor, Dialogue, Role, Submission

__all__ = ["check_command", "repair_command"]

_DB_HELP = "Storage URL, e.g. sqlite:///commune.db."


@click.command("check")
@click.option("--db", "url", required=True, help=_DB_HELP)
def check_command(url: str) -> None:
    """Audit a store for broken dialogue invariants; exit 1 when any is found.

    Each finding is printed with the repair command that fixes it.
    """
    try:
        with DialogueFlow.open(url, load_entry_points=True) as flow:
            found = flow.check()
    except DialogueFlowError as exc:
        raise click.ClickException(str(exc)) from exc
    for violation in found:
        click.echo(f"{violation.code}: {violation.message}\n  repair: dialogue-flow repair "
                   f"{violation.repair} {violation.record_id} --db {url} --reason '...'")
    click.echo(f"{len(found)} problem{'' if len(found) == 1 else 's'} found")
    if found:
        raise SystemExit(1)


@click.command("repair")
@click.argument("action", type=click.Choice(["complete", "detach"]))
@click.argument("record_id")
@click.option("--db", "url", required=True, help=_DB_HELP)
@click.option("--reason", required=True, help="Why: kept in the audit trail.")
@click.option("--actor", "actor_id", default="dialogue-flow-repair", show_default=True,
              help="The actor id the audit trail records (acting as the office).")
def repair_command(action: str, record_id: str, url: str, reason: str, actor_id: str) -> None:
    """Repair what `dialogue-flow check` reported: `complete DIALOGUE` or `detach SUBMISSION`."""
    try:
        actor = Actor(actor_id, "dialogue-flow repair", Role.OFFICE)
        with DialogueFlow.open(url, load_entry_points=True) as flow:
            done: Dialogue | Submission = (
                flow.complete_dialogue(record_id, actor=actor, reason=reason)
                if action == "complete" else flow.detach(record_id, actor=actor, reason=reason))
    except DialogueFlowError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"{action}: {record_id} done ({done.KIND} now at version {done.version})")
