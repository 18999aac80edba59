"""The attachment reads both SQL backends share (issue 17, part 3): a mixin, so each
backend keeps only how it runs a read. Attachments are written by ``commit`` like every
record (:data:`~dialogue_flow.storage.sql.RECORD_TABLES`)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from dialogue_flow._attachment_records import Attachment
from dialogue_flow._errors import NotFoundError
from dialogue_flow.storage import check_limit, decode_stored
from dialogue_flow.storage._schema import SQLITE, Dialect

__all__ = ["AttachmentStatements", "SQLAttachments", "SQLiteAttachments"]


class AttachmentStatements:
    """The statements reading the ``attachments`` table, with a dialect and a table prefix
    (``'"schema".'`` on PostgreSQL) filled in."""

    def __init__(self, dialect: Dialect, prefix: str = "") -> None:
        q = dialect.placeholder
        table = f"{prefix}attachments"
        self.get = f"SELECT record FROM {table} WHERE id = {q}"  # noqa: S608
        self.by_file_key = f"SELECT id, record FROM {table} WHERE file_key = {q}"  # noqa: S608
        self._select = f"SELECT id, record FROM {table}"  # noqa: S608
        self._q = q

    def page(self, submission_id: str | None, after: str | None,
             limit: int) -> tuple[str, list[object]]:
        """``(sql, parameters)`` of one page of ``(id, record)`` rows, by id."""
        where: list[str] = []
        params: list[object] = []
        if submission_id is not None:
            where.append(f"submission_id = {self._q}")
            params.append(submission_id)
        if after is not None:
            where.append(f"id > {self._q}")
            params.append(after)
        condition = f" WHERE {' AND '.join(where)}" if where else ""
        return (f"{self._select}{condition} ORDER BY id LIMIT {self._q}",
                [*params, limit])


class SQLAttachments:
    """:meth:`get_attachment`, :meth:`get_attachment_by_file_key` and
    :meth:`find_attachments` of the storage contract, for
    a backend that sets ``_attachment_sql`` and reads with ``_attachment_rows``."""

    _attachment_sql: AttachmentStatements

    def _attachment_rows(self, statement: str, params: Sequence[object]) -> list[Any]:
        raise NotImplementedError  # pragma: no cover - every backend defines it

    def get_attachment(self, attachment_id: str) -> Attachment:
        """The current record of one attachment. :raises NotFoundError:"""
        rows = self._attachment_rows(self._attachment_sql.get, (attachment_id,))
        if not rows:
            raise NotFoundError(Attachment.KIND, attachment_id)
        return decode_stored(Attachment, rows[0][0], attachment_id)

    def get_attachment_by_file_key(self, file_key: str) -> Attachment:
        """The attachment whose file is ``file_key`` (the unique index finds it).
        :raises NotFoundError:"""
        rows = self._attachment_rows(self._attachment_sql.by_file_key, (file_key,))
        if not rows:
            raise NotFoundError(Attachment.KIND, file_key)
        record_id, text = rows[0]
        return decode_stored(Attachment, text, record_id)

    def find_attachments(self, submission_id: str | None = None, *, after: str | None = None,
                         limit: int = 1000) -> list[Attachment]:
        """At most ``limit`` attachments by id (of one submission when given)."""
        check_limit(limit)
        rows = self._attachment_rows(*self._attachment_sql.page(submission_id, after, limit))
        return [decode_stored(Attachment, text, record_id) for record_id, text in rows]


class SQLiteAttachments(SQLAttachments):
    """The attachment reads of :class:`~dialogue_flow.SQLiteStorage` (its ``_query``)."""

    _attachment_sql = AttachmentStatements(SQLITE)

    def _query(self, sql: str, params: Sequence[object]) -> list[Any]:
        raise NotImplementedError  # pragma: no cover - SQLiteStorage defines it

    def _attachment_rows(self, statement: str, params: Sequence[object]) -> list[Any]:
        return self._query(statement, params)
