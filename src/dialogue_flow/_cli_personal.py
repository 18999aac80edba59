"""Command-line commands for requests about personal data (Law 91/2025/QH15):
``access-log``, ``export-person`` and ``erase``; and the actor a command names with
``--actor ID``.

The command line runs as whoever holds the store's settings, so ``--actor`` is who the
access log and the audit trail record, acting in ``--org`` (default: the default
organisation) with ``--role``. Nothing printed holds personal data: ids, counts, the file
written.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from ._cli_settings import config_option, day, db_option, open_flow
from ._errors import DialogueFlowError

if TYPE_CHECKING:
    from ._access_records import AccessEntry
    from ._flow_core import Page
    from ._records import Actor

__all__ = ["access_log_command", "cli_actor", "erase_command", "export_person_command"]

_F = TypeVar("_F", bound=Callable[..., Any])


def cli_actor(actor_id: str, organisation: str | None, role: str = "office") -> Actor:
    """The actor ``--actor ID`` names: that id, acting in ``organisation`` (default: the
    default organisation) with ``role``.

    :raises InvalidInputError: not a valid id.
    """
    from ._records import DEFAULT_ORGANISATION, Actor, Role  # noqa: PLC0415 - --help starts fast

    return Actor(actor_id, actor_id, Role(role),
                 organisation_id=organisation or DEFAULT_ORGANISATION)



def _person_options(command: _F) -> _F:
    """``--phone``, ``--email``, ``--name``, ``--submission``, ``--actor``, ``--role``,
    ``--org`` and ``--subtree``: who the request is about, and who makes it."""
    for option in reversed((
        click.option("--phone", default=None, help="The petitioner's phone number."),
        click.option("--email", default=None, help="The petitioner's e-mail address."),
        click.option("--name", default=None, help="The petitioner's full name (exact)."),
        click.option("--submission", default=None, metavar="ID",
                     help="One of the petitioner's matters: its id or tracking code."),
        click.option("--actor", "actor_id", required=True, metavar="ID",
                     help="Who makes the request (recorded in the access log)."),
        click.option("--role", type=click.Choice(["office", "chair"]), default="office",
                     show_default=True, help="The actor's role."),
        click.option("--org", "organisation", default=None,
                     help="The organisation searched, and the actor's (default: the "
                     "default organisation)."),
        click.option("--subtree", is_flag=True, help="With --org: and those under it."),
    )):
        command = option(command)
    return command


def _person(phone: str | None, email: str | None, name: str | None,
            submission: str | None) -> dict[str, str]:
    given = {key: value for key, value in (("phone", phone), ("email", email), ("name", name),
                                           ("submission", submission)) if value is not None}
    if not given:
        raise click.UsageError("name the petitioner: --phone, --email, --name or --submission")
    return given


@click.command("export-person")
@db_option
@config_option
@_person_options
@click.option("--output", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="The JSON file to write (it holds personal data: keep it safe).")
@click.pass_context
def export_person_command(ctx: click.Context, url: str | None, config: Path | None,
                          phone: str | None, email: str | None, name: str | None,
                          submission: str | None, actor_id: str, role: str,
                          organisation: str | None, subtree: bool, output: Path) -> None:
    """Export everything held about one petitioner (the right of access) as JSON."""
    person = _person(phone, email, name, submission)
    try:
        with open_flow(ctx, url, config) as flow:
            document = flow.export_petitioner(
                actor=cli_actor(actor_id, organisation, role), organisation=organisation,
                subtree=subtree, **person)
    except DialogueFlowError as exc:
        raise click.ClickException(str(exc)) from exc
    output.write_text(json.dumps(document, ensure_ascii=False, indent=2) + "\n",
                      encoding="utf-8")
    click.echo(f"{output}: {len(document['matters'])} matter(s), "
               f"{len(document['access_log'])} earlier read(s)")


@click.command("erase")
@db_option
@config_option
@_person_options
@click.option("--reason", required=True,
              help="Why (the request's reference); recorded, so no personal data in it.")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@click.pass_context
def erase_command(ctx: click.Context, url: str | None, config: Path | None,
                  phone: str | None, email: str | None, name: str | None,
                  submission: str | None, actor_id: str, role: str, organisation: str | None,
                  subtree: bool, reason: str, yes: bool) -> None:
    """Erase one petitioner's personal data from every matter held about them (the
    matters, their figures and their audit trail stay). Cannot be undone."""
    person = _person(phone, email, name, submission)
    if not yes:
        click.confirm("Erase this petitioner's personal data for good?", abort=True)
    try:
        with open_flow(ctx, url, config) as flow:
            result = flow.erase_petitioner(
                actor=cli_actor(actor_id, organisation, role), reason=reason,
                organisation=organisation, subtree=subtree, **person)
    except DialogueFlowError as exc:
        raise click.ClickException(str(exc)) from exc
    if result.erased:
        click.echo(f"erased {len(result.erased)} matter(s): {', '.join(result.erased)}")
    if result.already_erased:
        click.echo(f"erased before, nothing to do: {', '.join(result.already_erased)}")
    if result.elsewhere:
        click.echo("linked matters of other organisations, theirs to erase: "
                   f"{', '.join(result.elsewhere)}")


@click.command("access-log")
@db_option
@config_option
@click.option("--org", "organisation", default=None,
              help="Reads of this organisation's matters (default: every one).")
@click.option("--subtree", is_flag=True, help="With --org: and those under it.")
@click.option("--actor", "actor_id", default=None, metavar="ID", help="Reads by this actor.")
@click.option("--record", "record_id", default=None, metavar="ID",
              help="Reads naming this submission.")
@click.option("--from", "start", callback=day, default=None, help="From this day.")
@click.option("--to", "end", callback=day, default=None, help="To this day (included).")
@click.option("--json", "as_json", is_flag=True, help="JSON lines instead of a table.")
@click.pass_context
def access_log_command(ctx: click.Context, url: str | None, config: Path | None,
                       organisation: str | None, subtree: bool, actor_id: str | None,
                       record_id: str | None, start: dt.date | None, end: dt.date | None,
                       as_json: bool) -> None:
    """Who read which matters' personal data, when and why (ids only), oldest first."""
    from ._serialization import to_dict  # noqa: PLC0415 - keeps `dialogue-flow --help` fast

    try:
        with open_flow(ctx, url, config) as flow:
            def read(after: str | None) -> Page[AccessEntry]:
                return flow.access_log(organisation=organisation, subtree=subtree,
                                       actor=actor_id, record=record_id, start=start,
                                       end=end, limit=1000, after=after)

            page = read(None)
            while True:
                for entry in page:
                    if as_json:
                        click.echo(json.dumps(to_dict(entry), ensure_ascii=False))
                    else:
                        click.echo(f"{entry.seq}\t{entry.at.isoformat()}\t{entry.actor_id}\t"
                                   f"{entry.organisation_id}\t{entry.purpose}\t"
                                   f"{' '.join(entry.record_ids)}")
                if page.next_after is None:
                    break
                page = read(page.next_after)
    except DialogueFlowError as exc:
        raise click.ClickException(str(exc)) from exc
