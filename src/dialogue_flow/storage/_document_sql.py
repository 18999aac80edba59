"""The SQL of issued documents (issue 18), shared by the SQLite backend and the PostgreSQL
plugin: :meth:`~dialogue_flow.storage.Storage.issue_document` and
:meth:`~dialogue_flow.storage.Storage.documents`.

Issuing runs inside the caller's transaction, in which no other issue of the same
organisation and series can run: SQLite has one writer at a time (``BEGIN IMMEDIATE``);
PostgreSQL takes a transaction-scoped advisory lock on (organisation, series) first
(:attr:`DocumentStatements.lock`). Inside it, the subject's latest document is read (a
reprint returns it), else the largest number of the series and year is read and the next
one inserted. The unique indexes (``documents_numbers``, ``documents_by_subject``) refuse
what slipped past anyway: a number given twice, two first issues of one subject.
"""

from __future__ import annotations

import sqlite3
import zlib
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from typing import Any

import attrs

from dialogue_flow._document_records import IssuedDocument, check_document, document_filters
from dialogue_flow._errors import InvalidInputError
from dialogue_flow._serialization import to_json

from . import decode_stored
from ._schema import SQLITE, Dialect

__all__ = ["DocumentStatements", "SQLiteDocuments", "check_issue", "issue_in"]

#: ``fetch(sql, parameters)`` -> rows (also runs a statement that returns none).
Fetch = Callable[[str, Sequence[object]], Sequence[Sequence[Any]]]

#: The first key of PostgreSQL's advisory lock of a document sequence ("docs").
_LOCK_CLASS = 0x646F6373


class DocumentStatements:
    """The statements of one backend: its dialect and table prefix (``'"schema".'`` on
    PostgreSQL, whose advisory lock :attr:`lock` is; ``None`` elsewhere)."""

    def __init__(self, dialect: Dialect, prefix: str = "") -> None:
        q = dialect.placeholder
        self.dialect = dialect
        self.prefix = prefix
        table = f"{prefix}documents"
        subject = (f"subject_id = {q} AND subject_kind = {q} AND kind = {q} "
                   f"AND organisation_id = {q}")
        #: The subject's latest document: of the organisation's own sequence first, else
        #: one merged from another store (a reprint keeps the number printed).
        self.latest = (f"SELECT record FROM {table} WHERE {subject} "  # noqa: S608
                       "ORDER BY CASE WHEN issuer_id IS NULL THEN 1 ELSE 0 END, seq DESC "
                       "LIMIT 1")
        self.revisions = f"SELECT max(revision) FROM {table} WHERE {subject}"  # noqa: S608
        self.last_number = (f"SELECT max(number) FROM {table} "  # noqa: S608
                            f"WHERE issuer_id = {q} AND series = {q} AND year = {q}")
        self.insert = (
            f"INSERT INTO {table} (organisation_id, issuer_id, series, year, number, "  # noqa: S608
            "kind, subject_kind, subject_id, revision, issued_on, record) "
            f"VALUES ({', '.join([q] * 11)})")
        self.lock = (f"SELECT pg_advisory_xact_lock({q}, {q})"
                     if dialect.name == "postgresql" else None)
        self._select = f"SELECT record FROM {table}"  # noqa: S608
        self._q = q

    def lock_keys(self, document: IssuedDocument) -> tuple[int, int]:
        """The advisory lock's keys: the organisation's sequences of one series (of every
        year: a reprint finds the subject's document whatever year it was issued in)."""
        value = zlib.crc32(f"{self.prefix}|{document.organisation_id}|{document.series}"
                           .encode())
        return _LOCK_CLASS, value - 2**32 if value >= 2**31 else value

    def select(self, organisation_id: str | None, subject_id: str | None,
               kind: str | None) -> tuple[str, list[object]]:
        """``(sql, parameters)`` of the records passing the filters, in issue order."""
        where: list[str] = []
        params: list[object] = []
        for column, value in (("organisation_id", organisation_id),
                              ("subject_id", subject_id), ("kind", kind)):
            if value is not None:
                where.append(f"{column} = {self._q}")
                params.append(value)
        condition = f" WHERE {' AND '.join(where)}" if where else ""
        return f"{self._select}{condition} ORDER BY seq", params

    def documents(self, fetch: Fetch, organisation_id: str | None = None,
                  subject_id: str | None = None, kind: str | None = None,
                  ) -> list[IssuedDocument]:
        """:meth:`Storage.documents <dialogue_flow.storage.Storage.documents>` through
        ``fetch``."""
        filters = document_filters(organisation_id, subject_id, kind)
        rows = fetch(*self.select(*filters))
        return [decode_stored(IssuedDocument, text) for (text,) in rows]


def issue_in(sql: DocumentStatements, fetch: Fetch, run: Fetch, document: IssuedDocument,
             reissue: bool) -> IssuedDocument:
    """Issue ``document`` inside the caller's transaction (module doc): ``fetch`` reads,
    ``run`` writes."""
    if sql.lock is not None:
        fetch(sql.lock, sql.lock_keys(document))
    subject = (document.subject_id, document.subject_kind, document.kind.value,
               document.organisation_id)
    if not reissue:
        found = fetch(sql.latest, subject)
        if found:
            return decode_stored(IssuedDocument, found[0][0])
    (revision,), = fetch(sql.revisions, subject)
    (last,), = fetch(sql.last_number, (document.organisation_id, document.series,
                                       document.year))
    issued = attrs.evolve(document, number=int(last or 0) + 1)
    run(sql.insert, (issued.organisation_id, issued.organisation_id, issued.series,
                     issued.year, issued.number, issued.kind.value, issued.subject_kind,
                     issued.subject_id, int(revision or 0) + 1,
                     sql.dialect.date_param(issued.issued_on), to_json(issued)))
    return issued


def check_issue(document: object, reissue: object) -> IssuedDocument:
    """The arguments of :meth:`~dialogue_flow.storage.Storage.issue_document`, checked."""
    if not isinstance(reissue, bool):
        raise InvalidInputError("reissue", "expected True or False")
    return check_document(document)


class SQLiteDocuments:
    """``issue_document`` and ``documents`` of :class:`~dialogue_flow.SQLiteStorage`, on
    its connection and lock."""

    _document_sql = DocumentStatements(SQLITE)

    def _transaction(self, what: str) -> AbstractContextManager[sqlite3.Connection]:
        raise NotImplementedError  # pragma: no cover - SQLiteStorage's

    def _query(self, sql: str, params: Sequence[object]) -> list[Any]:
        raise NotImplementedError  # pragma: no cover - SQLiteStorage's

    def issue_document(self, document: IssuedDocument, *,
                       reissue: bool = False) -> IssuedDocument:
        document = check_issue(document, reissue)
        with self._transaction("issue document") as conn:
            def fetch(statement: str, params: Sequence[object]) -> list[Any]:
                return conn.execute(statement, params).fetchall()

            return issue_in(self._document_sql, fetch, fetch, document, reissue)

    def documents(self, *, organisation_id: str | None = None, subject_id: str | None = None,
                  kind: str | None = None) -> list[IssuedDocument]:
        return self._document_sql.documents(self._query, organisation_id, subject_id, kind)
