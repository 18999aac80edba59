"""A PostgreSQL server for the plugin's tests, and a fresh schema per test.

``DIALOGUE_FLOW_PG_URL`` names a server to use (CI starts one in ``.ci/run``). Without it,
a throwaway server is started for the session (``initdb`` in a temporary directory, a free
loopback port) and deleted afterwards. With ``CI=true`` and no URL the tests fail: they are
never skipped in CI.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import psycopg
import pytest
from dialogue_flow_postgres.testing import ENV_VAR, TemporaryServer


def with_query(url: str, **params: str) -> str:
    """``url`` with ``params`` added to (or replacing those in) its query."""
    parts = urlsplit(url)
    query = dict(parse_qsl(parts.query, keep_blank_values=True))
    query.update(params)
    return urlunsplit(parts._replace(query=urlencode(query)))


@pytest.fixture(scope="session")
def pg_url() -> Iterator[str]:
    url = os.environ.get(ENV_VAR)
    if url:
        yield url
        return
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"{ENV_VAR} is not set in CI: .ci/run must start PostgreSQL and export it; "
                    "the PostgreSQL tests are never skipped in CI", pytrace=False)
    try:
        server = TemporaryServer()
    except FileNotFoundError as exc:
        pytest.skip(f"no PostgreSQL here and {ENV_VAR} unset: {exc}")
    with server:
        yield server.url


@pytest.fixture(scope="session")
def admin(pg_url: str) -> Iterator[psycopg.Connection[Any]]:
    """An autocommit connection for looking at and breaking things."""
    with psycopg.connect(pg_url, autocommit=True) as conn:
        yield conn


@pytest.fixture
def schema_url(pg_url: str, admin: psycopg.Connection[Any]) -> Iterator[str]:
    """``pg_url`` pointing at a fresh PostgreSQL schema, dropped after the test."""
    name = f"t_{uuid.uuid4().hex[:16]}"
    yield with_query(pg_url, schema=name)
    admin.execute(f'DROP SCHEMA IF EXISTS "{name}" CASCADE')
