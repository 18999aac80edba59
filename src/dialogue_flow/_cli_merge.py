"""``dialogue-flow merge``: communes' stores into a province's, each into its organisation
(issue 17, part 5; :mod:`dialogue_flow._merge`)."""

from __future__ import annotations

from pathlib import Path

import click

from ._cli_settings import _shown, config_option, open_flow, plugins_for

__all__ = ["merge_command"]


def _source(_ctx: click.Context, _param: click.Parameter,
            values: tuple[str, ...]) -> list[tuple[str, str]]:
    """``URL:ORG`` -> (URL, ORG): the organisation follows the last colon."""
    parsed = []
    for value in values:
        url, _, organisation = value.rpartition(":")
        if not url or not organisation or "/" in organisation:
            raise click.BadParameter(f"{value!r}: expected URL:ORG, e.g. "
                                     "sqlite:///xa-a.db:xa-a (the store, then the "
                                     "organisation it goes into)")
        parsed.append((url, organisation))
    return parsed


@click.command("merge")
@click.option("--into", "url", default=None, metavar="URL",
              help="The store to merge into (default: the settings file's storage).")
@config_option
@click.option("--from", "sources", multiple=True, required=True, metavar="URL:ORG",
              callback=_source,
              help="A committee's store and the organisation of the target it goes into "
              "(repeatable), e.g. sqlite:///xa-a.db:xa-a.")
@click.option("--allow-other-policy", is_flag=True,
              help="Merge a store run under another policy than its organisation's.")
@click.pass_context
def merge_command(ctx: click.Context, url: str | None, config: Path | None,
                  sources: list[tuple[str, str]], allow_other_policy: bool) -> None:
    """Merge single-committee stores into organisations of one store, in one transaction:
    every record, audit row, outbox row and attachment; ids the target holds are renamed
    and tracking codes it holds re-issued (both listed). The target's organisations must
    exist (dialogue-flow init with the tree file). Each source is upgraded to this
    release's schema when it is opened: back it up first."""
    from ._merge import MergeSource  # noqa: PLC0415 - keeps `--help` fast
    from ._storage_urls import open_storage  # noqa: PLC0415

    pm = plugins_for(ctx, config)
    with open_flow(ctx, url, config) as flow:
        opened = []
        try:
            for source_url, organisation in sources:
                if source_url == url:
                    raise click.UsageError(f"--from {source_url} is the store merged into")
                opened.append(MergeSource(open_storage(source_url, pm, create=False),
                                          organisation, label=_shown(source_url)))
            report = flow.merge(opened, allow_other_policy=allow_other_policy)
        finally:
            for source in opened:
                source.storage.close()
    for line in report.lines():
        click.echo(line)
    click.echo(f"merged in {report.seconds:.1f} s")
