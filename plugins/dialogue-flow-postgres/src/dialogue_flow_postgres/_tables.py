"""PostgresStorage's whole-store operations (issue 17), a mixin kept apart so each module
stays a size one can read: pruning the outbox."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from dialogue_flow.storage.sql import POSTGRESQL, PRUNE_BATCH, check_prune, prune_settled

from ._retry import Attempt, Connection, transaction

__all__ = ["PgTables"]


class PgTables:
    """``prune_outbox`` of PostgresStorage."""

    schema: str

    def _run(self, what: str, work: Callable[[Connection, Attempt], Any], *,
             resumable: bool = False) -> Any:
        raise NotImplementedError  # pragma: no cover - PostgresStorage's

    def prune_outbox(self, before: dt.date, limit: int = PRUNE_BATCH) -> int:
        check_prune(before, limit)
        prefix = f'"{self.schema}".'

        def work(conn: Connection, attempt: Attempt) -> int:
            with transaction(conn, attempt):
                return prune_settled(conn.execute, POSTGRESQL, prefix, before, limit)

        # Repeating it is harmless: the rows a lost attempt deleted are gone, their keys
        # kept; the repeat deletes the next ones.
        deleted: int = self._run("outbox prune", work, resumable=True)
        return deleted
