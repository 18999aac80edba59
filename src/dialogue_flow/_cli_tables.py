"""Command-line commands for spreadsheets (issue 18): ``export`` (the register or a report
as .xlsx or .csv) and ``import`` (a register kept in a spreadsheet).

The tables, the CSV reader and writer and openpyxl are imported inside the commands, so
``dialogue-flow --help`` starts fast.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import click

from ._cli_personal import cli_actor
from ._cli_settings import config_option, day, db_option, open_flow
from ._errors import DialogueFlowError

__all__ = ["export_command", "import_command"]


@click.command("export")
@click.argument("what", type=click.Choice(["register", "report"]))
@db_option
@config_option
@click.option("--output", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="The file to write: .xlsx (needs dialogue-flow-xlsx) or .csv.")
@click.option("--period", default=None,
              help="2021, 2021-06, 2021-Q1, 2021-H1, 2021-H2, 2021-9M or FIRST..LAST; a "
              "report needs it, the register lists the matters received in it (default: "
              "every matter).")
@click.option("--as-of", "as_of", callback=day, default=None,
              help="Count overdue matters as of this day (default: today).")
@click.option("--org", "organisation", default=None,
              help="This organisation's matters only (default: the whole store).")
@click.option("--subtree", is_flag=True, help="With --org: its communes' too.")
@click.option("--rollup", is_flag=True,
              help="report with --org: a row per organisation under it and the total.")
@click.option("--personal-data", is_flag=True,
              help="Include petitioners' names (and, in the register, addresses, phones and "
              "e-mails); needs --actor.")
@click.option("--actor", "actor_id", default=None, metavar="ID",
              help="With --personal-data: who reads them (recorded in the access log).")
@click.option("--role", type=click.Choice(["office", "chair"]), default="office",
              show_default=True, help="The actor's role: a confidential matter's petitioner "
              "is shown only to the roles its policy names (by default the chair).")
@click.option("--lang", "language", type=click.Choice(["vi", "en"]), default=None,
              help="Language of the headers and words (default: the settings', else vi).")
@click.pass_context
def export_command(ctx: click.Context, what: str, url: str | None, config: Path | None,
                   output: Path, period: str | None, as_of: dt.date | None,
                   organisation: str | None, subtree: bool, rollup: bool,
                   personal_data: bool, actor_id: str | None, role: str,
                   language: str | None) -> None:
    """Write the register of submissions (one row per matter) or the report of a period as
    a spreadsheet, in the format the --output file's suffix names."""
    from ._export import register_table, report_table, rollup_table  # noqa: PLC0415 - --help starts fast
    from ._table_files import table_format, write_table_file  # noqa: PLC0415

    if what == "report" and period is None:
        raise click.UsageError("export report needs --period (2021-H1, 2021, ...)")
    if rollup and (what != "report" or organisation is None):
        raise click.UsageError("--rollup is for export report with --org (the province "
                               "whose communes it lists)")
    if personal_data and actor_id is None:
        raise click.UsageError("--personal-data needs --actor ID: who reads them "
                               "(recorded in the access log)")
    if personal_data and rollup:
        raise click.UsageError("a roll-up holds figures only: --personal-data does not apply")
    try:
        table_format(output)
        reader = None if actor_id is None else cli_actor(actor_id, organisation, role)
        with open_flow(ctx, url, config, language=language) as flow:
            chosen = flow.language
            if what == "register":
                table = register_table(flow, period=period, organisation=organisation,
                                       subtree=subtree, as_of=as_of,
                                       include_personal_data=personal_data, actor=reader,
                                       language=chosen)
            elif rollup and organisation is not None and period is not None:  # checked above
                table = rollup_table(flow.rollup(period, organisation=organisation,
                                                 as_of=as_of), chosen)
            elif period is not None:  # checked above
                table = report_table(flow.report(period, as_of=as_of,
                                                 include_personal_data=personal_data,
                                                 organisation=organisation, subtree=subtree,
                                                 actor=reader), chosen)
            write_table_file(output, table, language=chosen, plugins=flow.plugins)
    except DialogueFlowError as exc:
        raise click.ClickException(str(exc)) from exc
    except OSError as exc:
        raise click.ClickException(f"{output}: {exc.strerror or exc}") from exc
    rows = sum(len(sheet["rows"]) for sheet in table["sheets"])
    click.echo(_written(chosen, output, len(table["sheets"]), rows))


def _written(language: str, output: Path, sheets: int, rows: int) -> str:
    if language == "en":
        return f"{output}: {rows} rows in {sheets} sheet{'s' * (sheets != 1)}"
    return f"{output}: {rows} dòng, {sheets} trang tính"


def _mapping(pairs: tuple[str, ...]) -> dict[str, str]:
    """``--map FIELD=HEADER`` options as a mapping (the header may hold ``=``)."""
    mapping: dict[str, str] = {}
    for pair in pairs:
        field, sep, header = pair.partition("=")
        if not sep or not field.strip() or not header.strip():
            raise click.BadParameter(f"{pair!r} is not FIELD=HEADER (received_on=Ngày nhận)",
                                     param_hint="--map")
        if field.strip() in mapping:
            raise click.BadParameter(f"{field.strip()!r} is mapped twice", param_hint="--map")
        mapping[field.strip()] = header.strip()
    return mapping


#: The words of the import's output, (vi, en).
_SAID = {
    "added": ("đã thêm {added}, bỏ qua {skipped} (đã có trong kho)",
              "added {added}, skipped {skipped} (already in the store)"),
    "dry_run": ("chạy thử: sẽ thêm {added}, bỏ qua {skipped} (đã có trong kho); chưa ghi gì",
                ("dry run: would add {added}, skip {skipped} (already in the store); nothing "
                 "written")),
    "ignored": ("cột không dùng: {columns}", "columns not used: {columns}"),
    "row": ("dòng {row}", "row {row}"),
    "column": ("cột «{column}»", "column «{column}»"),
    "rejected": ("không nhập: {count} lỗi, chưa ghi gì",
                 "not imported: {count} errors, nothing written"),
}


def _said(key: str, language: str, **fields: object) -> str:
    return _SAID[key][language == "en"].format_map(fields)


@click.command("import")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@db_option
@config_option
@click.option("--actor", "actor_id", required=True, metavar="ID",
              help="Who imports (recorded in each matter's audit trail).")
@click.option("--role", type=click.Choice(["office", "chair"]), default="office",
              show_default=True, help="The actor's role (the office or the chair imports).")
@click.option("--org", "organisation", default=None,
              help="The organisation the matters belong to (default: the default one).")
@click.option("--map", "pairs", multiple=True, metavar="FIELD=HEADER",
              help="Read FIELD (received_on, topic, content, name, ...) from the column "
              "headed HEADER (repeatable); a header the register's own (in vi or en) needs "
              "none.")
@click.option("--sheet", default=None, help="The sheet of an .xlsx to read (default: the "
              "first).")
@click.option("--dry-run", is_flag=True, help="Check every row and count, write nothing.")
@click.option("--lang", "language", type=click.Choice(["vi", "en"]), default=None,
              help="Language of the output (default: the settings', else vi).")
@click.pass_context
def import_command(ctx: click.Context, file: Path, url: str | None, config: Path | None,
                   actor_id: str, role: str, organisation: str | None,
                   pairs: tuple[str, ...], sheet: str | None, dry_run: bool,
                   language: str | None) -> None:
    """Import a register of submissions kept in a spreadsheet (.xlsx or .csv): every row
    is checked before anything is written; rows imported before are skipped."""
    from ._import import ImportRejected  # noqa: PLC0415 - --help starts fast
    from ._table_files import read_table_file  # noqa: PLC0415

    mapping = _mapping(pairs)
    chosen = language or "vi"
    try:
        actor = cli_actor(actor_id, organisation, role)
        with open_flow(ctx, url, config, language=language) as flow:
            chosen = flow.language
            rows = read_table_file(file, sheet=sheet, plugins=flow.plugins)
            result = flow.import_register(rows, actor=actor, mapping=mapping or None,
                                          organisation=organisation, dry_run=dry_run)
    except ImportRejected as exc:
        for error in exc.errors:
            where = _said("row", chosen, row=error.row)
            if error.column:
                where += ", " + _said("column", chosen, column=error.column)
            click.echo(f"{where}: {error.message}", err=True)
        click.echo(_said("rejected", chosen, count=len(exc.errors)), err=True)
        ctx.exit(1)
    except DialogueFlowError as exc:
        raise click.ClickException(str(exc)) from exc
    except OSError as exc:
        raise click.ClickException(f"{file}: {exc.strerror or exc}") from exc
    click.echo(_said("dry_run" if result.dry_run else "added", chosen, added=result.added,
                     skipped=result.skipped))
    if result.ignored_columns:
        click.echo(_said("ignored", chosen, columns=", ".join(result.ignored_columns)))
