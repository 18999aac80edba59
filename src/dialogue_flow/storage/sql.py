"""The SQL both SQL backends share: schema and migrations as data, queries, report and sweep SQL.

SQLite (built in) and PostgreSQL (the ``dialogue-flow-postgres`` plugin) store the same
tables: each record as its ``to_json`` text beside the indexed columns queries filter on,
the audit trail, and the outbox. What differs between them is small and lives in a
:class:`Dialect`: the placeholder, a few column types, how to read a field out of the
record's JSON, whether dates come back as text. Everything else is here, once:

- :data:`TABLES` and :data:`MIGRATIONS`: the schema as data. :func:`render` turns a
  migration into one backend's statements; each backend runs the missing ones inside its
  own transaction and lock (:func:`missing_migrations`). Never edit a released step:
  append a new one. Version 2 adds the report columns; a PostgreSQL schema created before
  the plugin used this module is at version 1 and gets them when it is next opened.
- :class:`Statements`: every statement on records, the audit trail and the outbox that
  does not depend on how a backend locks, with the schema's name filled in once.
- the ``WHERE`` of the façade's queries (:meth:`Statements.find_submissions`), and the
  report and sweep SQL with their row mapping (:meth:`Statements.report_inputs` ...), so
  neither backend loads records for a report or a sweep.

Transactions, locking, outbox claims and retries stay in each backend.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import Callable, Sequence
from typing import Any, Final

import attrs

from dialogue_flow._attachment_records import Attachment
from dialogue_flow._clock import VIETNAM_TZ
from dialogue_flow._errors import ConfigurationError, InvalidInputError
from dialogue_flow._petitioner_match import petitioner_keys
from dialogue_flow._reception_records import ReceptionDay
from dialogue_flow._records import Dialogue, Organisation, Submission
from dialogue_flow._search import like_patterns, search_text
from dialogue_flow._serialization import from_dict, to_json
from dialogue_flow._tracking import new_tracking_code
from dialogue_flow.storage import (
    DialogueQuery,
    OutboxStatus,
    ReceptionQuery,
    StoredRecord,
    SubmissionCount,
    SubmissionQuery,
    decode_stored,
)
from dialogue_flow.storage._attachment_sql import AttachmentStatements, SQLAttachments
from dialogue_flow.storage._import_sql import (
    ImportKeyStatements,
    SQLImportKeys,
    check_import_lookup,
    key_conflict,
)
from dialogue_flow.storage._prune import PRUNE_BATCH, check_prune, outbox_values, prune_settled
from dialogue_flow.storage._report_sql import (
    _OPEN_WITH_CLOCK,
    PAGE,
    Fetch,
    ReportStatements,
)
from dialogue_flow.storage._schema import (
    MIGRATIONS,
    POSTGRESQL,
    SCHEMA_VERSION,
    SQLITE,
    TABLES,
    AddColumns,
    Column,
    CreateIndex,
    CreateTable,
    Dialect,
    Fill,
    Index,
    Migration,
    Rewrite,
    Table,
    render,
    render_step,
)
from dialogue_flow.storage._tables import (
    TableSession,
    TableShape,
    TableStore,
    TableSum,
    schema_tables,
    table_sum,
)

__all__ = [
    "MIGRATIONS",
    "POSTGRESQL",
    "PRUNE_BATCH",
    "SCHEMA_VERSION",
    "SQLITE",
    "TABLES",
    "AddColumns",
    "AttachmentStatements",
    "Column",
    "CreateIndex",
    "CreateTable",
    "Dialect",
    "Fetch",
    "Fill",
    "ImportKeyStatements",
    "Index",
    "Migration",
    "Rewrite",
    "SQLAttachments",
    "SQLImportKeys",
    "Statements",
    "Table",
    "TableSession",
    "TableShape",
    "TableStore",
    "TableSum",
    "apply_migration",
    "check_import_lookup",
    "check_prune",
    "check_schema_version",
    "check_store_exists",
    "indexed_values",
    "key_conflict",
    "missing_migrations",
    "outbox_values",
    "prune_settled",
    "render",
    "schema_tables",
    "table_sum",
]

# --- migrations -------------------------------------------------------------------------------

# Here, not in _schema: they read this module's MIGRATIONS and SCHEMA_VERSION, which tests
# (and a host trying a migration of its own) may replace.
def missing_migrations(current: int) -> tuple[Migration, ...]:
    """The steps a schema at version ``current`` still needs, oldest first."""
    return tuple(step for step in MIGRATIONS if step.version > current)


def check_schema_version(current: int, where: str) -> None:
    """Refuse a schema written by a newer release (``where`` names the database)."""
    if current > SCHEMA_VERSION:
        raise ConfigurationError(
            f"{where} has schema version {current}, but this release of dialogue_flow knows "
            f"versions up to {SCHEMA_VERSION}: it was written by a newer release; upgrade "
            "dialogue_flow to use it")


def check_store_exists(current: int, where: str, *, create: bool) -> None:
    """Refuse to create a store where none is (schema version 0) unless ``create``: a
    typo in a storage URL must not make an empty store that reports all zeros (issue 16).
    """
    if current == 0 and not create:
        raise ConfigurationError(
            f"{where} holds no dialogue_flow store; create one with `dialogue-flow init` "
            "(DialogueFlow.open(url, create=True) in code), or check the storage URL")


#: ``execute(sql, parameters)`` -> a cursor (``fetchall``); ``execute_many(sql, rows)``.
Execute = Callable[[str, Sequence[object]], Any]
ExecuteMany = Callable[[str, Sequence[Sequence[object]]], Any]

logger = logging.getLogger("dialogue_flow.storage")


def apply_migration(migration: Migration, dialect: Dialect, execute: Execute,
                    execute_many: ExecuteMany, prefix: str = "") -> None:
    """Run ``migration``'s steps in order inside the caller's transaction: the statements
    of :func:`render_step`, and each :class:`Rewrite` in Python (``prefix`` as for
    :func:`render`)."""
    for step in migration.steps:
        if isinstance(step, Rewrite):
            _rewrite(step, dialect, execute, execute_many, prefix)
        for statement, params in render_step(step, dialect, prefix):
            execute(statement, params)


_CLASSES: Final[dict[str, type[Any]]] = {
    cls.KIND: cls for cls in (Dialogue, Submission, Organisation, ReceptionDay)}


def _rewrite(step: Rewrite, dialect: Dialect, execute: Execute, execute_many: ExecuteMany,
             prefix: str) -> None:
    """Every row of ``step.kind`` written again from its record read back, a page at a
    time (see :class:`Rewrite`). Only the columns whose value changes are written: an
    index is rewritten only for a row it holds differently (100,000 submissions: 21 s
    writing every column, which rewrote every index of every row, against 6 s)."""
    q = dialect.placeholder
    table, all_columns = RECORD_TABLES[step.kind]
    positions = [all_columns.index(column) for column in step.columns]
    select = (f"SELECT id, record, {', '.join(step.columns)} FROM {prefix}{table} "  # noqa: S608
              f"WHERE id > {q} ORDER BY id LIMIT {PAGE}")
    after = ""
    while rows := execute(select, (after,)).fetchall():
        changes: dict[tuple[str, ...], list[tuple[object, ...]]] = {}
        for record_id, text, *stored in rows:
            try:
                record = _upgraded(_CLASSES[step.kind], text)
            except ValueError as exc:  # InvalidInputError too; never the data itself
                logger.warning("left as it was by the schema upgrade: %s %s cannot be read "
                               "back: %s", step.kind, record_id, exc)
                continue
            values = indexed_values(record, dialect)
            changed = [(column, values[i]) for column, i, old in
                       zip(step.columns, positions, stored, strict=True) if values[i] != old]
            changes.setdefault(tuple(c for c, _ in changed), []).append(
                (to_json(record), *(value for _, value in changed), record_id))
        for columns, writes in changes.items():
            update = (f"UPDATE {prefix}{table} SET record = {q}"  # noqa: S608
                      f"{''.join(f', {c} = {q}' for c in columns)} WHERE id = {q}")
            execute_many(update, writes)
        after = rows[-1][0]
    if "tracking_code" in step.columns:
        _unique_codes(dialect, execute, prefix, table)


def _upgraded(cls: type[Any], text: str) -> StoredRecord:
    """The record stored as ``text``, with what every record of this release has (a
    submission's tracking code), built once (its validators are most of an upgrade's time).

    :raises ValueError: the text is not a record (not JSON, or a field refused).
    """
    data = json.loads(text)
    if not isinstance(data, dict):
        raise InvalidInputError(cls.__name__, "not a JSON object")
    if cls is Submission and data.get("tracking_code") is None:
        data["tracking_code"] = new_tracking_code()
    record: StoredRecord = from_dict(cls, data)
    return record


def _unique_codes(dialect: Dialect, execute: Execute, prefix: str, table: str) -> None:
    """Draw again the codes the rewrite gave twice (at two million submissions, about one
    migration in thirteen draws one code twice), so the unique index can be built."""
    q = dialect.placeholder
    repeated = (f"SELECT tracking_code FROM {prefix}{table} "  # noqa: S608
                "WHERE tracking_code IS NOT NULL GROUP BY tracking_code HAVING count(*) > 1")
    holders = (f"SELECT id, record FROM {prefix}{table} "  # noqa: S608
               f"WHERE tracking_code = {q} ORDER BY id")
    taken = f"SELECT 1 FROM {prefix}{table} WHERE tracking_code = {q}"  # noqa: S608
    update = (f"UPDATE {prefix}{table} SET record = {q}, tracking_code = {q} "  # noqa: S608
              f"WHERE id = {q}")
    while codes := execute(repeated, ()).fetchall():
        for (code,) in codes:
            for record_id, text in execute(holders, (code,)).fetchall()[1:]:
                fresh = new_tracking_code()
                while execute(taken, (fresh,)).fetchall():
                    fresh = new_tracking_code()
                record = attrs.evolve(decode_stored(Submission, text, record_id),
                                      tracking_code=fresh)
                execute(update, (to_json(record), fresh, record_id))


# --- records and their indexed columns ---------------------------------------------------------

#: kind -> (table, the indexed columns beside id and version, in indexed_values() order).
RECORD_TABLES: Final = {
    Dialogue.KIND: ("dialogues", ("state", "scheduled_for", "organisation_id")),
    Submission.KIND: ("submissions", ("state", "dialogue_id", "department", "due_date",
                                      "received_on", "topic", "channel", "answer_mode",
                                      "answered_on", "competent_level", "organisation_id",
                                      "transferred_to", "source", "search_text",
                                      "tracking_code", "petitioner_keys")),
    Organisation.KIND: ("organisations", ("parent_id", "level")),
    ReceptionDay.KIND: ("reception_days", ("state", "scheduled_for", "organisation_id")),
    Attachment.KIND: ("attachments", ("submission_id", "organisation_id", "file_key")),
}


def indexed_values(record: StoredRecord, dialect: Dialect) -> tuple[object, ...]:
    """The values of ``record``'s indexed columns (:data:`RECORD_TABLES` order).

    A submission's are the columns of its :class:`SubmissionFacts`, its folded words
    (:func:`dialogue_flow._search.search_text`), its tracking code and its petitioner's
    buckets (:func:`dialogue_flow._petitioner_match.petitioner_keys`).
    """
    day = dialect.date_param
    if isinstance(record, Submission):
        return (record.state.value, record.dialogue_id, record.department,
                None if record.due is None else day(record.due.date),
                day(record.received_at.astimezone(VIETNAM_TZ).date()), record.topic,
                record.channel.value,
                None if record.answer_mode is None else record.answer_mode.value,
                None if record.answered_on is None else day(record.answered_on),
                record.competent_level, record.organisation_id, record.transferred_to,
                record.petitioner.source, search_text(record.topic, record.content),
                record.tracking_code, petitioner_keys(record.petitioner))
    if isinstance(record, (Dialogue, ReceptionDay)):
        return (record.state.value, day(record.scheduled_for), record.organisation_id)
    if isinstance(record, Organisation):
        return (record.parent_id, record.level)
    if isinstance(record, Attachment):
        return (record.submission_id, record.organisation_id, record.file_key)
    raise InvalidInputError("records", "expected a Dialogue, a Submission, a ReceptionDay or an "
                            f"Organisation, got {record!r}")


#: An outbox row's :class:`OutboxStatus`: a settled row (status ``delivered``) says in
#: ``outcome`` whether anyone was reached (``NULL``: settled before schema version 5).
_STATUS: Final = ("CASE WHEN status = 'delivered' AND outcome IS NOT NULL THEN outcome "
                  "ELSE status END")


class Statements(ReportStatements):
    """The shared statements of one backend, with its dialect and table prefix filled in.

    Table and column names come from the data above, never from input.
    """

    def __init__(self, dialect: Dialect, prefix: str = "") -> None:
        self.dialect = dialect
        self.prefix = p = prefix
        q = dialect.placeholder
        self.get: dict[str, str] = {}
        self.version_of: dict[str, str] = {}
        self.guard: dict[str, str] = {}
        self.insert: dict[str, str] = {}
        self.update: dict[str, str] = {}
        for kind, (table, columns) in RECORD_TABLES.items():
            self.get[kind] = f"SELECT record FROM {p}{table} WHERE id = {q}"  # noqa: S608
            self.version_of[kind] = f"SELECT version FROM {p}{table} WHERE id = {q}"  # noqa: S608
            self.guard[kind] = self.version_of[kind] + dialect.lock_shared
            self.insert[kind] = (
                f"INSERT INTO {p}{table} (id, version, record, {', '.join(columns)}) "  # noqa: S608
                f"VALUES ({', '.join([q] * (3 + len(columns)))}) ON CONFLICT (id) DO NOTHING")
            # Compare-and-set: the row count says whether the expected version was there.
            self.update[kind] = (
                f"UPDATE {p}{table} SET version = {q}, record = {q}, "  # noqa: S608
                f"{', '.join(f'{c} = {q}' for c in columns)} WHERE id = {q} AND version = {q}")
        #: The submission holding a tracking code (the column's unique index finds it).
        self.by_code = f"SELECT id, record FROM {p}submissions WHERE tracking_code = {q}"  # noqa: S608
        #: Taken before a :class:`~dialogue_flow.storage.SubmissionCount` is counted.
        self.lock_dialogue = self.version_of["dialogue"] + dialect.lock_exclusive
        self.insert_transition = (f"INSERT INTO {p}transitions "  # noqa: S608
                                  f"(kind, record_id, version, record) VALUES ({q}, {q}, {q}, {q})")
        #: A key already in the outbox, or pruned from it (``outbox_pruned``), is skipped
        #: and changes no row. Parameters: :func:`outbox_values`.
        self.insert_outbox = (
            f"INSERT INTO {p}outbox (key, notification, organisation_id, created_on) "  # noqa: S608
            f"SELECT {q}, {q}, {q}, {q} WHERE NOT EXISTS (SELECT 1 FROM {p}outbox_pruned "
            f"WHERE key = {q}) ON CONFLICT (key) DO NOTHING")
        self.history = (f"SELECT record FROM {p}transitions "  # noqa: S608
                        f"WHERE kind = {q} AND record_id = {q} ORDER BY version")
        self.pending = (f"SELECT notification FROM {p}outbox "  # noqa: S608
                        "WHERE status = 'pending' ORDER BY seq")
        self.outbox_status = f"SELECT status FROM {p}outbox WHERE key = {q}"  # noqa: S608
        self.organisations = f"SELECT id, record FROM {p}organisations ORDER BY id"  # noqa: S608
        # The stored root and everything under it (nothing when the root is not stored).
        # UNION, not UNION ALL: a circle a corrupted store might hold ends the recursion.
        self.organisation_subtree = (
            f"WITH RECURSIVE below(id) AS (SELECT id FROM {p}organisations "  # noqa: S608
            f"WHERE id = {q} UNION SELECT o.id FROM {p}organisations o "
            "JOIN below ON o.parent_id = below.id) SELECT id FROM below")

    # --- the façade's queries ----------------------------------------------------------------

    def _submission_filters(self, query: SubmissionQuery) -> tuple[list[str], list[object]]:
        """The ``WHERE`` conditions and parameters of every filter of ``query``."""
        q, day = self.dialect.placeholder, self.dialect.date_param
        where: list[str] = []
        params: list[object] = []
        self.organisations_filter(query.organisations, where, params)
        if query.dialogue_id is not None:
            where.append(f"dialogue_id = {q}")
            params.append(query.dialogue_id)
        if query.states is not None:
            states = sorted(s.value for s in query.states)
            where.append(self._in("state", states))
            params += states
        if query.department is not None:
            where.append(f"department = {q}")
            params.append(query.department)
        if query.due_on_or_before is not None:
            where.append(f"due_date <= {q}")
            params.append(day(query.due_on_or_before))
        if query.due_on_or_after is not None:
            where.append(f"due_date >= {q}")
            params.append(day(query.due_on_or_after))
        if query.overdue_as_of is not None:
            where.append(f"{self._in('state', _OPEN_WITH_CLOCK)} AND due_date < {q}")
            params += [*_OPEN_WITH_CLOCK, day(query.overdue_as_of)]
        if query.by_due:  # a transferred matter's due date is the receiving side's
            where.append("transferred_to IS NULL")
        self._like_filters(query, where, params)
        return where, params

    def _like_filters(self, query: SubmissionQuery, where: list[str],
                      params: list[object]) -> None:
        """Append the conditions of ``query``'s search words and petitioner bucket."""
        q = self.dialect.placeholder
        if query.terms:  # word by word over the folded words (dialogue_flow._search)
            for pattern in like_patterns(query.terms):
                where.append(f"search_text LIKE {q}")
                params.append(pattern)
        if query.petitioner_key is not None:  # one bucket among the column's
            where.append(f"petitioner_keys LIKE {q}")
            params.append(f"% {query.petitioner_key} %")

    def find_submissions(self, query: SubmissionQuery) -> tuple[str, list[object]]:
        """The page of ``query``: ``(sql, parameters)`` selecting ``(id, record, cursor)``
        rows in the query's order."""
        where, params = self._submission_filters(query)
        if query.order_by == "id":
            return self._page("submissions", where, params, query.after, query.limit)
        if query.order_by == "received":
            return self._received_page(where, params, query)
        return self._due_page(where, params, query)

    def count_query(self, query: SubmissionQuery) -> tuple[str, list[object]]:
        """``(sql, parameters)`` counting what ``query`` filters (paging ignored)."""
        where, params = self._submission_filters(query)
        condition = " AND ".join(where) if where else "1 = 1"
        return (f"SELECT count(*) FROM {self.prefix}submissions WHERE {condition}",  # noqa: S608
                params)

    def _due_page(self, where: list[str], params: list[object], query: SubmissionQuery,
                  ) -> tuple[str, list[object]]:
        """A page ordered by due date then id, those without one last."""
        q = self.dialect.placeholder
        key = query.after_key()
        if key and key[0] == "0":
            where = [*where, (f"(due_date IS NULL OR due_date > {q} "
                             f"OR (due_date = {q} AND id > {q}))")]
            day = self.dialect.date_param(dt.date.fromisoformat(key[1]))
            params = [*params, day, day, key[2]]
        elif key:
            where = [*where, f"due_date IS NULL AND id > {q}"]
            params = [*params, key[2]]
        condition = " AND ".join(where) if where else "1 = 1"
        table = self.prefix + "submissions"
        order = self.dialect.due_order
        cursor = f"COALESCE({self.dialect.date_text('due_date')}, '-') || '/' || id"
        # As in _page: the page's ids from an index first (a province's dashboard orders its
        # ~15,000 open matters at 2,000,000), then only their 50 records.
        return ((f"SELECT id, record, {cursor} FROM {table} WHERE id IN ("  # noqa: S608
                 f"SELECT id FROM {table} WHERE {condition} ORDER BY {order} LIMIT {q}) "
                 f"ORDER BY {order}"), [*params, query.limit])

    def _received_page(self, where: list[str], params: list[object], query: SubmissionQuery,
                       ) -> tuple[str, list[object]]:
        """A page of the most recently received first: by the day of receipt, then id,
        both descending (walked backwards on the report indexes, which begin with them)."""
        q = self.dialect.placeholder
        if query.after is not None:
            day, _, sid = query.after.partition("/")
            where = [*where, f"(received_on < {q} OR (received_on = {q} AND id < {q}))"]
            value = self.dialect.date_param(dt.date.fromisoformat(day))
            params = [*params, value, value, sid]
        condition = " AND ".join(where) if where else "1 = 1"
        table = self.prefix + "submissions"
        order = "received_on DESC, id DESC"
        cursor = f"{self.dialect.date_text('received_on')} || '/' || id"
        return ((f"SELECT id, record, {cursor} FROM {table} WHERE id IN ("  # noqa: S608
                 f"SELECT id FROM {table} WHERE {condition} ORDER BY {order} LIMIT {q}) "
                 f"ORDER BY {order}"), [*params, query.limit])

    def organisations_filter(self, organisations: frozenset[str] | None, where: list[str],
                             params: list[object]) -> None:
        """Append the condition "of these organisations" (none when ``None``) and its
        parameters."""
        if organisations is not None:
            ids = sorted(organisations)
            where.append(self._in("organisation_id", ids))
            params += ids

    def outbox_stats(self, organisations: frozenset[str] | None,
                     ) -> tuple[str, list[object]]:
        """``(sql, parameters)``: ``(status, count)`` rows of the outbox, of ``organisations``
        only when given; a settled row counts under its ``outcome`` (:class:`OutboxStatus`
        values)."""
        where: list[str] = []
        params: list[object] = []
        self.organisations_filter(organisations, where, params)
        condition = f"WHERE {' AND '.join(where)} " if where else ""
        text = (f"SELECT {_STATUS}, count(*) FROM {self.prefix}outbox "  # noqa: S608
                f"{condition}GROUP BY 1")
        return text, params

    def outbox_entries(self, status: OutboxStatus, limit: int,
                       organisations: frozenset[str] | None) -> tuple[str, list[object]]:
        """``(sql, parameters)``: up to ``limit`` rows of ``status``, newest first, as
        ``(attempts, next_attempt_at, lease_owner, lease_until, last_error, deliveries,
        notification)``."""
        q = self.dialect.placeholder
        where = [f"{_STATUS} = {q}"]
        params: list[object] = [status.value]
        self.organisations_filter(organisations, where, params)
        text = (f"SELECT attempts, next_attempt_at, lease_owner, lease_until, "  # noqa: S608
                f"last_error, deliveries, notification FROM {self.prefix}outbox "
                f"WHERE {' AND '.join(where)} ORDER BY seq DESC LIMIT {q}")
        return text, [*params, limit]

    def parked(self, limit: int, organisations: frozenset[str] | None,
               ) -> tuple[str, list[object]]:
        """``(sql, parameters)``: up to ``limit`` parked rows, oldest first, as
        ``(attempts, next_attempt_at, lease_owner, last_error, notification)``."""
        where = ["status = 'parked'"]
        params: list[object] = []
        self.organisations_filter(organisations, where, params)
        text = (f"SELECT attempts, next_attempt_at, lease_owner, last_error, "  # noqa: S608
                f"notification FROM {self.prefix}outbox WHERE {' AND '.join(where)} "
                f"ORDER BY seq LIMIT {self.dialect.placeholder}")
        return text, [*params, limit]

    def count_guard(self, guard: SubmissionCount) -> tuple[str, list[object]]:
        """``(sql, parameters)`` counting what ``guard`` counts (one row, one column)."""
        q = self.dialect.placeholder
        where = [f"dialogue_id = {q}"]
        params: list[object] = [guard.dialogue_id]
        if guard.states:
            states = sorted(guard.states)
            where.append(self._in("state", states))
            params += states
        if guard.excluding:
            excluded = sorted(guard.excluding)
            where.append(f"NOT ({self._in('id', excluded)})")
            params += excluded
        text = f"SELECT count(*) FROM {self.prefix}submissions WHERE {' AND '.join(where)}"  # noqa: S608
        return text, params

    def find_dialogues(self, query: DialogueQuery) -> tuple[str, list[object]]:
        """As :meth:`find_submissions`, for dialogues."""
        return self._scheduled("dialogues", query)

    def find_reception_days(self, query: ReceptionQuery) -> tuple[str, list[object]]:
        """As :meth:`find_submissions`, for citizen reception days."""
        return self._scheduled("reception_days", query)

    def _scheduled(self, table: str, query: DialogueQuery | ReceptionQuery,
                   ) -> tuple[str, list[object]]:
        """A page of records with a state, a scheduled day and an organisation."""
        q, day = self.dialect.placeholder, self.dialect.date_param
        where: list[str] = []
        params: list[object] = []
        self.organisations_filter(query.organisations, where, params)
        if query.states is not None:
            states = sorted(s.value for s in query.states)
            where.append(self._in("state", states))
            params += states
        if query.scheduled_from is not None:
            where.append(f"scheduled_for >= {q}")
            params.append(day(query.scheduled_from))
        if query.scheduled_to is not None:
            where.append(f"scheduled_for <= {q}")
            params.append(day(query.scheduled_to))
        return self._page(table, where, params, query.after, query.limit)

    def _page(self, table: str, where: list[str], params: list[object], after: str | None,
              limit: int) -> tuple[str, list[object]]:
        q = self.dialect.placeholder
        if after is not None:
            where = [*where, f"id > {q}"]
            params = [*params, after]
        condition = " AND ".join(where) if where else "1 = 1"
        # Pick the page's ids from an index first, then read only those records: a sweep
        # paging through 50,000 overdue matters sorts ids, not 50,000 JSON documents.
        table = self.prefix + table
        select = (f"SELECT id, record, id FROM {table} WHERE id IN (SELECT id FROM {table} "  # noqa: S608
                  f"WHERE {condition} ORDER BY id LIMIT {q}) ORDER BY id")
        return select, [*params, limit]
