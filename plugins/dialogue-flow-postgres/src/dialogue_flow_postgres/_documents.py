"""The PostgreSQL backend's issued documents (issue 18), a mixin of :class:`PostgresStorage`
kept apart so each module stays a size one can read; the statements are the shared ones of
``dialogue_flow.storage._document_sql``.

Issuing is one transaction that first takes an advisory lock on the organisation's
sequence of the series (``pg_advisory_xact_lock``, released at COMMIT or ROLLBACK): issues
of one sequence, from any connection or process, run one after the other, each reading the
number the one before it committed (READ COMMITTED reads the latest committed rows at
every statement). A first issue (not a reissue) is repeated even after an unknown outcome:
the repeat finds the document the lost attempt issued, if it did, and returns it.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from dialogue_flow.storage import IssuedDocument
from dialogue_flow.storage._document_sql import DocumentStatements, check_issue, issue_in
from dialogue_flow.storage.sql import POSTGRESQL

from ._retry import Attempt, Connection, transaction

__all__ = ["PgDocuments"]

_T = TypeVar("_T")


class PgDocuments:
    """``issue_document`` and ``documents`` on the storage's pool."""

    schema: str

    def _run(self, what: str, work: Callable[[Connection, Attempt], _T], *,
             resumable: bool = False) -> _T:
        raise NotImplementedError  # pragma: no cover - PostgresStorage's

    def _read(self, what: str, statement: str, params: Sequence[object]) -> list[Any]:
        raise NotImplementedError  # pragma: no cover - PostgresStorage's

    @functools.cached_property
    def _document_sql(self) -> DocumentStatements:
        return DocumentStatements(POSTGRESQL, f'"{self.schema}".')

    def issue_document(self, document: IssuedDocument, *,
                       reissue: bool = False) -> IssuedDocument:
        document = check_issue(document, reissue)
        sql = self._document_sql

        def work(conn: Connection, attempt: Attempt) -> IssuedDocument:
            with transaction(conn, attempt), conn.cursor() as cur:
                def fetch(statement: str, params: Sequence[object]) -> list[Any]:
                    return cur.execute(statement, params).fetchall()

                def run(statement: str, params: Sequence[object]) -> list[Any]:
                    cur.execute(statement, params)
                    return []

                return issue_in(sql, fetch, run, document, reissue)

        return self._run("issue document", work, resumable=not reissue)

    def documents(self, *, organisation_id: str | None = None, subject_id: str | None = None,
                  kind: str | None = None) -> list[IssuedDocument]:
        sql = self._document_sql

        def fetch(statement: str, params: Sequence[object]) -> list[Any]:
            return self._read("documents", statement, params)

        return sql.documents(fetch, organisation_id, subject_id, kind)
