"""Shared fixtures: a fixed clock at 2021-06-01, deterministic ids, the seed's actors and a
flow on memory storage.

The seed's plan is dated spring 2021; its first dialogue is held in quarter II, so the
suite starts on Tuesday 1 June 2021 and every date in the tests can be checked by hand.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from dialogue_flow import (
    Actor,
    DialogueFlow,
    FixedClock,
    MemoryStorage,
    Petitioner,
    Role,
    SequentialIds,
    WorkCalendar,
)
from pii_support import assert_no_personal_data

_PYTEST_RAISES = pytest.raises


def _raises_without_personal_data(expected: Any, *args: Any, **kwargs: Any) -> Any:
    """``pytest.raises`` that also walks the chain of every error the suite provokes and
    fails on the conftest petitioner's personal data in it (issue 13)."""
    if args:  # the call form: pytest.raises(Error, function, *args)
        info = _PYTEST_RAISES(expected, *args, **kwargs)
        assert_no_personal_data(info.value)
        return info
    return _checked(expected, **kwargs)


@contextlib.contextmanager
def _checked(expected: Any, **kwargs: Any) -> Iterator[Any]:
    with _PYTEST_RAISES(expected, **kwargs) as info:
        yield info
    assert_no_personal_data(info.value)


pytest.raises = _raises_without_personal_data  # type: ignore[assignment]

#: The day every test starts on (a Tuesday).
START = date(2021, 6, 1)
#: The department of the seed's land matters ("Địa chính", the land office).
LAND = "Địa chính"
#: A second department, for "not assigned to you" cases.
FOREST = "Kiểm lâm"


@pytest.fixture(scope="session")
def calendar() -> WorkCalendar:
    """The Vietnamese calendar, built once for the whole session."""
    return WorkCalendar.vietnam()


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(START)


@pytest.fixture
def ids() -> SequentialIds:
    return SequentialIds()


@pytest.fixture
def office() -> Actor:
    return Actor("vp", "Văn phòng Đảng ủy", Role.OFFICE)


@pytest.fixture
def chair() -> Actor:
    return Actor("bt", "Bí thư Đảng ủy", Role.CHAIR)


@pytest.fixture
def intake() -> Actor:
    return Actor("tn", "Bộ phận tiếp nhận", Role.INTAKE_DESK)


@pytest.fixture
def department() -> Actor:
    """The land office, a department actor of "Địa chính"."""
    return Actor("dc", "Cán bộ địa chính", Role.DEPARTMENT, department=LAND)


@pytest.fixture
def other_department() -> Actor:
    """The forest rangers: a department that is not "Địa chính"."""
    return Actor("kl", "Cán bộ kiểm lâm", Role.DEPARTMENT, department=FOREST)


@pytest.fixture
def petitioner() -> Petitioner:
    return Petitioner(name="Nguyễn Văn A", address="Thôn 1", phone="0912345678")


@pytest.fixture
def flow(clock: FixedClock, ids: SequentialIds, calendar: WorkCalendar) -> DialogueFlow:
    """A flow on memory storage with the seed's policy, the fixed clock and sequential ids."""
    return DialogueFlow(MemoryStorage(), calendar=calendar, clock=clock, ids=ids)


@pytest.fixture
def storage_state(flow: DialogueFlow) -> Callable[[], Any]:
    """A function that captures everything ``flow`` has stored: records, audit trails and
    the outbox. Two captures are equal only if nothing was written in between."""

    def capture() -> Any:
        dialogues = tuple(flow.dialogues(limit=10_000))
        submissions = tuple(flow.submissions(limit=10_000))
        trails = tuple(tuple(flow.history(r)) for r in (*dialogues, *submissions))
        return dialogues, submissions, trails, tuple(flow.storage.pending_notifications())

    return capture


@pytest.fixture(scope="session")
def demo_2021_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The seed's 2021 plan played into a SQLite file (``dialogue-flow demo``), once for
    the session (it takes seconds). Read it only: a test that writes (the access log, an
    issued document) works on a copy."""
    from dialogue_flow._demo import run_demo  # noqa: PLC0415 - only the tests that use it

    path = tmp_path_factory.mktemp("demo-2021") / "demo.db"
    run_demo(f"sqlite:///{path}", echo=lambda _line: None)
    return path
