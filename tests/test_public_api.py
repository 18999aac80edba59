"""The public API is exactly what `dialogue_flow.__all__` lists: pinned here so that adding
or removing a name is a deliberate, reviewed change (httpx `test_exported_members.py`)."""

from __future__ import annotations

import types

import pytest

import dialogue_flow

EXPORTED = [
    "DIALOGUE",
    "SUBMISSION",
    "VIETNAM_TZ",
    "Actor",
    "Anchor",
    "AnswerMode",
    "Authorizer",
    "CalendarRangeError",
    "Changeset",
    "Channel",
    "Clock",
    "CloseReason",
    "CommitOutcomeUnknownError",
    "ConclusionItem",
    "ConclusionNotice",
    "ConfigurationError",
    "Deadline",
    "DeadlinePolicy",
    "DeadlineRule",
    "Dialogue",
    "DialogueFlow",
    "DialogueFlowError",
    "DialogueQuery",
    "DialogueState",
    "Direction",
    "DispatchResult",
    "Dispatcher",
    "EventSpec",
    "FixedClock",
    "InvalidInputError",
    "InvalidTransitionError",
    "Lifecycle",
    "LoggingNotifier",
    "MemoryStorage",
    "NotFoundError",
    "Notification",
    "OutboxEntry",
    "OutboxStatus",
    "Page",
    "Period",
    "PermanentDeliveryError",
    "PermissionDeniedError",
    "Petitioner",
    "PluginError",
    "PluginManager",
    "Purpose",
    "Report",
    "ReportItem",
    "ReportRule",
    "Role",
    "SQLiteStorage",
    "SequentialIds",
    "SkippedDay",
    "SpecialDay",
    "Storage",
    "StorageError",
    "Submission",
    "SubmissionKind",
    "SubmissionQuery",
    "SubmissionState",
    "SweepResult",
    "SystemClock",
    "TransitionRecord",
    "TransitionVetoedError",
    "Unit",
    "VersionConflictError",
    "WorkCalendar",
    "__version__",
    "bundled_policies",
    "from_dict",
    "from_json",
    "hookimpl",
    "load_plugins",
    "time_ordered_id",
    "to_dict",
    "to_json",
]


def isort_style(name: str) -> tuple[int, str]:
    """Ruff's RUF022 order: CONSTANTS, then Classes, then everything else."""
    if name.isupper():
        return (0, name)
    return (1, name) if name[0].isupper() else (2, name)


class TestAll:
    """`__all__` itself."""

    def test_exact_list(self):
        """`__all__` is exactly the pinned list, in its order."""
        assert EXPORTED == dialogue_flow.__all__

    def test_sorted(self):
        """`__all__` is sorted the way ruff sorts it (constants, classes, functions)."""
        assert sorted(dialogue_flow.__all__, key=isort_style) == dialogue_flow.__all__

    def test_no_duplicates(self):
        """No name is listed twice."""
        assert len(set(dialogue_flow.__all__)) == len(dialogue_flow.__all__)

    def test_nothing_public_is_left_out(self):
        """Every public attribute of the package that is not a submodule is in `__all__`."""
        public = {n for n in dir(dialogue_flow) if not n.startswith("_")
                  and not isinstance(getattr(dialogue_flow, n), types.ModuleType)}
        assert public == set(dialogue_flow.__all__) - {"__version__"}


class TestImportable:
    """Every listed name can be imported from the package."""

    @pytest.mark.parametrize("name", EXPORTED)
    def test_name(self, name):
        """`from dialogue_flow import <name>` works and gives a real object."""
        namespace: dict[str, object] = {}
        exec(f"from dialogue_flow import {name}", namespace)  # noqa: S102 - the point is the import statement
        assert namespace[name] is getattr(dialogue_flow, name)

    def test_star_import(self):
        """`from dialogue_flow import *` brings exactly `__all__`."""
        namespace: dict[str, object] = {}
        exec("from dialogue_flow import *", namespace)  # noqa: S102
        assert set(EXPORTED) == set(namespace) - {"__builtins__"}

    def test_version_is_a_string(self):
        """The version is a PEP 440-looking string."""
        assert (str, True) == (type(dialogue_flow.__version__),
                               dialogue_flow.__version__[0].isdigit())

    @pytest.mark.parametrize("name", [n for n in EXPORTED
                                      if isinstance(getattr(dialogue_flow, n), type)])
    def test_public_classes_live_in_the_package(self, name):
        """Public classes are defined in dialogue_flow's own modules, not re-exported
        from a dependency."""
        assert getattr(dialogue_flow, name).__module__.startswith("dialogue_flow.")


class TestStorageModule:
    def test_backend_authors_api(self) -> None:
        """`dialogue_flow.storage` exposes what a storage backend needs, each name the same
        object as in the private module, so plugins never import `dialogue_flow._storage`."""
        import dialogue_flow._storage as private  # noqa: PLC0415
        import dialogue_flow.storage as public  # noqa: PLC0415

        for name in public.__all__:
            if name != "SQLiteStorage":
                assert getattr(private, name) is getattr(public, name)
        assert {"Storage", "Changeset", "OutboxEntry", "check_claim", "check_retry",
                "ReportFacts"} <= set(public.__all__)
