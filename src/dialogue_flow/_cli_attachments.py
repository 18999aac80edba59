"""``dialogue-flow attach`` and ``dialogue-flow attachments``: attach a file to a submission,
list a submission's files, and fetch one to a file (issue 17, part 3).

The command line acts as a person of the submission's own organisation, in the role
``--role`` names (the office by default): whoever runs it holds the store already. The
original file names are personal data: listed only with ``--names``.
"""

from __future__ import annotations

import os
from pathlib import Path

import click

from ._cli_settings import config_option, db_option, open_flow
from ._errors import DialogueFlowError

__all__ = ["attach_command", "attachments_command"]

_ROLES = ("intake_desk", "office", "chair")
_actor_option = click.option(
    "--actor", "actor_id", default="dialogue-flow-cli", show_default=True,
    help="The actor id the history records.")
_role_option = click.option(
    "--role", type=click.Choice(_ROLES), default="office", show_default=True,
    help="The role the actor acts in, in the submission's organisation.")


@click.command("attach")
@click.argument("submission_id")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@db_option
@config_option
@click.option("--name", default=None, help="The file's name to keep (default: FILE's own).")
@click.option("--type", "content_type", default=None,
              help="The MIME type, e.g. application/pdf (default: told from the content).")
@click.option("--issued", is_flag=True,
              help="A document issued for the matter, not one handed in.")
@_actor_option
@_role_option
@click.pass_context
def attach_command(ctx: click.Context, submission_id: str, file: Path, url: str | None,
                   config: Path | None, name: str | None, content_type: str | None,
                   issued: bool, actor_id: str, role: str) -> None:
    """Attach FILE to a submission (a scanned letter, a photo; --issued for a document the
    office issues). Prints the attachment's id, type, size and SHA-256."""
    import mimetypes  # noqa: PLC0415 - the CLI starts fast

    from ._records import Actor  # noqa: PLC0415

    if content_type is None:  # a hint the content must confirm; the content decides
        content_type = mimetypes.guess_type(file.name)[0]
    try:
        with open_flow(ctx, url, config) as flow, file.open("rb") as data:
            s = flow.submission(submission_id)
            actor = Actor(actor_id, "dialogue-flow attach", role,
                          organisation_id=s.organisation_id)
            done = flow.attach(s.id, name=name or file.name, data=data, actor=actor,
                               content_type=content_type,
                               kind="issued" if issued else "received")
    except DialogueFlowError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"{done.id} {done.kind} {done.content_type} {done.size} bytes "
               f"sha256:{done.sha256}")


@click.command("attachments")
@click.argument("submission_id")
@db_option
@config_option
@click.option("--names", is_flag=True, help="Show the files' original names (personal data).")
@click.option("--get", "attachment_id", default=None, metavar="ATTACHMENT",
              help="Fetch this attachment's file (checked against its SHA-256) to --output.")
@click.option("--output", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="With --get: the file to write (never overwritten).")
@_actor_option
@_role_option
@click.pass_context
def attachments_command(ctx: click.Context, submission_id: str, url: str | None,
                        config: Path | None, names: bool, attachment_id: str | None,
                        output: Path | None, actor_id: str, role: str) -> None:
    """List a submission's attachments, or fetch one with --get ATTACHMENT --output FILE."""
    from ._records import Actor  # noqa: PLC0415

    if (attachment_id is None) != (output is None):
        raise click.UsageError("--get and --output go together")
    try:
        with open_flow(ctx, url, config) as flow:
            found = flow.attachments(submission_id)
            if attachment_id is not None and output is not None:
                if attachment_id not in {a.id for a in found}:
                    raise click.ClickException(f"{attachment_id} is not an attachment of "
                                               f"{submission_id}")
                s = flow.submission(submission_id)
                actor = Actor(actor_id, "dialogue-flow attachments", role,
                              organisation_id=s.organisation_id)
                _fetch(flow.read_attachment(attachment_id, actor=actor), output)
                click.echo(f"{attachment_id} written to {output}")
                return
    except DialogueFlowError as exc:
        raise click.ClickException(str(exc)) from exc
    for a in found:
        state = f"erased {a.erased_at.date().isoformat()}" if a.erased_at else "held"
        label = f"  {a.name}" if names and a.name else ""
        click.echo(f"{a.id} {a.kind} {a.content_type} {a.size} bytes "
                   f"{a.attached_at.date().isoformat()} {state} sha256:{a.sha256}{label}")
    click.echo(f"{len(found)} attachment{'' if len(found) == 1 else 's'}")


def _fetch(content: bytes, output: Path) -> None:
    """Write ``content`` to a new file (an existing one is never overwritten)."""
    try:
        fd = os.open(output, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0),
                     0o600)
    except FileExistsError:
        raise click.ClickException(f"{output} exists already; nothing was written") from None
    with os.fdopen(fd, "wb") as out:
        out.write(content)
