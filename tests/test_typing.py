"""`dialogue_flow.typing` names every extension point, as the objects the library uses."""

from __future__ import annotations

import datetime as dt

import dialogue_flow
import dialogue_flow.storage
import dialogue_flow.typing
from dialogue_flow import FixedClock, MemoryStorage, SequentialIds, SQLiteStorage


def test_the_index_is_the_library_s_own_objects() -> None:
    index = dialogue_flow.typing
    assert index.Storage is dialogue_flow.storage.Storage
    assert index.ReportFacts is dialogue_flow.storage.ReportFacts
    assert index.Clock is dialogue_flow.Clock
    assert index.Authorizer is dialogue_flow.Authorizer
    assert sorted(index.__all__) == index.__all__


def test_the_built_in_implementations_satisfy_the_protocols() -> None:
    """What a host would write against these types: the built-ins are such values."""
    clock: dialogue_flow.typing.Clock = FixedClock(dt.date(2021, 6, 1))
    ids: dialogue_flow.typing.IdFactory = SequentialIds()
    assert isinstance(clock, dialogue_flow.typing.Clock)
    assert ids("sub") != ids("sub")
    with SQLiteStorage() as sqlite:
        assert isinstance(sqlite, dialogue_flow.typing.Storage)
        assert isinstance(sqlite, dialogue_flow.typing.ReportFacts)
    memory = MemoryStorage()
    assert isinstance(memory, dialogue_flow.typing.Storage)
    assert not isinstance(memory, dialogue_flow.typing.ReportFacts)
