"""``dialogue-flow check`` and ``dialogue-flow repair``: find broken dialogue invariants in
a store and fix each with an audited command (see ``_integrity``)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from ._cli_settings import config_option, db_option, open_flow
from ._errors import DialogueFlowError

if TYPE_CHECKING:
    from ._records import Dialogue, Submission

__all__ = ["check_command", "repair_command"]


@click.command("check")
@db_option
@config_option
@click.option("--verify-files", is_flag=True,
              help="Also read every attachment's file and compare it with its SHA-256.")
@click.pass_context
def check_command(ctx: click.Context, url: str | None, config: Path | None,
                  verify_files: bool) -> None:
    """Audit a store for broken dialogue invariants, and its file store against the
    attachment records; exit 1 when anything is found.

    Each finding is printed with the repair command that fixes it.
    """
    try:
        with open_flow(ctx, url, config) as flow:
            found = flow.check()
            files = flow.check_files(verify=verify_files)
    except DialogueFlowError as exc:
        raise click.ClickException(str(exc)) from exc
    where = f" --db {url}" if url is not None else ""
    for violation in found:
        click.echo(f"{violation.code}: {violation.message}\n  repair: dialogue-flow repair "
                   f"{violation.repair} {violation.record_id}{where} --reason '...'")
    for problem in files:
        repair = (f"\n  repair: dialogue-flow repair {problem.repair} {problem.key}{where} "
                  "--reason '...'" if problem.repair else "")
        click.echo(f"{problem.code}: {problem.key}: {problem.message}{repair}")
    count = len(found) + len(files)
    click.echo(f"{count} problem{'' if count == 1 else 's'} found")
    if count:
        raise SystemExit(1)


@click.command("repair")
@click.argument("action", type=click.Choice(["complete", "detach", "remove-file"]))
@click.argument("record_id")
@db_option
@config_option
@click.option("--reason", required=True, help="Why: kept in the audit trail.")
@click.option("--actor", "actor_id", default="dialogue-flow-repair", show_default=True,
              help="The actor id the audit trail records (acting as the office).")
@click.pass_context
def repair_command(ctx: click.Context, action: str, record_id: str, url: str | None,
                   config: Path | None, reason: str, actor_id: str) -> None:
    """Repair what `dialogue-flow check` reported: `complete DIALOGUE`, `detach SUBMISSION`
    or `remove-file KEY` (a file of the file store no attachment holds)."""
    from ._records import Actor, Role  # noqa: PLC0415 - keeps `dialogue-flow --help` fast

    try:
        actor = Actor(actor_id, "dialogue-flow repair", Role.OFFICE)
        with open_flow(ctx, url, config) as flow:
            if action == "remove-file":
                flow.remove_file(record_id)
                click.echo(f"remove-file: {record_id} removed from the file store")
                return
            done: Dialogue | Submission = (
                flow.complete_dialogue(record_id, actor=actor, reason=reason)
                if action == "complete" else flow.detach(record_id, actor=actor, reason=reason))
    except DialogueFlowError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"{action}: {record_id} done ({done.KIND} now at version {done.version})")
