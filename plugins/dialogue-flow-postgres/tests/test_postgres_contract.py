"""PostgresStorage passes the storage contract every backend passes, unchanged."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from dialogue_flow_postgres import PostgresStorage

from dialogue_flow.storage import ReportFacts, Storage
from dialogue_flow.testing import ReportFactsContract, StorageContract


class TestPostgresStorage(StorageContract, ReportFactsContract):
    @pytest.fixture
    def storage(self, schema_url: str) -> Iterator[Storage]:
        with PostgresStorage.from_url(schema_url) as backend:
            yield backend


def test_postgres_storage_satisfies_the_protocol(schema_url: str) -> None:
    """Both the contract and the optional report-facts capability, method for method."""
    with PostgresStorage.from_url(schema_url) as backend:
        assert isinstance(backend, Storage)
        assert isinstance(backend, ReportFacts)
    for name in ("report_facts", "due_facts", "report_inputs"):
        assert callable(getattr(PostgresStorage, name))
