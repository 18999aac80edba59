"""The fixtures of the web host's tests: a commune's office on a memory store with a fixed
clock, its users, and clients of the web host (Starlette's TestClient: the app in process,
no server, no port).

Imported by the test modules, not a conftest.py: a second plugin's tests folder with a
conftest module on sys.path would shadow dialogue-flow-postgres's, which its spawned
processes import by that name."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from dialogue_flow_web import WebConfig, create_app, hash_password
from starlette.testclient import TestClient
from web_support import PASSWORD, make_config

from dialogue_flow import DialogueFlow, FixedClock, Organisation


@pytest.fixture(scope="session")
def password_hash() -> str:
    return hash_password(PASSWORD)


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(dt.date(2026, 3, 2))  # a Monday


@pytest.fixture
def flow(clock: FixedClock) -> Iterator[DialogueFlow]:
    with DialogueFlow.open("memory://", clock=clock) as f:
        f.add_organisation(Organisation("tinh", "Tỉnh Hà Tĩnh", "province"))
        f.add_organisation(Organisation("xa-a", "Đảng ủy xã A", "commune", "tinh",
                                        bodies=("Địa chính", "Văn hóa")))
        f.add_organisation(Organisation("xa-b", "Đảng ủy xã B", "commune", "tinh"))
        yield f


@pytest.fixture
def app_config(flow: DialogueFlow, password_hash: str) -> WebConfig:
    return make_config(flow, password_hash, lookups_per_minute=5)


@pytest.fixture
def client(app_config: WebConfig) -> TestClient:
    return TestClient(create_app(app_config))


