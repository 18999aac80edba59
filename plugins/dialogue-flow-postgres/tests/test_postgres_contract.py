"""PostgresStorage passes the storage contract every backend passes, unchanged."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from dialogue_flow_postgres import PostgresStorage

from dialogue_flow import Storage
from dialogue_flow.testing import StorageContract


class TestPostgresStorage(StorageContract):
    @pytest.fixture
    def storage(self, schema_url: str) -> Iterator[Storage]:
        with PostgresStorage.from_url(schema_url) as backend:
            yield backend


def test_postgres_storage_satisfies_the_protocol(schema_url: str) -> None:
    with PostgresStorage.from_url(schema_url) as backend:
        assert isinstance(backend, Storage)
