"""``dialogue-flow orgs``: load an organisation tree into a store, list it, and change the
policy the store or an organisation runs under (deliberately, with a reason)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from ._cli_settings import config_option, db_option, open_flow

__all__ = ["orgs_command"]


@click.command("orgs")
@db_option
@config_option
@click.option("--load", "tree", type=click.Path(dir_okay=False, path_type=Path),
              default=None, help="A TOML tree file to add or update first.")
@click.option("--set-policy", "policy", default=None, metavar="POLICY",
              help="Record that the store (with --org: that organisation) runs under this "
                   "policy from now on (an id, or a policy .toml file); needs --reason.")
@click.option("--org", "organisation", default=None,
              help="With --set-policy: the organisation whose policy changes.")
@click.option("--reason", default=None, help="With --set-policy: why (kept in the audit trail).")
@click.pass_context
def orgs_command(ctx: click.Context, url: str | None, config: Path | None, tree: Path | None,
                 policy: str | None, organisation: str | None, reason: str | None) -> None:
    """List the organisations of a store as a tree (after loading --load FILE, or after
    changing a policy with --set-policy)."""
    from ._settings import policy_arg  # noqa: PLC0415 - keeps `dialogue-flow --help` fast
    from ._tree import tree_summary  # noqa: PLC0415

    if policy is not None and not reason:
        raise click.UsageError("--set-policy needs --reason (kept in the audit trail)")
    if policy is None and (organisation is not None or reason is not None):
        raise click.UsageError("--org and --reason go with --set-policy")
    # Changing the policy opens the store under the policy it records (not the settings'),
    # and does not compare the settings' organisations with the store: that is the change.
    changing: dict[str, Any] = ({"policy": None, "check_store": False} if policy is not None
                                else {})
    with open_flow(ctx, url, config, **changing) as flow:
        if tree is not None:
            loaded = flow.load_organisations(tree)
            click.echo(f"loaded {len(loaded)} organisations from {tree}")
        if policy is not None:
            before = (flow.policy if organisation is None
                      else flow.policy_of(organisation)).id
            chosen = flow.set_policy(policy_arg(policy), organisation=organisation,
                                     reason=reason)
            click.echo(f"policy of {organisation or 'the store'}: {before} -> {chosen.id}")
        organisations = flow.organisations()
    if not organisations:
        click.echo("no organisations stored: every record belongs to the default one")
    for depth, org in tree_summary(organisations):
        own = f" [policy {org.policy_id}]" if org.policy_id else ""
        click.echo(f"{'  ' * depth}{org.id}  {org.name} ({org.level}){own}")


