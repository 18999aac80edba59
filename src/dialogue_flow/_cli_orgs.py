"""``dialogue-flow orgs``: load an organisation tree into a store and list it."""

from __future__ import annotations

from pathlib import Path

import click

from ._flow import DialogueFlow
from ._tree import tree_summary

__all__ = ["orgs_command"]


@click.command("orgs")
@click.option("--db", "url", required=True, help="Storage URL, e.g. sqlite:///province.db.")
@click.option("--load", "tree", type=click.Path(dir_okay=False, path_type=Path),
              default=None, help="A TOML tree file to add or update first.")
def orgs_command(url: str, tree: Path | None) -> None:
    """List the organisations of a store as a tree (after loading --load FILE)."""
    with DialogueFlow.open(url, load_entry_points=True) as flow:
        if tree is not None:
            loaded = flow.load_organisations(tree)
            click.echo(f"loaded {len(loaded)} organisations from {tree}")
        organisations = flow.organisations()
    if not organisations:
        click.echo("no organisations stored: every record belongs to the default one")
    for depth, org in tree_summary(organisations):
        click.echo(f"{'  ' * depth}{org.id}  {org.name} ({org.level})")
