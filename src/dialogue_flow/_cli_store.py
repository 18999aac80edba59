"""Command-line commands that look after a whole store (issue 17): ``prune``, ``backup``,
``restore`` and ``copy``. Each imports what it needs when it runs (``dialogue-flow
--help`` stays fast)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING

import click

from ._cli_settings import (
    _shown,
    config_option,
    day,
    db_option,
    open_flow,
    plugins_for,
    settings_for,
)
from ._errors import DialogueFlowError

if TYPE_CHECKING:
    from ._backup import FileTarget
    from ._copy import TableCopy
    from ._plugins import PluginManager
    from ._settings import Settings

__all__ = ["backup_command", "copy_command", "prune_command", "restore_command"]



@click.command("prune")
@db_option
@config_option
@click.option("--outbox-days", "days", type=int, default=None, metavar="N",
              help="Delete settled notifications written more than N days ago (default: the "
              "settings' [housekeeping] outbox_days).")
@click.option("--today", callback=day, default=None,
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


@click.command("backup")
@click.argument("folder", type=click.Path(file_okay=False, path_type=Path))
@db_option
@config_option
@click.pass_context
def backup_command(ctx: click.Context, folder: Path, url: str | None,
                   config: Path | None) -> None:
    """Back the store and its attachments up into the new FOLDER.

    FOLDER gets store.db (SQLite's online backup: consistent while others write; a
    PostgreSQL store's tables copied into it), files/ (every attachment) and
    manifest.json (schema version, counts and checksums of every table, SHA-256 of every
    file). `dialogue-flow restore FOLDER --to URL` verifies and loads it.
    """
    try:
        with open_flow(ctx, url, config) as flow:
            manifest = flow.backup(folder)
    except DialogueFlowError as exc:
        raise click.ClickException(str(exc)) from exc
    rows = sum(s.rows for s in manifest.tables.values())
    size = sum(f.bytes for f in manifest.files)
    click.echo(f"backup: {folder} (schema {manifest.schema_version}, {rows} rows in "
               f"{len(manifest.tables)} tables, {len(manifest.files)} files of {size} bytes; "
               f"store.db SHA-256 {manifest.database_sha256})")


@click.command("restore")
@click.argument("folder", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--to", "url", default=None,
              help="The storage URL to restore into (default: the settings' storage); "
              "created when missing.")
@click.option("--files", "files", default=None,
              help="Where the attachments go: a folder or a file store URL (default: the "
              "settings' [attachments], else the folder beside a SQLite database).")
@click.option("--replace", is_flag=True,
              help="Overwrite a store that holds rows (default: refuse and write nothing).")
@click.option("--check", "check_only", is_flag=True,
              help="Only verify the backup against its manifest; write nothing.")
@config_option
@click.pass_context
def restore_command(ctx: click.Context, folder: Path, url: str | None, files: str | None,
                    replace: bool, check_only: bool, config: Path | None) -> None:
    """Verify the backup in FOLDER and load it into a store (any engine) and its file store.

    Exits non-zero, having written nothing, when the backup does not match its manifest or
    the store holds rows (without --replace).
    """
    from ._backup import restore_backup, verify_backup  # noqa: PLC0415 - only here
    from ._storage_urls import open_storage  # noqa: PLC0415

    try:
        if check_only:
            manifest = verify_backup(folder)
            click.echo(f"backup {folder}: as its manifest says ({len(manifest.tables)} "
                       f"tables, {len(manifest.files)} files, written "
                       f"{manifest.created_at.isoformat()})")
            return
        settings = settings_for(ctx, config)
        target_url = url if url is not None else _settings_storage(settings)
        pm = plugins_for(ctx, config)
        store = _file_store(files, target_url, settings, pm)
        storage = open_storage(target_url, pm, create=True)
        try:
            done = restore_backup(folder, storage, files=store, replace=replace)
        finally:
            storage.close()
    except DialogueFlowError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"restored {folder} into {_shown(target_url)}: {done.copy.rows} rows in "
               f"{len(done.copy.tables)} tables (counts and checksums equal the backup's), "
               f"{done.files_restored} files restored, {done.files_present} already there")


def _settings_storage(settings: Settings | None) -> str:
    if settings is None or settings.storage is None:
        raise click.UsageError("restore needs --to URL, or a settings file with storage")
    return settings.storage


def _file_store(files: str | None, url: str, settings: Settings | None,
                pm: PluginManager) -> FileTarget | None:
    """Where a restore puts the attachments: ``--files``, else the settings' file store
    when the target is the settings' storage, else the folder beside a SQLite target."""
    from ._attachment_settings import settings_file_store  # noqa: PLC0415
    from ._files import open_file_store  # noqa: PLC0415

    if files is not None:
        return open_file_store(files, pm)
    if settings is not None and settings.storage == url:
        return settings.file_store(pm)
    return settings_file_store(None, url, pm)


@click.command("copy")
@click.option("--from", "source", required=True, help="The storage URL to copy from.")
@click.option("--to", "target", required=True,
              help="The storage URL to copy into: a new or empty store (created when "
              "missing).")
@click.option("--replace", is_flag=True,
              help="Overwrite a target that holds rows (default: refuse and write nothing).")
@config_option
@click.pass_context
def copy_command(ctx: click.Context, source: str, target: str, replace: bool,
                 config: Path | None) -> None:
    """Copy a whole store into another: SQLite to PostgreSQL and back.

    All or nothing: the source is read in one snapshot, the target written in one
    transaction that commits only when every table's row count and checksum equal the
    source's (printed); otherwise nothing is written and the exit status is 1.
    Attachments' files are not copied: point the new store's settings at the same
    [attachments] folder, or copy the folder.
    """
    from ._copy import copy_url  # noqa: PLC0415 - only here

    def table_done(table: TableCopy) -> None:
        click.echo(f"  {table.name}: {table.rows} rows, SHA-256 {table.sha256}")

    click.echo(f"copy {_shown(source)} -> {_shown(target)}")
    try:
        result = copy_url(source, target, plugins_for(ctx, config), replace=replace,
                          progress=table_done)
    except DialogueFlowError as exc:
        raise click.ClickException(str(exc)) from exc
    rate = result.rows / result.seconds if result.seconds else 0.0
    click.echo(f"copied {result.rows} rows in {len(result.tables)} tables in "
               f"{result.seconds:.1f} s ({rate:,.0f} rows/s); every count and checksum "
               "equal")
