"""Test helpers for hosts and plugin authors: the storage contract, a capturing notifier,
and the fixed clock and deterministic ids re-exported.

A storage backend proves itself by passing :class:`StorageContract`, the same tests the
built-in memory and SQLite backends pass. Subclass it in a pytest module and provide a
``storage`` fixture that yields a fresh, empty backend (and closes it afterwards)::

    import pytest
    from dialogue_flow.testing import StorageContract

    class TestMyStorage(StorageContract):
        @pytest.fixture
        def storage(self, tmp_path):
            backend = MyStorage(tmp_path / "db")
            yield backend
            backend.close()

A backend that also implements the optional :class:`dialogue_flow.storage.ReportFacts`
(reports and sweeps answered from its indexes) adds :class:`ReportFactsContract` to the
same class: ``class TestMyStorage(StorageContract, ReportFactsContract)``. Its docstring
says which fields of the facts a backend must fill.

The tests need pytest (for the fixture) and nothing else: the data they query is generated
with a seeded :class:`random.Random`, so a failure names the seed and the query and
replays exactly. For readable diffs of the plain ``assert`` statements, call
``pytest.register_assert_rewrite("dialogue_flow.testing")`` in your ``conftest.py`` before
importing this package; the messages name what differed either way.
"""

from dialogue_flow import FixedClock, SequentialIds

from ._attachment_contract import sample_attachment
from ._contract import ReportFactsContract, StorageContract
from ._fakes import (
    CapturingNotifier,
    sample_dialogue,
    sample_notification,
    sample_reception_day,
    sample_submission,
    sample_transition,
)
from ._stores import store_contents

__all__ = [
    "CapturingNotifier",
    "FixedClock",
    "ReportFactsContract",
    "SequentialIds",
    "StorageContract",
    "sample_attachment",
    "sample_dialogue",
    "sample_notification",
    "sample_reception_day",
    "sample_submission",
    "sample_transition",
    "store_contents",
]
