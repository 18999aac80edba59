"""The schema as data, and the dialects the SQL backends differ by (re-exported by
:mod:`dialogue_flow.storage.sql`, where backends import them from)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any, Final

import attrs

__all__ = [
    "MIGRATIONS",
    "POSTGRESQL",
    "SCHEMA_VERSION",
    "SQLITE",
    "TABLES",
    "AddColumns",
    "Column",
    "CreateIndex",
    "CreateTable",
    "Dialect",
    "DropIndex",
    "Fill",
    "Index",
    "Migration",
    "Rewrite",
    "Table",
    "render",
    "render_step",
]


# --- dialects --------------------------------------------------------------------------------


def _sqlite_local_date(expr: str) -> str:
    # Instants are stored with their offset; the local date is the Vietnamese one (UTC+7,
    # no daylight saving). date() reads the offset and answers in UTC.
    return f"date({expr}, '+7 hours')"


def _postgres_local_date(expr: str) -> str:
    return f"(({expr})::timestamptz AT TIME ZONE 'Asia/Ho_Chi_Minh')::date"


@attrs.frozen
class Dialect:
    """What one SQL engine spells differently."""

    name: str
    #: The DB-API parameter marker.
    placeholder: str
    #: Logical column type -> the engine's type.
    types: dict[str, str]
    #: After ``CREATE TABLE (...)`` of a table without a rowid of its own.
    without_rowid: str
    #: JSON text of a record column -> the text of one top-level field.
    json_field: Callable[[str], str]
    #: SQL text of an ISO instant -> its local (Asia/Ho_Chi_Minh) date.
    local_date: Callable[[str], str]
    #: A ``date`` column's value as a parameter, and back from a row.
    date_param: Callable[[dt.date], object]
    date_value: Callable[[Any], dt.date]
    #: Appended to a guard's read so the row cannot change before the commit.
    lock_shared: str = ""
    #: Appended to the read of a dialogue a count guard counts under: one such commit at a
    #: time per dialogue (SQLite needs nothing: it has one writer at a time).
    lock_exclusive: str = ""
    #: ``INDEXED BY`` hints where the planner needs them ("" where it does not).
    index_hints: bool = False
    #: SQL text of a ``date`` column -> its ISO text (SQLite keeps it as text already).
    date_text: Callable[[str], str] = lambda column: column
    #: ORDER BY of a page by due date, then id, those without one last.
    due_order: str = "CASE WHEN due_date IS NULL THEN 1 ELSE 0 END, due_date, id"

    def hint(self, index: str) -> str:
        return f" INDEXED BY {index}" if self.index_hints else ""


def _iso(day: dt.date) -> str:
    return day.isoformat()


def _same(value: Any) -> Any:
    return value


#: SQLite: dates as ISO text (it sorts chronologically), outbox instants as integer
#: microseconds since the epoch (so instants in different offsets compare correctly).
SQLITE: Final = Dialect(
    name="sqlite", placeholder="?",
    types={"id": "TEXT", "text": "TEXT", "int": "INTEGER", "date": "TEXT",
           "instant": "INTEGER", "seq": "INTEGER PRIMARY KEY", "seq_ref": "INTEGER"},
    without_rowid=" WITHOUT ROWID",
    json_field=lambda column: f"json_extract({column}, '$.' || ?)",
    local_date=_sqlite_local_date,
    date_param=_iso, date_value=dt.date.fromisoformat, index_hints=True)

#: PostgreSQL: ids sort by code point (``COLLATE "C"``, as Python compares strings,
#: whatever the database's locale); records stay ``text`` (``jsonb`` refuses ``\u0000``
#: and reorders keys; every query runs on the indexed columns).
POSTGRESQL: Final = Dialect(
    name="postgresql", placeholder="%s",
    types={"id": 'text COLLATE "C"', "text": "text", "int": "integer", "date": "date",
           "instant": "timestamptz", "seq": "bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY",
           "seq_ref": "bigint"},
    without_rowid="",
    json_field=lambda column: f"({column}::json ->> %s)",
    local_date=_postgres_local_date,
    date_param=_same, date_value=_same, lock_shared=" FOR SHARE",
    lock_exclusive=" FOR UPDATE",
    date_text=lambda column: f"to_char({column}, 'YYYY-MM-DD')",
    # Ascending order puts NULLs last already; plain columns let an index give the order.
    due_order="due_date, id")


# --- the schema as data ------------------------------------------------------------------------


@attrs.frozen
class Column:
    """One column: its logical type (a key of :attr:`Dialect.types`) and constraints."""

    name: str
    type: str
    constraints: str = ""

    def sql(self, dialect: Dialect) -> str:
        return " ".join(filter(None, (self.name, dialect.types[self.type], self.constraints)))


@attrs.frozen
class Table:
    name: str
    columns: tuple[Column, ...]
    primary_key: tuple[str, ...] = ()
    #: Clustered by its primary key (SQLite ``WITHOUT ROWID``; ignored elsewhere).
    clustered: bool = False


@attrs.frozen
class Index:
    name: str
    table: str
    columns: tuple[str, ...]
    #: A partial index's condition (the same SQL in both dialects).
    where: str = ""
    #: Only in these dialects (empty: in every one).
    dialects: tuple[str, ...] = ()
    #: No two rows hold the same values (rows holding NULL aside).
    unique: bool = False


@attrs.frozen
class CreateTable:
    table: Table


@attrs.frozen
class CreateIndex:
    index: Index


@attrs.frozen
class AddColumns:
    table: str
    columns: tuple[Column, ...]


@attrs.frozen
class Fill:
    """Fill columns of every existing row from the record's JSON: column -> JSON field.

    A field whose name ends in ``_at`` is an instant: the column gets its local date.
    ``source`` is the column holding the JSON (an outbox row's is ``notification``).
    """

    table: str
    fields: tuple[tuple[str, str], ...]
    source: str = "record"


@attrs.frozen
class DropIndex:
    """Drop an index a later step re-creates with other columns."""

    name: str


@attrs.frozen
class Rewrite:
    """Write every row of a record table again as this release writes it, from the record
    read back: its JSON and the indexed ``columns``, computed in Python (what SQL cannot
    compute alike on every engine: folded search words; text stored before records were
    NFC). A record is also given what this release's records always have (a submission's
    tracking code). A row that cannot be read back is left as it was, with a warning
    (``dialogue-flow check`` names it). Run by
    :func:`dialogue_flow.storage.sql.apply_migration`.

    ``columns`` are named, not taken from today's table: a later release's columns do not
    exist yet when this step runs on an old database.
    """

    kind: str
    columns: tuple[str, ...]


Step = CreateTable | CreateIndex | AddColumns | Fill | DropIndex | Rewrite


@attrs.frozen
class Migration:
    """One forward step of the schema, applied once, inside the opening transaction."""

    version: int
    description: str
    steps: tuple[Step, ...]


_ID = Column("id", "id", "PRIMARY KEY NOT NULL")
_VERSION = Column("version", "int", "NOT NULL CHECK (version >= 1)")
_RECORD = Column("record", "text", "NOT NULL")
#: The columns version 2 adds to submissions, and the record field each is read from.
_REPORT_COLUMNS = (("received_on", "date", "received_at"), ("topic", "text", "topic"),
                   ("channel", "text", "channel"), ("answer_mode", "text", "answer_mode"),
                   ("answered_on", "date", "answered_on"),
                   ("competent_level", "text", "competent_level"))

#: Every table of the current schema (version 1's; version 2 adds columns to submissions).
TABLES: Final = (
    # Records: the to_json text plus the columns queries filter on. SQLite rowid tables: a
    # record (1-3 KiB of JSON) fits a 4 KiB leaf without overflow pages.
    Table("dialogues", (_ID, _VERSION, Column("state", "text", "NOT NULL"),
                        Column("scheduled_for", "date", "NOT NULL"), _RECORD)),
    Table("submissions", (_ID, _VERSION, Column("state", "text", "NOT NULL"),
                          Column("dialogue_id", "text"), Column("department", "text"),
                          Column("due_date", "date"), _RECORD)),
    # The audit trail: one row per (kind, id, version), clustered the way it is read.
    Table("transitions", (Column("kind", "text", "NOT NULL"),
                          Column("record_id", "id", "NOT NULL"),
                          Column("version", "int", "NOT NULL"), _RECORD),
          primary_key=("kind", "record_id", "version"), clustered=True),
    # seq keeps commit order ("oldest first").
    Table("outbox", (Column("seq", "seq"), Column("key", "text", "NOT NULL UNIQUE"),
                     Column("status", "text", "NOT NULL DEFAULT 'pending' "
                            "CHECK (status IN ('pending', 'delivered', 'parked'))"),
                     Column("attempts", "int", "NOT NULL DEFAULT 0"),
                     Column("next_attempt_at", "instant"), Column("lease_owner", "text"),
                     Column("lease_until", "instant"), Column("last_error", "text"),
                     Column("notification", "text", "NOT NULL"))),
)

_ORGANISATION = Column("organisation_id", "id", "NOT NULL DEFAULT 'default'")
_SEARCH_TEXT = Column("search_text", "text")
_TRACKING_CODE = Column("tracking_code", "text")


#: Every schema change, oldest first.
MIGRATIONS: Final = (
    Migration(1, "dialogues, submissions, transitions and the outbox", (
        *(CreateTable(table) for table in TABLES),
        CreateIndex(Index("dialogues_by_state", "dialogues", ("state", "scheduled_for", "id"))),
        CreateIndex(Index("dialogues_by_date", "dialogues", ("scheduled_for", "id"))),
        # "due on or before X in states Y" and overdue_as_of. Every index ends with id, so
        # a page is chosen from the index alone (sorting ids, not records).
        CreateIndex(Index("submissions_by_state_due", "submissions", ("state", "due_date", "id"))),
        CreateIndex(Index("submissions_by_dialogue", "submissions", ("dialogue_id", "id"))),
        CreateIndex(Index("submissions_by_department", "submissions", ("department", "id"))),
        # Claims scan only the pending rows, oldest first; delivered rows leave the index.
        CreateIndex(Index("outbox_pending", "outbox", ("seq",), where="status = 'pending'")),
    )),
    Migration(2, "report facts: submissions' reception, answer and channel as columns", (
        AddColumns("submissions", tuple(Column(name, kind) for name, kind, _ in _REPORT_COLUMNS)),
        Fill("submissions", tuple((name, field) for name, _, field in _REPORT_COLUMNS)),
        # Covering: a report reads only this index, not the records' JSON.
        CreateIndex(Index("submissions_report", "submissions", (
            "received_on", "id", "state", "topic", "department", "competent_level", "channel",
            "answer_mode", "answered_on", "due_date", "dialogue_id"))),
        # Covering for the sweep: open matters due in a window, without their JSON.
        CreateIndex(Index("submissions_due", "submissions", (
            "due_date", "state", "id", "topic", "department", "competent_level", "dialogue_id"),
            where="due_date IS NOT NULL")),
    )),
    Migration(3, "organisations: their tree, and the organisation of every record", (
        CreateTable(Table("organisations", (_ID, _VERSION, Column("parent_id", "text"),
                                            Column("level", "text", "NOT NULL"), _RECORD))),
        CreateIndex(Index("organisations_by_parent", "organisations", ("parent_id", "id"))),
        # Every record written before belongs to the default organisation (the column's
        # default fills existing rows; the JSON without the field reads back the same).
        AddColumns("dialogues", (_ORGANISATION,)),
        AddColumns("submissions", (_ORGANISATION,)),
        CreateIndex(Index("dialogues_by_organisation", "dialogues", ("organisation_id", "id"))),
        CreateIndex(Index("submissions_by_organisation", "submissions",
                          ("organisation_id", "id"))),
        CreateIndex(Index("submissions_by_organisation_due", "submissions",
                          ("organisation_id", "state", "due_date", "id"))),
        # The covering indexes of version 2, with the organisation (the sweep's notices and
        # a report's open items name it).
        DropIndex("submissions_report"),
        CreateIndex(Index("submissions_report", "submissions", (
            "received_on", "id", "state", "topic", "department", "competent_level", "channel",
            "answer_mode", "answered_on", "due_date", "dialogue_id", "organisation_id"))),
        DropIndex("submissions_due"),
        CreateIndex(Index("submissions_due", "submissions", (
            "due_date", "state", "id", "topic", "department", "competent_level", "dialogue_id",
            "organisation_id"), where="due_date IS NOT NULL")),
        # Covering for an organisation's report (the whole store's uses submissions_report).
        CreateIndex(Index("submissions_report_by_organisation", "submissions", (
            "organisation_id", "received_on", "id", "state", "topic", "department",
            "competent_level", "channel", "answer_mode", "answered_on", "due_date",
            "dialogue_id"))),
        # A dashboard's page of open matters by due date (a province: ~15,000 at 2,000,000)
        # walks this in order and stops after 50 of its organisations' rows: 0.4 ms instead
        # of 20 ms sorting them all (benchmarks/national.py at 500,000). PostgreSQL only:
        # SQLite cannot match a partial index to a query whose states are parameters, and
        # pages fast enough without it.
        CreateIndex(Index("submissions_open_by_due", "submissions",
                          ("due_date", "id", "organisation_id"),
                          where="state IN ('received', 'assigned', 'escalated')",
                          dialects=("postgresql",))),
        # Every outbox row written before is the default organisation's, as its cause was.
        AddColumns("outbox", (_ORGANISATION,)),
        CreateIndex(Index("outbox_by_organisation", "outbox", ("organisation_id", "status"))),
    )),
    Migration(4, "citizen reception days; transferred matters and the petitioner's source "
              "as columns", (
        # Periodic citizen reception (tiếp công dân định kỳ, 215-KL/TW): one row per day an
        # organisation's head receives citizens.
        CreateTable(Table("reception_days", (
            _ID, _VERSION, Column("state", "text", "NOT NULL"),
            Column("scheduled_for", "date", "NOT NULL"),
            Column("organisation_id", "id", "NOT NULL"), _RECORD))),
        # An organisation's days of a month (the sweep's count against the minimum), and
        # every organisation's days of a window.
        CreateIndex(Index("reception_days_by_organisation", "reception_days",
                          ("organisation_id", "scheduled_for", "id"))),
        CreateIndex(Index("reception_days_by_date", "reception_days", ("scheduled_for", "id"))),
        # A matter escalated to another organisation of the store runs on the receiving
        # side's clock (issue 15): its due date is that matter's, and it is never due nor
        # overdue where it came from. Due-date filters leave out rows where this is set.
        AddColumns("submissions", (Column("transferred_to", "text"),)),
        Fill("submissions", (("transferred_to", "transferred_to"),)),
        # Who raised it: a named person, an anonymous one or a group (issue 16): a report
        # counts them apart. Every matter stored before had a named petitioner.
        AddColumns("submissions", (Column("source", "text", "NOT NULL DEFAULT 'person'"),)),
        # The sweep's covering index, without the transferred matters (the other side's
        # matter is swept); the report's, with the column (an escalated matter waiting on
        # another organisation is not overdue in a report).
        DropIndex("submissions_due"),
        CreateIndex(Index("submissions_due", "submissions", (
            "due_date", "state", "id", "topic", "department", "competent_level", "dialogue_id",
            "organisation_id"), where="due_date IS NOT NULL AND transferred_to IS NULL")),
        DropIndex("submissions_report"),
        CreateIndex(Index("submissions_report", "submissions", (
            "received_on", "id", "state", "topic", "department", "competent_level", "channel",
            "answer_mode", "answered_on", "due_date", "dialogue_id", "organisation_id",
            "transferred_to", "source"))),
        DropIndex("submissions_report_by_organisation"),
        CreateIndex(Index("submissions_report_by_organisation", "submissions", (
            "organisation_id", "received_on", "id", "state", "topic", "department",
            "competent_level", "channel", "answer_mode", "answered_on", "due_date",
            "dialogue_id", "transferred_to", "source"))),
    )),
    # Issue 16. Other steps of this round are appended to this migration's tuple.
    Migration(5, "issue 16: search words and tracking codes of submissions; who each "
              "notification reached", (
        # The folded words of topic and content (dialogue_flow._search), matched with LIKE
        # word by word; and the code petitioners quote (dialogue_flow._tracking).
        AddColumns("submissions", (_SEARCH_TEXT, _TRACKING_CODE)),
        # Every submission written again: its search words, a tracking code for those
        # received before codes existed, and its text columns in NFC (a topic stored
        # decomposed by an old release was a report group of its own).
        Rewrite("submission", (
            "state", "dialogue_id", "department", "due_date", "received_on", "topic",
            "channel", "answer_mode", "answered_on", "competent_level", "organisation_id",
            "transferred_to", "source", "search_text", "tracking_code")),
        CreateIndex(Index("submissions_by_tracking_code", "submissions", ("tracking_code",),
                          unique=True)),
        # Notifications that reach people (issue 16, item 1). A settled row (status
        # 'delivered') says in `outcome` whether anyone was reached: 'delivered', 'logged'
        # (recipients named, no channel reached one) or 'no_recipient'; NULL on the rows
        # settled before. `deliveries`: JSON of the recipients each channel reached, by
        # reference ("petitioner:phone"), never an address.
        AddColumns("outbox", (Column("outcome", "text"), Column("deliveries", "text"))),
    )),
    # Issue 17. Other steps of this round are appended to this migration's tuple.
    Migration(6, "issue 17: personal data, confidential petitions, attachments, "
              "housekeeping, moving stores, heartbeats", (
        # Every read of personal data through the library (Law 91/2025/QH15): who, when,
        # why, which records; ids only. One row per entry, its record ids as JSON; and one
        # per (record, entry) for "who read this record" (dialogue_flow._access_records).
        CreateTable(Table("access_log", (
            Column("seq", "seq"), Column("at", "instant", "NOT NULL"),
            Column("actor_id", "id", "NOT NULL"), Column("organisation_id", "id", "NOT NULL"),
            Column("purpose", "text", "NOT NULL"), Column("record_ids", "text", "NOT NULL")))),
        CreateIndex(Index("access_log_by_organisation", "access_log", ("organisation_id", "seq"))),
        CreateIndex(Index("access_log_by_actor", "access_log", ("actor_id", "seq"))),
        CreateTable(Table("access_log_records", (
            Column("record_id", "id", "NOT NULL"), Column("seq", "seq_ref", "NOT NULL")),
            primary_key=("record_id", "seq"), clustered=True)),
        # Requests about one petitioner (issue 17, part 1): each submission's petitioner's
        # phone numbers, e-mail addresses and name, each hashed to a 16-bit bucket
        # (dialogue_flow._petitioner_match: a bucket, not an identity), so a search reads
        # the candidates' records, not everybody's. Every submission is written again.
        AddColumns("submissions", (Column("petitioner_keys", "text"),)),
        Rewrite("submission", ("petitioner_keys",)),
        # Attachments (part 3): one row per file attached to a submission, its bytes in a
        # file store under file_key (dialogue_flow._files); the file's original name only in
        # the record's JSON, cleared by erasure. No two rows share a file.
        CreateTable(Table("attachments", (
            _ID, _VERSION, Column("submission_id", "id", "NOT NULL"),
            Column("organisation_id", "id", "NOT NULL"),
            Column("file_key", "text", "NOT NULL"), _RECORD))),
        CreateIndex(Index("attachments_by_submission", "attachments", ("submission_id", "id"))),
        CreateIndex(Index("attachments_by_file_key", "attachments", ("file_key",), unique=True)),
        # Housekeeping (part 4): the local day each outbox row was written, so settled rows
        # past the retention are found through an index; and the keys of the rows pruned,
        # so a notice pruned is never queued again (the sweep writes the key of a matter's
        # overdue notice on every run while the matter stays overdue).
        AddColumns("outbox", (Column("created_on", "date"),)),
        Fill("outbox", (("created_on", "created_at"),), source="notification"),
        CreateIndex(Index("outbox_settled", "outbox", ("created_on", "seq"),
                          where="status = 'delivered'")),
        CreateTable(Table("outbox_pruned", (Column("key", "text", "NOT NULL"),),
                          primary_key=("key",), clustered=True)),
        # Heartbeats (part 6): the latest finished run of each job (the sweep, a dispatcher)
        # and scope (the whole store "*", one organisation, or a digest of several), so
        # `dialogue-flow status` can say when each organisation was last swept.
        CreateTable(Table("heartbeats", (
            Column("job", "text", "NOT NULL"), Column("scope", "text", "NOT NULL"),
            Column("finished_at", "instant", "NOT NULL"), _RECORD),
            primary_key=("job", "scope"))),
    )),
    Migration(7, "issue 18: office documents and spreadsheets", (
        # Issued documents (dialogue_flow._document_records): every document numbered when
        # issued, per series (TB, CV, BC), issuing organisation and year (Hướng dẫn
        # 36-HD/VPTW), never reused; with the record it belongs to. ``issuer_id`` is the
        # organisation whose sequence gave the number (NULL for a document merged from
        # another store: its number belongs to a body whose sequence is not kept here);
        # ``revision`` counts a subject's issues (a reissue is the next one), so a reprint
        # raced by another finds the one issued instead of numbering a second.
        CreateTable(Table("documents", (
            Column("seq", "seq"), Column("organisation_id", "id", "NOT NULL"),
            Column("issuer_id", "id"), Column("series", "text", "NOT NULL"),
            Column("year", "int", "NOT NULL"), Column("number", "int", "NOT NULL"),
            Column("kind", "text", "NOT NULL"), Column("subject_kind", "text", "NOT NULL"),
            Column("subject_id", "id", "NOT NULL"), Column("revision", "int", "NOT NULL"),
            Column("issued_on", "date", "NOT NULL"), _RECORD))),
        CreateIndex(Index("documents_numbers", "documents",
                          ("issuer_id", "series", "year", "number"), unique=True)),
        CreateIndex(Index("documents_by_subject", "documents",
                          ("subject_id", "subject_kind", "kind", "organisation_id",
                           "issuer_id", "revision"), unique=True)),
        CreateIndex(Index("documents_by_organisation", "documents", ("organisation_id", "seq"))),
        # Imported registers (dialogue_flow._import): the key of every row an import added
        # (the register's own number with its year, or a digest of the row), per
        # organisation, with the submission made of it: a re-import skips those rows.
        CreateTable(Table("import_keys", (
            Column("organisation_id", "id", "NOT NULL"), Column("key", "id", "NOT NULL"),
            Column("submission_id", "id", "NOT NULL")),
            primary_key=("organisation_id", "key"), clustered=True)),
    )),
)

#: The schema version this release writes.
SCHEMA_VERSION: Final = MIGRATIONS[-1].version


def render(migration: Migration, dialect: Dialect, prefix: str = "",
           ) -> list[tuple[str, tuple[object, ...]]]:
    """``migration``'s statements for ``dialect``, as ``(sql, parameters)``; ``prefix`` is
    put before every table name (``'"schema".'`` on PostgreSQL)."""
    return [statement for step in migration.steps
            for statement in render_step(step, dialect, prefix)]


def render_step(step: Step, dialect: Dialect, prefix: str = "",
                ) -> list[tuple[str, tuple[object, ...]]]:
    """One step's statements (none for a :class:`Rewrite`, which runs in Python)."""
    statements: list[tuple[str, tuple[object, ...]]] = []
    if isinstance(step, CreateTable):
        statements.append((_create_table(step.table, dialect, prefix), ()))
    elif isinstance(step, CreateIndex):
        index = step.index
        if not index.dialects or dialect.name in index.dialects:
            where = f" WHERE {index.where}" if index.where else ""
            unique = "UNIQUE " if index.unique else ""
            create = (f"CREATE {unique}INDEX {index.name} ON {prefix}{index.table} "
                      f"({', '.join(index.columns)}){where}")
            statements.append((create, ()))
    elif isinstance(step, DropIndex):
        statements.append((f"DROP INDEX IF EXISTS {prefix}{step.name}", ()))
    elif isinstance(step, AddColumns):
        statements += [(f"ALTER TABLE {prefix}{step.table} ADD COLUMN {column.sql(dialect)}",
                        ()) for column in step.columns]
    elif isinstance(step, Fill):
        statements.append(_fill(step, dialect, prefix))
    return statements


def _create_table(table: Table, dialect: Dialect, prefix: str) -> str:
    parts = [column.sql(dialect) for column in table.columns]
    if table.primary_key:
        parts.append(f"PRIMARY KEY ({', '.join(table.primary_key)})")
    suffix = dialect.without_rowid if table.clustered else ""
    return f"CREATE TABLE {prefix}{table.name} ({', '.join(parts)}){suffix}"


def _fill(step: Fill, dialect: Dialect, prefix: str) -> tuple[str, tuple[object, ...]]:
    assignments, params = [], []
    for column, field in step.fields:
        value = dialect.json_field(step.source)
        if field.endswith("_at"):
            value = dialect.local_date(value)
        elif _column_type(step.table, column) == "date":
            value = f"CAST({value} AS {dialect.types['date']})"
        assignments.append(f"{column} = {value}")
        params.append(field)
    update = f"UPDATE {prefix}{step.table} SET {', '.join(assignments)}"  # noqa: S608
    return update, tuple(params)


def _column_type(table: str, column: str) -> str:
    for name, kind, _field in _REPORT_COLUMNS:
        if table == "submissions" and name == column:
            return kind
    return "text"
